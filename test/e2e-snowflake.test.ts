import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonOf, runCli } from "./support/cli.js";
import { seedSnowflakeCustomers, startTestSnowflake, type TestSnowflake } from "./support/snowflake.js";
import { projectDir, writeConfig } from "./support/warehouse.js";

let snowflake: TestSnowflake;

beforeAll(async () => {
  snowflake = await startTestSnowflake();
});

afterAll(async () => {
  await snowflake?.close();
});

function lines(dir: string): Array<{ op: string; key: unknown; fields: Record<string, unknown> }> {
  return readFileSync(join(dir, "out/changes.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
}

describe("Snowflake (emulated) to a file, through the CLI", () => {
  it("plans, sends every row first, nothing when nothing changed, exactly the changed rows, and in mirror mode deletes exactly the removed rows", { timeout: 300_000 }, async () => {
    const dir = projectDir("e2e-snowflake");
    await seedSnowflakeCustomers(snowflake, 500);
    writeConfig(dir, { plugin: "@reverse-etl/destination-file", path: "out/changes.jsonl" }, { mode: "mirror" }, snowflake.source);

    const planned = jsonOf(await runCli(["plan", "--json"], { cwd: dir })).syncs[0];
    expect(planned).toMatchObject({ counts: { added: 500, changed: 0, removed: 0, unchanged: 0, invalid: 0 } });
    expect(planned.samples.added).toHaveLength(5);
    for (const sample of planned.samples.added) {
      expect(sample.values).toEqual({ email: `user${sample.key}@example.com`, name: `Customer ${sample.key}`, plan_tier: ["free", "starter", "pro", "enterprise"][sample.key % 4], ltv: (sample.key * 12.5).toFixed(2) });
    }

    const first = jsonOf(await runCli(["sync", "--json"], { cwd: dir })).syncs[0];
    expect(first).toMatchObject({ status: "succeeded", counts: { added: 500 }, results: { succeeded: 500, rejected: 0, failed: 0 } });
    expect(lines(dir)).toHaveLength(500);
    expect(lines(dir)[0]).toEqual({ op: "upsert", key: 1, fields: { email: "user1@example.com", name: "Customer 1", plan_tier: "starter", ltv: "12.50" } });

    const second = jsonOf(await runCli(["sync", "--json"], { cwd: dir })).syncs[0];
    expect(second).toMatchObject({ status: "succeeded", counts: { added: 0, changed: 0, removed: 0, unchanged: 500 } });
    expect(second.results.succeeded).toBe(0);

    await snowflake.query("update gold.customers set plan = 'vip', ltv = ltv + 1 where id between 101 and 110");
    const plan = jsonOf(await runCli(["plan", "--json", "--samples", "10"], { cwd: dir })).syncs[0];
    expect(plan.counts).toMatchObject({ changed: 10, unchanged: 490 });
    const change = plan.samples.changed.find((s: { key: number }) => s.key === 105);
    expect(change.changes).toEqual([
      { field: "plan_tier", from: "starter", to: "vip" },
      { field: "ltv", from: "1312.50", to: "1313.50" },
    ]);

    const third = jsonOf(await runCli(["sync", "--json"], { cwd: dir })).syncs[0];
    expect(third.results.succeeded).toBe(10);
    expect(lines(dir).map((l) => l.key)).toEqual([101, 102, 103, 104, 105, 106, 107, 108, 109, 110]);
    expect(lines(dir).every((l) => l.fields.plan_tier === "vip")).toBe(true);

    await snowflake.query("delete from gold.customers where id in (7, 250, 499)");
    const fourth = jsonOf(await runCli(["sync", "--json"], { cwd: dir })).syncs[0];
    expect(fourth.counts).toMatchObject({ removed: 3, changed: 0, added: 0 });
    expect(lines(dir).sort((a, b) => Number(a.key) - Number(b.key))).toEqual([
      { op: "delete", key: 7, fields: {} },
      { op: "delete", key: 250, fields: {} },
      { op: "delete", key: 499, fields: {} },
    ]);
    const state = await snowflake.query<{ N: number }>("select count(*) as n from reverse_etl.sync_state");
    expect(state).toEqual([{ N: 497 }]);
    const runs = await snowflake.query<{ STATUS: string; ADDED: number; SUCCEEDED: number }>(
      "select status, added, succeeded from reverse_etl.sync_runs order by started_at, run_id",
    );
    expect(runs).toEqual([
      { STATUS: "succeeded", ADDED: 500, SUCCEEDED: 500 },
      { STATUS: "succeeded", ADDED: 0, SUCCEEDED: 0 },
      { STATUS: "succeeded", ADDED: 0, SUCCEEDED: 10 },
      { STATUS: "succeeded", ADDED: 0, SUCCEEDED: 3 },
    ]);
  });
});
