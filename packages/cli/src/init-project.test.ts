import { mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "./test-fixtures/built-cli.js";

// The project `init` scaffolds, run through the built CLI with the real DuckDB source and file
// destination. The project lives inside the repository (under an ignored .tmp/) so the config resolves
// the workspace's @reverse-etl packages, as it would from a user's node_modules.
const root = fileURLToPath(new URL("../.tmp/", import.meta.url));

describe("the project init scaffolds (built CLI, real DuckDB and file destination)", () => {
  const dir = join(root, `init-project-${process.pid}`);

  beforeAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await mkdir(root, { recursive: true });
    // Nothing to load: the starter model reads data/customers.csv, from any working directory.
    expect((await cli(["init", dir], root)).code).toBe(0);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("validates", async () => {
    const { stdout, code } = await cli(["validate"], dir);
    expect(code).toBe(0);
    expect(stdout).toContain("All checks passed.");
  });

  it("plans every seeded row as added, as a table and as JSON", async () => {
    const table = await cli(["plan"], dir);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain("customers_to_file  customers -> out (upsert)");
    expect(table.stdout).toContain("added 5 · changed 0 · removed 0");
    // The model's relative CSV path resolves against the config's directory, not the working directory.
    const elsewhere = await cli(["plan", "--json", "--config", join(dir, "reverse-etl.config.ts")], root);
    expect(JSON.parse(elsewhere.stdout).syncs[0].counts.added).toBe(5);
    const json = await cli(["plan", "--json"], dir);
    expect(JSON.parse(json.stdout).syncs[0]).toMatchObject({ name: "customers_to_file", mode: "upsert", counts: { added: 5, invalid: 0 } });
  });

  it("syncs every row once, then nothing, and records both runs", async () => {
    const first = await cli(["sync", "--json"], dir);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).syncs[0]).toMatchObject({ status: "succeeded", results: { succeeded: 5, rejected: 0, failed: 0 } });
    const lines = (await readFile(join(dir, "out/customers.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l));
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatchObject({ op: "upsert", fields: { email: expect.any(String), name: expect.any(String) } });

    const second = await cli(["sync"], dir);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("added 0 · changed 0 · removed 0 · unchanged 5");

    const runs = await cli(["runs", "--json"], dir);
    expect(JSON.parse(runs.stdout).runs).toHaveLength(2);
  });

  it("reports an unknown sync name as a config error, exit 2", async () => {
    const { stdout, code } = await cli(["plan", "nope", "--json"], dir);
    expect(code).toBe(2);
    expect(JSON.parse(stdout).error).toMatchObject({ code: "ConfigError", exitCode: 2 });
  });
});
