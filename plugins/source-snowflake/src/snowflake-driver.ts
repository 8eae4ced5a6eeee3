import type { DatabaseConnection, Driver, TransactionSettings } from "kysely";
import { SnowflakeConnection } from "./snowflake-connection.js";
import type { NameSpellings } from "./snowflake-name-spellings.js";
import type { SnowflakeSessionPool } from "./snowflake-session-pool.js";

/**
 * Kysely driver for Snowflake. Sessions come from the source's pool, which outlives drivers: core may
 * create and destroy several Kysely instances over one source, and a login is not free.
 */
export class SnowflakeDriver implements Driver {
  readonly #borrowed = new Set<SnowflakeConnection>();

  constructor(
    private readonly pool: SnowflakeSessionPool,
    private readonly spellings: NameSpellings,
  ) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = new SnowflakeConnection(await this.pool.acquire(), this.spellings);
    this.#borrowed.add(connection);
    return connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    if (settings.isolationLevel || settings.accessMode) {
      // Snowflake runs every transaction READ COMMITTED and has no read-only transactions.
      throw new Error("[reverse-etl] [snowflake] Snowflake does not support transaction isolation levels or access modes; omit them");
    }
    await (connection as SnowflakeConnection).session.run("begin");
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as SnowflakeConnection).session.run("commit");
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as SnowflakeConnection).session.run("rollback");
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const c = connection as SnowflakeConnection;
    if (!this.#borrowed.delete(c)) return;
    this.pool.release(c.session);
  }

  async destroy(): Promise<void> {
    for (const c of this.#borrowed) this.pool.release(c.session);
    this.#borrowed.clear();
  }
}
