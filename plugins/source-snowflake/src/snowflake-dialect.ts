import type { DatabaseIntrospector, Dialect, DialectAdapter, Driver, Kysely, QueryCompiler } from "kysely";
import { SnowflakeAdapter } from "./snowflake-adapter.js";
import { SnowflakeDriver } from "./snowflake-driver.js";
import { SnowflakeIntrospector } from "./snowflake-introspector.js";
import { SnowflakeQueryCompiler } from "./snowflake-query-compiler.js";
import { NameSpellings } from "./snowflake-name-spellings.js";
import type { SnowflakeSessionPool } from "./snowflake-session-pool.js";

/** Kysely dialect for Snowflake over `snowflake-sdk` sessions from a pool. */
export class SnowflakeDialect implements Dialect {
  readonly #spellings = new NameSpellings();

  constructor(private readonly pool: SnowflakeSessionPool) {}

  createDriver(): Driver {
    return new SnowflakeDriver(this.pool, this.#spellings);
  }

  createQueryCompiler(): QueryCompiler {
    return new SnowflakeQueryCompiler((name) => this.#spellings.record(name));
  }

  createAdapter(): DialectAdapter {
    return new SnowflakeAdapter();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SnowflakeIntrospector(db);
  }
}
