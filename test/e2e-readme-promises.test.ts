import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startWebhookReceiver } from "@reverse-etl/destination-webhook/emulator";
import { jsonOf, runCli } from "./support/cli.js";
import { duck, projectDir, seedCustomers, writeConfig } from "./support/warehouse.js";

describe("what the README promises, through the CLI", () => {
  it("validate --offline reports the document's problems and the plugins' option problems at once", async () => {
    const dir = projectDir("e2e-validate-all");
    writeFileSync(
      join(dir, "reverse-etl.config.json"),
      JSON.stringify({
        state: { source: "a" },
        sources: {
          a: { plugin: "@reverse-etl/source-duckdb", path: "a.duckdb" },
          b: { plugin: "@reverse-etl/source-duckdb", path: "b.duckdb", bogus: 1 },
        },
        destinations: { f: { plugin: "@reverse-etl/destination-file", path: "out.jsonl", format: "xml" } },
        models: { m: { source: "b", primaryKey: "id", sql: "select 1 as id" } },
        syncs: { s: { model: "m", destination: "f", fields: { id: "id" }, extra: true } },
      }),
    );
    const result = await runCli(["validate", "--offline", "--json"], { cwd: dir });
    expect(result.code).toBe(2);
    const { error } = jsonOf(result);
    expect(error.code).toBe("ConfigError");
    expect(error.issues.map((i: { path: string }) => i.path)).toEqual(["/destinations/f/format", "/models/m/source", "/sources/b/bogus", "/syncs/s/extra"]);
    expect(error.issues.find((i: { path: string }) => i.path === "/models/m/source").message).toContain('not the state source "a"');
  });

  it("runs, plugins and state reset work with a destination's secret unset; plan and sync name the variable", async () => {
    const dir = projectDir("e2e-lazy-env");
    await seedCustomers(join(dir, "warehouse.duckdb"), 5);
    writeConfig(dir, { plugin: "@reverse-etl/destination-webhook", url: "http://127.0.0.1:9/hook", headers: { authorization: { $env: "RETL_E2E_UNSET_TOKEN" } } });
    const env = { RETL_E2E_UNSET_TOKEN: "" };

    const runs = await runCli(["runs", "--json"], { cwd: dir, env });
    expect(runs.code, runs.stderr).toBe(0);
    expect(jsonOf(runs)).toEqual({ runs: [] });
    const plugins = await runCli(["plugins", "--json"], { cwd: dir, env });
    expect(plugins.code, plugins.stderr).toBe(0);
    expect(jsonOf(plugins).plugins.map((p: { package: string }) => p.package)).toContain("@reverse-etl/destination-webhook");
    expect((await runCli(["state", "reset", "customers_sync", "--yes"], { cwd: dir, env })).code).toBe(0);

    for (const command of ["plan", "sync"]) {
      const refused = await runCli([command, "--json"], { cwd: dir, env });
      expect(refused.code, command).toBe(2);
      expect(jsonOf(refused).error.issues).toEqual([
        { path: "/destinations/target/headers/authorization", message: expect.stringContaining("environment variable RETL_E2E_UNSET_TOKEN is empty") },
      ]);
    }
  });

  it("REVERSE_ETL_CONFIG naming a missing file says to check the variable", async () => {
    const dir = projectDir("e2e-config-env");
    const result = await runCli(["plan"], { cwd: dir, env: { REVERSE_ETL_CONFIG: "nowhere/reverse-etl.config.ts" } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("config file not found; check the REVERSE_ETL_CONFIG environment variable");
    expect(result.stderr).not.toContain("--config");
  });

  it("a read-only DuckDB state source: plan works, sync refuses naming the option to change (exit 2)", async () => {
    const dir = projectDir("e2e-read-only");
    await seedCustomers(join(dir, "warehouse.duckdb"), 5);
    writeConfig(dir, { plugin: "@reverse-etl/destination-file", path: "out/c.jsonl" }, {}, { plugin: "@reverse-etl/source-duckdb", path: "warehouse.duckdb", readOnly: true });
    const plan = await runCli(["plan", "--json"], { cwd: dir });
    expect(plan.code, plan.stderr).toBe(0);
    expect(jsonOf(plan).syncs[0].counts.added).toBe(5);
    const sync = await runCli(["sync", "--json"], { cwd: dir });
    expect(sync.code).toBe(2);
    expect(jsonOf(sync).error).toMatchObject({
      code: "ConfigError",
      issues: [{ path: "/sources/warehouse/readOnly", message: expect.stringMatching(/read-only, but it is the state source.*set readOnly to false/) }],
    });
  });

  it("a fatal destination answer that is not about credentials exits 1, not 3: a webhook's 302, a file path under a file", async () => {
    const dir = projectDir("e2e-fatal-exit");
    await seedCustomers(join(dir, "warehouse.duckdb"), 5);
    const redirecting = createServer((_request, response) => response.writeHead(302, { location: "https://elsewhere.example/hook" }).end());
    await new Promise<void>((resolve) => redirecting.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = redirecting.address() as AddressInfo;
      writeConfig(dir, { plugin: "@reverse-etl/destination-webhook", url: `http://127.0.0.1:${port}/hook` });
      const redirected = await runCli(["sync", "--json"], { cwd: dir });
      expect(redirected.code, redirected.stderr).toBe(1);
      expect(jsonOf(redirected).syncs[0]).toMatchObject({ status: "failed", errorCode: "FatalDestinationError" });
    } finally {
      await new Promise((resolve) => redirecting.close(resolve));
    }
    writeFileSync(join(dir, "not-a-dir"), "");
    writeConfig(dir, { plugin: "@reverse-etl/destination-file", path: "not-a-dir/out.jsonl" });
    const underFile = await runCli(["sync", "--json"], { cwd: dir });
    expect(underFile.code, underFile.stderr).toBe(1);
    expect(jsonOf(underFile).syncs[0]).toMatchObject({ status: "failed", errorCode: "FatalDestinationError" });
  });

  it("a mapped column gone since the last sync is a SchemaDriftError (exit 2) naming the column and the path to fix", async () => {
    const dir = projectDir("e2e-drift");
    const warehouse = join(dir, "warehouse.duckdb");
    await seedCustomers(warehouse, 5);
    writeConfig(dir, { plugin: "@reverse-etl/destination-file", path: "out/c.jsonl" });
    expect((await runCli(["sync"], { cwd: dir })).code).toBe(0);
    await duck(warehouse, "alter table gold.customers rename column plan to tier");
    writeFileSync(
      join(dir, "reverse-etl.config.json"),
      readFileSync(join(dir, "reverse-etl.config.json"), "utf8").replace("select id, email, name, plan, ltv", "select id, email, name, tier, ltv"),
    );
    for (const command of ["plan", "sync"]) {
      const drifted = await runCli([command, "--json"], { cwd: dir });
      expect(drifted.code, command).toBe(2);
      expect(jsonOf(drifted).error).toMatchObject({
        code: "SchemaDriftError",
        exitCode: 2,
        issues: [{ path: "/syncs/customers_sync/fields/plan", message: expect.stringMatching(/^schema drift: column "plan" \(VARCHAR\) was in model "customers"/) }],
      });
    }
    const human = await runCli(["sync"], { cwd: dir });
    expect(human.stderr).toMatch(/^\[reverse-etl\] Schema drift \(1 problem\):/);
  });

  it("the summary of a partial run with retryRejected: false does not promise to retry rejected rows", async () => {
    const dir = projectDir("e2e-retry-rejected");
    await seedCustomers(join(dir, "warehouse.duckdb"), 10);
    const receiver = await startWebhookReceiver();
    try {
      receiver.rejectRecord((record) => record.key === "2", "plan_tier is not allowed");
      writeConfig(dir, { plugin: "@reverse-etl/destination-webhook", url: receiver.url }, { retryRejected: false });
      const run = await runCli(["sync"], { cwd: dir });
      expect(run.code, run.stderr).toBe(6);
      expect(run.stdout).toContain("sent: 10 writes, 0 deletes -> 9 succeeded, 1 rejected, 0 failed");
      expect(run.stdout).toMatch(/rejected rows are recorded in sync_errors \(run \S+\) and sent again only once they change \(retryRejected: false\)/);
      expect(run.stdout).not.toContain("retried on the next run");
    } finally {
      await receiver.close();
    }
  });

  it("plan shows its sample rows in key order", async () => {
    const dir = projectDir("e2e-sample-order");
    await seedCustomers(join(dir, "warehouse.duckdb"), 2000);
    writeConfig(dir, { plugin: "@reverse-etl/destination-file", path: "out/c.jsonl" });
    const plan = jsonOf(await runCli(["plan", "--json", "--samples", "8"], { cwd: dir })).syncs[0];
    const keys: number[] = plan.samples.added.map((s: { key: number }) => s.key);
    expect(keys).toHaveLength(8);
    expect(keys).toEqual([...keys].sort((a, b) => a - b));
    const table = (await runCli(["plan", "--samples", "8"], { cwd: dir })).stdout;
    const shown = [...table.matchAll(/^ +\+ (\d+) /gm)].map((m) => Number(m[1]));
    expect(shown).toEqual(keys);
  });
});
