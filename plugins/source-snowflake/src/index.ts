// Public API of @reverse-etl/source-snowflake. Explicit named exports, plus the plugin as default export.
import { defineSourcePlugin } from "@reverse-etl/core";
import { connectSnowflakeSource } from "./snowflake-source.js";
import { snowflakeSourceOptionsSchema, type SnowflakeSourceOptions } from "./snowflake-source-options.js";

export { SnowflakeAdapter } from "./snowflake-adapter.js";
export { SnowflakeDialect } from "./snowflake-dialect.js";
export { SnowflakeDriver } from "./snowflake-driver.js";
export { SnowflakeConnection } from "./snowflake-connection.js";
export { SnowflakeIntrospector } from "./snowflake-introspector.js";
export { SnowflakeQueryCompiler, snowflakeIdentifier } from "./snowflake-query-compiler.js";
export { SnowflakeSourceAdapter } from "./snowflake-source-adapter.js";
export { snowflakeFunctions } from "./snowflake-functions.js";
export { snowflakeTypeName, snowflakeValueKind } from "./snowflake-column-types.js";
export { connectSnowflakeSource, driverOptions, queryTagOf } from "./snowflake-source.js";
export { SnowflakeStatementError } from "./snowflake-errors.js";
export { loadSnowflakeSdk } from "./snowflake-sdk-loader.js";
export type { SnowflakeSdkModule } from "./snowflake-sdk-loader.js";
export { snowflakeSourceOptionsSchema } from "./snowflake-source-options.js";
export type { SnowflakeSourceOptions } from "./snowflake-source-options.js";
export type { SnowflakeRowValue } from "./snowflake-value-converter.js";

/** The Snowflake source plugin: `plugin: "@reverse-etl/source-snowflake"` in a config's `sources`. */
const snowflakeSourcePlugin = defineSourcePlugin<SnowflakeSourceOptions>({
  name: "snowflake",
  optionsSchema: snowflakeSourceOptionsSchema,
  connect: (options, context) => connectSnowflakeSource(options, context),
});

export default snowflakeSourcePlugin;
