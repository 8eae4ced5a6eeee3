// Generates the config JSON schema from the TypeScript types (the single source of truth):
//   packages/core/src/config/types.ts (ReverseEtlConfig)
//     -> schemas/reverse-etl.config.schema.json        (published, for editors via `$schema`)
//     -> packages/core/schema/reverse-etl.config.schema.json (shipped with core, used by ajv at runtime)
// Both files are byte-identical. `test/config-schema-drift.test.ts` fails when they are stale.
// Usage: npm run schema
import { writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createGenerator } from "ts-json-schema-generator";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Paths (relative to the repository root) the schema is written to. */
export const SCHEMA_OUTPUTS = [
  "schemas/reverse-etl.config.schema.json",
  "packages/core/schema/reverse-etl.config.schema.json",
];

/** The schema text as `npm run schema` writes it. */
export function generateConfigSchemaText() {
  const generator = createGenerator({
    path: join(root, "packages/core/src/config/types.ts"),
    tsconfig: join(root, "packages/core/tsconfig.json"),
    type: "ReverseEtlConfig",
    skipTypeCheck: true,
    expose: "export",
    topRef: true,
    jsDoc: "extended",
    sortProps: true,
  });
  const generated = generator.createSchema("ReverseEtlConfig");
  const schema = {
    $schema: generated.$schema,
    title: "reverse-etl configuration",
    $comment:
      "Generated from packages/core/src/config/types.ts by `npm run schema`; do not edit by hand.",
    ...generated,
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = generateConfigSchemaText();
  for (const out of SCHEMA_OUTPUTS) {
    const file = join(root, out);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    console.log(`wrote ${out}`);
  }
}
