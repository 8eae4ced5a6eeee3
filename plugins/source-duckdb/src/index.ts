// Public API of @reverse-etl/source-duckdb. Explicit named exports, plus the plugin as default export.
import { defineSourcePlugin } from "@reverse-etl/core";
import { connectDuckDbSource } from "./duckdb-source.js";
import { duckDbSourceOptionsSchema, type DuckDbSourceOptions } from "./duckdb-source-options.js";

export { DuckDbAdapter } from "./duckdb-adapter.js";
export type { DuckDbDialectConfig } from "./duckdb-dialect-config.js";
export { DuckDbDialect } from "./duckdb-dialect.js";
export { DuckDbDriver } from "./duckdb-driver.js";
export { DuckDbConnection } from "./duckdb-connection.js";
export { DuckDbIntrospector } from "./duckdb-introspector.js";
export { DuckDbQueryCompiler } from "./duckdb-query-compiler.js";
export { duckDbFunctions } from "./duckdb-functions.js";
export { DEFAULT_MEMORY_LIMIT, connectDuckDbSource } from "./duckdb-source.js";
export { duckDbSourceOptionsSchema } from "./duckdb-source-options.js";
export type { DuckDbSourceOptions } from "./duckdb-source-options.js";
export type { DuckDbRowValue } from "./duckdb-value-converter.js";

/** The DuckDB source plugin: `plugin: "@reverse-etl/source-duckdb"` in a config's `sources`. */
const duckDbSourcePlugin = defineSourcePlugin<DuckDbSourceOptions>({
  name: "duckdb",
  optionsSchema: duckDbSourceOptionsSchema,
  connect: (options, context) => connectDuckDbSource(options, context),
});

export default duckDbSourcePlugin;
