import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import {
  ConnectionError,
  type ColumnInfo,
  type PluginContext,
  type SourceAdapter,
  type SourceConnection,
  type SqlFunctions,
  valueKindOfTypeName,
} from "@reverse-etl/core";
import type { Dialect } from "kysely";
import { tmpdir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { DuckDbDialect } from "./duckdb-dialect.js";
import { duckDbFunctions } from "./duckdb-functions.js";
import { DuckDbSourceAdapter } from "./duckdb-source-adapter.js";
import { leaseDuckDbInstance, type DuckDbInstanceLease } from "./duckdb-instances.js";
import type { DuckDbSourceOptions } from "./duckdb-source-options.js";

const MEMORY = ":memory:";

/**
 * The warehouse shares the process with the engine: bound it (DuckDB's own default is 80 % of RAM). A sync's
 * peak RSS follows this limit (bench/README.md, "Where a DuckDB sync's memory goes": 1e6 rows peak at ~1,060 MB
 * with 1GB and ~470 MB with 256MB), and 1e6 and 1e7 rows still sync at 256MB, spilling the snapshot's sort to
 * the temp directory. Below ~64MB DuckDB cannot number the snapshot at all.
 */
export const DEFAULT_MEMORY_LIMIT = "256MB";

/** Opens a DuckDB database as a reverse-etl source. */
export async function connectDuckDbSource(
  options: DuckDbSourceOptions,
  context: Pick<PluginContext, "configDir">,
): Promise<SourceConnection> {
  const path = options.path === MEMORY || isAbsolute(options.path) ? options.path : resolve(context.configDir, options.path);
  const config: Record<string, string> = {};
  if (options.readOnly) config.access_mode = "READ_ONLY";
  if (options.threads !== undefined) config.threads = String(options.threads);
  config.memory_limit = options.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
  // What exceeds the limit spills here; a file's default (`<path>.tmp`) is DuckDB's own.
  if (options.tempDirectory !== undefined) config.temp_directory = resolve(context.configDir, options.tempDirectory);
  else if (path === MEMORY) config.temp_directory = join(tmpdir(), "reverse-etl-duckdb");
  // Relative paths in model SQL (read_csv('data/x.csv'), read_parquet(...)) resolve against the config's
  // directory, like every other path in the config, wherever the command is run from.
  config.file_search_path = context.configDir;
  let lease: DuckDbInstanceLease;
  try {
    lease = await leaseDuckDbInstance(path, config);
  } catch (error) {
    throw openError(path, error);
  }
  return new DuckDbSourceConnection(lease, options.readOnly === true);
}

function openError(path: string, error: unknown): ConnectionError {
  if (error instanceof ConnectionError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/Could not set lock on file/i.test(message)) {
    const pid = /PID (\d+)/.exec(message)?.[1];
    return new ConnectionError(
      `[reverse-etl] [duckdb] warehouse file ${path} is in use by another process${pid ? ` (PID ${pid})` : ""}: ` +
        "another reverse-etl run may be in progress; wait for it or stop it",
      { cause: error },
    );
  }
  return new ConnectionError(
    `[reverse-etl] [duckdb] could not open warehouse file ${path}: ${message}. ` +
      "Check that `path` points to a DuckDB file in a directory that exists and is writable.",
    { cause: error },
  );
}

/** A source connection on one `DuckDBInstance`; every Kysely connection is a `DuckDBConnection` on it. */
class DuckDbSourceConnection implements SourceConnection {
  readonly dialect: Dialect;
  readonly functions: SqlFunctions = duckDbFunctions;
  readonly adapter: SourceAdapter = new DuckDbSourceAdapter();
  readonly #instance: DuckDBInstance;
  readonly #lease: DuckDbInstanceLease;
  readonly #connections = new Set<DuckDBConnection>();
  #closed = false;
  /** `readOnly` when the file is opened read-only: core then keeps no state here, and says which option to change. */
  readonly readOnlyOption: string | undefined;

  constructor(lease: DuckDbInstanceLease, readOnly: boolean) {
    const { instance } = lease;
    this.readOnlyOption = readOnly ? "readOnly" : undefined;
    this.#lease = lease;
    this.#instance = instance;
    this.dialect = new DuckDbDialect({
      instance,
      onCreateConnection: (connection) => {
        if (this.#closed) throw new Error("[reverse-etl] [duckdb] the source connection is closed");
        this.#connections.add(connection);
      },
    });
  }

  async describeQuery(sql: string): Promise<ColumnInfo[]> {
    this.#assertOpen();
    const connection = await this.#instance.connect();
    this.#connections.add(connection);
    try {
      // Preparing binds the query and resolves its column types without running it.
      const prepared = await connection.prepare(sql);
      try {
        const columns: ColumnInfo[] = [];
        for (let i = 0; i < prepared.columnCount; i++) {
          const type = prepared.columnType(i);
          const name = type.alias ?? type.toString();
          columns.push({ name: prepared.columnName(i), type: name, kind: valueKindOfTypeName(name) });
        }
        return columns;
      } finally {
        prepared.destroySync();
      }
    } finally {
      connection.disconnectSync();
      this.#connections.delete(connection);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Every connection must go before the instance is released: each holds the database (and its file
    // lock) open.
    for (const connection of this.#connections) connection.disconnectSync();
    this.#connections.clear();
    this.#lease.release();
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error("[reverse-etl] [duckdb] the source connection is closed");
  }
}
