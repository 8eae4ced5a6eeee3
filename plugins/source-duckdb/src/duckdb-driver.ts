import type { DuckDBInstance } from "@duckdb/node-api";
import type { DatabaseConnection, Driver, TransactionSettings } from "kysely";
import { DuckDbConnection } from "./duckdb-connection.js";
import type { DuckDbDialectConfig } from "./duckdb-dialect-config.js";

/**
 * Kysely driver for DuckDB. Each Kysely connection is its own `DuckDBConnection` on the shared
 * instance; idle ones are kept for reuse. DuckDB connections are cheap and in-process, so there is no
 * pool limit: concurrency is bounded by the callers.
 */
export class DuckDbDriver implements Driver {
  readonly #config: DuckDbDialectConfig;
  readonly #idle: DuckDbConnection[] = [];
  readonly #all = new Set<DuckDbConnection>();
  #instance: DuckDBInstance | undefined;
  #destroyed = false;

  constructor(config: DuckDbDialectConfig) {
    this.#config = config;
  }

  async init(): Promise<void> {
    const { instance } = this.#config;
    this.#instance = typeof instance === "function" ? await instance() : instance;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#destroyed || !this.#instance) {
      throw new Error("[reverse-etl] [duckdb] the DuckDB driver is closed; open a new connection");
    }
    const idle = this.#idle.pop();
    if (idle) return idle;
    const raw = await this.#instance.connect();
    try {
      await this.#config.onCreateConnection?.(raw);
    } catch (error) {
      raw.disconnectSync();
      throw error;
    }
    const instance = this.#instance;
    const connection = new DuckDbConnection(raw, () => instance.connect());
    this.#all.add(connection);
    return connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    if (settings.isolationLevel || settings.accessMode) {
      // DuckDB transactions are always snapshot-isolated and take no access mode.
      throw new Error("[reverse-etl] [duckdb] DuckDB does not support transaction isolation levels or access modes; omit them");
    }
    await (connection as DuckDbConnection).begin();
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as DuckDbConnection).commit();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as DuckDbConnection).rollback();
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const duck = connection as DuckDbConnection;
    if (this.#destroyed) {
      duck.raw.disconnectSync();
      this.#all.delete(duck);
    } else {
      this.#idle.push(duck);
    }
  }

  async destroy(): Promise<void> {
    this.#destroyed = true;
    for (const connection of this.#all) connection.raw.disconnectSync();
    this.#all.clear();
    this.#idle.length = 0;
  }
}
