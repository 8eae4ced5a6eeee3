import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SCHEMA_OUTPUTS, generateConfigSchemaText } from "../scripts/generate-schema.mjs";

const root = join(import.meta.dirname, "..");

describe("config schema", () => {
  const expected = generateConfigSchemaText() as string;

  for (const out of SCHEMA_OUTPUTS as string[]) {
    it(`${out} matches the TypeScript types (run npm run schema when this fails)`, () => {
      const committed = readFileSync(join(root, out), "utf8");
      if (committed !== expected) {
        throw new Error(`${out} is out of date with packages/core/src/config/types.ts: run npm run schema`);
      }
      expect(committed).toBe(expected);
    });
  }
});
