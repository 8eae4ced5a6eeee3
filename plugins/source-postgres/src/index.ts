// Public API of @reverse-etl/source-postgres. Explicit named exports, plus the plugin as default export.
import { defineSourcePlugin } from "@reverse-etl/core";
import { connectPostgresSource } from "./postgres-source.js";
import { postgresSourceOptionsSchema, type PostgresSourceOptions } from "./postgres-source-options.js";

export { connectPostgresSource } from "./postgres-source.js";
export { postgresFunctions, postgresFunctionsFor } from "./postgres-functions.js";
export { parsePostgresUrl, postgresConnectionConfig, sslForMode } from "./postgres-connection-config.js";
export type { PostgresConnectionConfig } from "./postgres-connection-config.js";
export { DEFAULT_SESSION_SETTINGS, postgresSourceOptionsSchema } from "./postgres-source-options.js";
export type { PostgresSourceOptions, PostgresSslMode } from "./postgres-source-options.js";
export { postgresTypeParsers } from "./postgres-value-parsers.js";
export type { PostgresRowValue, PostgresTypeParsers } from "./postgres-value-parsers.js";

/** The PostgreSQL source plugin: `plugin: "@reverse-etl/source-postgres"` in a config's `sources`. */
const postgresSourcePlugin = defineSourcePlugin<PostgresSourceOptions>({
  name: "postgres",
  optionsSchema: postgresSourceOptionsSchema,
  connect: (options, context) => connectPostgresSource(options, context),
});

export default postgresSourcePlugin;
