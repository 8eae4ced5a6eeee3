import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { JsonSchema } from "./json-schema.js";

/**
 * Absolute path of the config JSON schema shipped with core (`packages/core/schema/`). It is generated
 * from `types.ts` by `npm run schema`, byte-identical to the published `schemas/reverse-etl.config.schema.json`.
 */
export const CONFIG_SCHEMA_FILE = fileURLToPath(new URL("../../schema/reverse-etl.config.schema.json", import.meta.url));

let cached: JsonSchema | undefined;

/** The config JSON schema, read once from core's package. */
export function configSchema(): JsonSchema {
  cached ??= JSON.parse(readFileSync(CONFIG_SCHEMA_FILE, "utf8")) as JsonSchema;
  return cached;
}
