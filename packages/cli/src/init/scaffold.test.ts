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
    expect(result.written.sort()).toEqual(["data/customers.csv", "models/README.md", "reverse-etl.config.ts"]);
    const config = await readFile(join(dir, "reverse-etl.config.ts"), "utf8");
    expect(config).toContain('plugin: "@reverse-etl/source-duckdb", path: "warehouse.duckdb"');
    expect(config).toContain('path: "out/customers.jsonl"');
    expect(config).toMatch(/models: \{\s+customers: \{/);
    expect(config).toContain("from read_csv('data/customers.csv', header = true)");
    expect(config).toMatch(/syncs: \{\s+customers_to_file: \{/);
    expect(await readFile(join(dir, "data/customers.csv"), "utf8")).toMatch(/^customer_id,email,full_name,plan,lifetime_value\n1,ada@example.com/);
  });

  it("has in the example data every column the model reads", async () => {
    await writeScaffold(dir, { force: false });
    const config = await readFile(join(dir, "reverse-etl.config.ts"), "utf8");
    const csv = await readFile(join(dir, "data/customers.csv"), "utf8");
    const modelColumns = /select (.*)\n/.exec(config)![1]!.split(",").map((c) => c.trim());
    expect(csv.split("\n")[0]!.split(",")).toEqual(modelColumns);
  });

  it("refuses to overwrite an existing config of any extension unless forced", async () => {
    await writeFile(join(dir, "reverse-etl.config.yaml"), "sources: {}\n");
    await expect(writeScaffold(dir, { force: false })).rejects.toBeInstanceOf(ConfigExistsError);
    await writeScaffold(dir, { force: true });
    expect(await readFile(join(dir, "reverse-etl.config.ts"), "utf8")).toContain("defineConfig");
  });

  it("never overwrites the user's data, even with force", async () => {
    await mkdir(join(dir, "data"));
    await writeFile(join(dir, "data/customers.csv"), "customer_id\n42\n");
    const result = await writeScaffold(dir, { force: true });
    expect(result.skipped).toEqual(["data/customers.csv"]);
    expect(await readFile(join(dir, "data/customers.csv"), "utf8")).toBe("customer_id\n42\n");
  });
});
