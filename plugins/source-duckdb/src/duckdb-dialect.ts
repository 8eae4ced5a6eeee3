import type {
  DatabaseIntrospector,
  Dialect,
  DialectAdapter,
  Driver,
  Kysely,
  QueryCompiler,
} from "kysely";
import { DuckDbAdapter } from "./duckdb-adapter.js";
import type { DuckDbDialectConfig } from "./duckdb-dialect-config.js";
import { DuckDbDriver } from "./duckdb-driver.js";
import { DuckDbIntrospector } from "./duckdb-introspector.js";
import { DuckDbQueryCompiler } from "./duckdb-query-compiler.js";

/**
 * Kysely dialect for DuckDB over `@duckdb/node-api`.
 *
 * ```ts
 * const db = new Kysely<DB>({ dialect: new DuckDbDialect({ instance: await DuckDBInstance.create("w.duckdb") }) });
 * ```
 */
export class DuckDbDialect implements Dialect {
  readonly #config: DuckDbDialectConfig;

  constructor(config: DuckDbDialectConfig) {
    this.#config = config;
  }

  createDriver(): Driver {
    return new DuckDbDriver(this.#config);
  }

  createQueryCompiler(): QueryCompiler {
    return new DuckDbQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new DuckDbAdapter();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new DuckDbIntrospector(db);
  }
}
