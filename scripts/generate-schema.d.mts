/** Files the schema generator writes (both byte-identical), relative to the repository root. */
export declare const SCHEMA_OUTPUTS: readonly string[];
/** The config JSON schema generated from packages/core/src/config/types.ts, as the text written to disk. */
export declare function generateConfigSchemaText(): string;
