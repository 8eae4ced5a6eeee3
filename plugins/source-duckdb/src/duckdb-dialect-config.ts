import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";

/** Configuration of `DuckDbDialect`. */
export interface DuckDbDialectConfig {
  /**
   * The database every Kysely connection is opened on, or a function that opens it the first time a
   * connection is needed. The dialect never closes it: its owner does.
   */
  instance: DuckDBInstance | (() => Promise<DuckDBInstance>);
  /** Called with each new `DuckDBConnection` before its first query. Throw to refuse the connection. */
  onCreateConnection?(connection: DuckDBConnection): Promise<void> | void;
}
