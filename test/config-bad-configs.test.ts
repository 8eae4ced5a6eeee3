import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "@reverse-etl/core";

const fixtures = join(import.meta.dirname, "fixtures", "configs");

/** Load a config expecting a ConfigError, and return it. */
async function configError(options: { configPath?: string; cwd?: string }): Promise<ConfigError> {
  try {
    await loadConfig(options);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${options.configPath ?? options.cwd}`);
}

// Each bad config: the JSON path of the problem and a piece of the fix that the message must contain.
const cases: Array<{ file: string; path: string; fix: string }> = [
  { file: "unknown-key.yaml", path: "/syncs/customers_to_file/feilds", fix: 'unknown property "feilds"; did you mean "fields"?' },
  { file: "bad-mode.json", path: "/syncs/customers_to_file/mode", fix: 'must be one of upsert, update, insert, mirror; got "upsrt"' },
  { file: "unknown-model.ts", path: "/syncs/customers_to_file/model", fix: 'model "custmers" does not exist; did you mean "customers"?' },
  { file: "unknown-destination.yaml", path: "/syncs/customers_to_crm/destination", fix: 'did you mean "crm"?' },
  { file: "unknown-source.json", path: "/models/customers/source", fix: 'did you mean "warehouse"?' },
  { file: "empty-fields.ts", path: "/syncs/customers_to_file/fields", fix: "add at least one model column -> destination field" },
  { file: "missing-sql.yaml", path: "/models/customers", fix: 'missing required property "sql"' },
  { file: "primary-key-type.json", path: "/models/customers/primaryKey", fix: "must be a string or an array of strings; got 42" },
  { file: "max-delete-share.yaml", path: "/syncs/customers_to_file/maxDeleteShare", fix: "must be between 0 and 1" },
  { file: "unset-env.ts", path: "/destinations/crm/token", fix: "environment variable RETL_FIXTURE_UNSET_TOKEN is not set; export it" },
  { file: "ambiguous-state-source.json", path: "/state/source", fix: "set state.source to the one that keeps sync state" },
  { file: "model-outside-state.json", path: "/models/customers/source", fix: 'is "lake", not the state source "warehouse": the diff runs inside the warehouse' },
  { file: "bad-sync-name.yaml", path: "/syncs/customers to file", fix: 'use letters, digits, "_", "-" or "."' },
  { file: "empty-primary-key.ts", path: "/models/customers/primaryKey", fix: "name the column (or columns) that identify a row" },
  { file: "duplicate-target.yaml", path: "/syncs/customers_to_file/fields/work_email", fix: 'destination field "email" is already mapped from column "email"' },
  { file: "no-default-export.ts", path: "/", fix: "write export default defineConfig(" },
  { file: "empty.yaml", path: "/", fix: "reverse-etl init writes an example" },
  { file: "syntax-error.ts", path: "/", fix: "(line 8, column 1); fix the file" },
  { file: "syntax-error.yaml", path: "/", fix: "is not valid YAML: All mapping items must start at the same column (line 4, column 1)" },
  { file: "syntax-error.json", path: "/", fix: "is not valid JSON: Expected double-quoted property name (line 6, column 1)" },
];

describe("bad configs", () => {
  for (const { file, path, fix } of cases) {
    it(`${file}: names the file, ${path} and the fix`, async () => {
      const configPath = join(fixtures, "bad", file);
      const error = await configError({ configPath });
      expect(error.file).toBe(configPath);
      expect(error.message).toContain(`  ${configPath}: ${path}: `);
      expect(error.message).toContain(fix);
      expect(error.message.startsWith("[reverse-etl] Invalid configuration (")).toBe(true);
      expect(error.exitCode).toBe(2);
    });
  }

  it("reports every problem of a config at once, not the first only", async () => {
    const error = await configError({ configPath: join(fixtures, "bad", "many-problems.yaml") });
    expect(error.issues.map((i) => i.path)).toEqual([
      "/models/customers/sql",
      "/syncs/a/mode",
      "/syncs/a/model",
      "/syncs/b/destination",
      "/syncs/b/fields",
    ]);
    expect(error.message).toMatch(/^\[reverse-etl\] Invalid configuration \(5 problems\):\n/);
  });

  it("names a --config path that does not exist", async () => {
    const error = await configError({ configPath: "nowhere/reverse-etl.config.ts", cwd: fixtures });
    expect(error.message).toContain(join(fixtures, "nowhere/reverse-etl.config.ts"));
    expect(error.message).toContain("config file not found; check the --config path");
  });

  describe("with no config anywhere up to the repository root", () => {
    let project: string;
    beforeAll(() => {
      project = mkdtempSync(join(tmpdir(), "retl-noconfig-"));
      mkdirSync(join(project, ".git"));
      mkdirSync(join(project, "a", "b"), { recursive: true });
    });

    it("tells the user to run reverse-etl init or pass --config", async () => {
      const error = await configError({ cwd: join(project, "a", "b") });
      expect(error.message).toContain("run `reverse-etl init` to create one, or pass --config PATH");
      expect(error.message).toContain(join(project, "a", "b"));
    });

    it("finds a config in a parent directory, stopping at .git", async () => {
      writeFileSync(
        join(project, "a", "reverse-etl.config.json"),
        JSON.stringify({ sources: { w: { plugin: "p" } }, destinations: {}, models: {}, syncs: {} }),
      );
      const loaded = await loadConfig({ cwd: join(project, "a", "b") });
      expect(loaded.file).toBe(join(project, "a", "reverse-etl.config.json"));
      expect(loaded.dir).toBe(join(project, "a"));
    });
  });
});

describe("good configs", () => {
  const previous = process.env.RETL_FIXTURE_TOKEN;
  beforeAll(() => {
    process.env.RETL_FIXTURE_TOKEN = "fixture-token-123";
  });
  afterAll(() => {
    if (previous === undefined) delete process.env.RETL_FIXTURE_TOKEN;
    else process.env.RETL_FIXTURE_TOKEN = previous;
  });

  it("load to the same document from .ts, .mjs, .json and .yaml, env references resolved", async () => {
    const documents = [];
    for (const format of ["ts", "mjs", "json", "yaml"]) {
      const loaded = await loadConfig({ cwd: join(fixtures, "good", format) });
      expect(loaded.file).toBe(join(fixtures, "good", format, `reverse-etl.config.${format}`));
      const { $schema: _editorHint, ...config } = loaded.config;
      documents.push(config);
    }
    expect(documents[0].destinations.crm.token).toBe("fixture-token-123");
    for (const document of documents.slice(1)) expect(document).toEqual(documents[0]);
  });
});
