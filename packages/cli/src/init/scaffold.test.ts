import { mkdtemp, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigExistsError, writeScaffold } from "./scaffold.js";

describe("writeScaffold", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "reverse-etl-init-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes a config with a DuckDB source, a file destination, one model and one sync", async () => {
    const result = await writeScaffold(dir, { force: false });
    expect(result.written.sort()).toEqual(["models/README.md", "models/seed.sql", "reverse-etl.config.ts"]);
    const config = await readFile(join(dir, "reverse-etl.config.ts"), "utf8");
    expect(config).toContain('plugin: "@reverse-etl/source-duckdb", path: "warehouse.duckdb"');
    expect(config).toContain('path: "out/customers.jsonl"');
    expect(config).toMatch(/models: \{\s+customers: \{/);
    expect(config).toContain("from gold.customers");
    expect(config).toMatch(/syncs: \{\s+customers_to_file: \{/);
    expect(await readFile(join(dir, "models/seed.sql"), "utf8")).toContain("create or replace table gold.customers");
  });

  it("selects in the seed every column the model reads", async () => {
    await writeScaffold(dir, { force: false });
    const config = await readFile(join(dir, "reverse-etl.config.ts"), "utf8");
    const seed = await readFile(join(dir, "models/seed.sql"), "utf8");
    const modelColumns = /select (.*)\n/.exec(config)![1]!.split(",").map((c) => c.trim());
    const seedColumns = /as t\((.*)\)/.exec(seed)![1]!.split(",").map((c) => c.trim());
    expect(seedColumns).toEqual(modelColumns);
  });

  it("refuses to overwrite an existing config of any extension unless forced", async () => {
    await writeFile(join(dir, "reverse-etl.config.yaml"), "sources: {}\n");
    await expect(writeScaffold(dir, { force: false })).rejects.toBeInstanceOf(ConfigExistsError);
    await writeScaffold(dir, { force: true });
    expect(await readFile(join(dir, "reverse-etl.config.ts"), "utf8")).toContain("defineConfig");
  });

  it("never overwrites the user's files under models/, even with force", async () => {
    await mkdir(join(dir, "models"));
    await writeFile(join(dir, "models/seed.sql"), "-- mine\n");
    const result = await writeScaffold(dir, { force: true });
    expect(result.skipped).toEqual(["models/seed.sql"]);
    expect(await readFile(join(dir, "models/seed.sql"), "utf8")).toBe("-- mine\n");
  });
});
