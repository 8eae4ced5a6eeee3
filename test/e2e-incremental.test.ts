import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { projectDir, writeConfig } from "./support/warehouse.js";
import { makeWarehouse, seedCustomersIn, WAREHOUSES } from "./support/warehouses.js";
import { jsonOf, runCli } from "./support/cli.js";

function lines(dir: string): Array<{ op: string; key: number; fields: Record<string, unknown> }> {
  return readFileSync(join(dir, "out/changes.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
}

describe.each(WAREHOUSES)("incremental syncs from %s to a file, through the CLI", (kind) => {
  it("sends every row first, none the second time, exactly the 10 changed rows (plan shows the field changes), and in mirror mode deletes exactly the removed rows", async () => {
    const dir = projectDir(`e2e-incremental-${kind}`);
    const warehouse = await makeWarehouse(kind, dir);
    await seedCustomersIn(warehouse, 500);
    writeConfig(dir, { plugin: "@reverse-etl/destination-file", path: "out/changes.jsonl" }, { mode: "mirror" }, warehouse.source);

    const first = jsonOf(await runCli(["sync", "--json"], { cwd: dir })).syncs[0];
    expect(first).toMatchObject({ status: "succeeded", counts: { added: 500 }, results: { succeeded: 500, rejected: 0, failed: 0 } });
    expect(lines(dir)).toHaveLength(500);
    expect(lines(dir)[0]).toEqual({ op: "upsert", key: 1, fields: { email: "user1@example.com", name: "Customer 1", plan_tier: "starter", ltv: 12.5 } });

    const second = jsonOf(await runCli(["sync", "--json"], { cwd: dir })).syncs[0];
    expect(second).toMatchObject({ status: "succeeded", counts: { added: 0, changed: 0, removed: 0, unchanged: 500 } });
    expect(second.results.succeeded).toBe(0);

    await warehouse.query("update gold.customers set plan = 'vip', ltv = ltv + 1 where id between 101 and 110");
    const plan = await runCli(["plan", "--json", "--samples", "10"], { cwd: dir });
    const planned = jsonOf(plan).syncs[0];
    expect(planned.counts).toMatchObject({ changed: 10, unchanged: 490 });
    const change = planned.samples.changed.find((s: { key: number }) => s.key === 105);
    expect(change.changes).toEqual([
      { field: "plan_tier", from: "starter", to: "vip" },
      { field: "ltv", from: 1312.5, to: 1313.5 },
    ]);
    const table = await runCli(["plan"], { cwd: dir });
    expect(table.stdout).toContain('plan_tier: "starter" -> "vip"');

    const third = jsonOf(await runCli(["sync", "--json"], { cwd: dir })).syncs[0];
    expect(third.results.succeeded).toBe(10);
    expect(lines(dir).map((l) => l.key)).toEqual([101, 102, 103, 104, 105, 106, 107, 108, 109, 110]);
    expect(lines(dir).every((l) => l.fields.plan_tier === "vip")).toBe(true);

    await warehouse.query("delete from gold.customers where id in (7, 250, 499)");
    const fourth = jsonOf(await runCli(["sync", "--json"], { cwd: dir })).syncs[0];
    expect(fourth.counts).toMatchObject({ removed: 3, changed: 0, added: 0 });
    expect(lines(dir).sort((a, b) => a.key - b.key)).toEqual([
      { op: "delete", key: 7, fields: {} },
      { op: "delete", key: 250, fields: {} },
      { op: "delete", key: 499, fields: {} },
    ]);
    const synced = await warehouse.query<{ n: string | number }>("select count(*) as n from reverse_etl.sync_state");
    expect(Number(synced[0]!.n)).toBe(497);
    // Six CLI processes one after another: minutes on a loaded two-core machine, not the 60 s default.
  }, 180_000);
});
