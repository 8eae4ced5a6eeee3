import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startSlowReceiver } from "./support/webhook.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonOf, runCli, startCli } from "./support/cli.js";
import { startSnowflakeEmulator } from "@reverse-etl/source-snowflake/emulator";
import { seedSnowflakeCustomers, startTestSnowflake, type TestSnowflake } from "./support/snowflake.js";
import { projectDir, writeConfig } from "./support/warehouse.js";

let snowflake: TestSnowflake;

beforeAll(async () => {
  // A run killed inside a state commit leaves its transaction open, as on Snowflake, which aborts it once it
  // blocks another for five idle minutes; here after two seconds.
  snowflake = await startTestSnowflake(await startSnowflakeEmulator({ detachedTransactionAbortSeconds: 2 }));
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

describe("Snowflake (emulated) failures, through the CLI", () => {
  it("a wrong password exits 3 naming the fix, and the password appears in no output", { timeout: 120_000 }, async () => {
    const dir = projectDir("e2e-snowflake-auth");
    writeConfig(dir, { plugin: "@reverse-etl/destination-file", path: "out/changes.jsonl" }, {}, { ...snowflake.source, password: "Hunter2-not-it" });
    const fix = "Incorrect username or password was specified. (390100); the user name or password was refused: check `username` and `password`";
    const validate = await runCli(["validate", "--json"], { cwd: dir });
    expect(jsonOf(validate).connections[0]).toMatchObject({ name: "warehouse", ok: false, error: expect.stringContaining(fix) });
    const sync = await runCli(["sync", "--json"], { cwd: dir });
    expect(sync.code, sync.stdout).toBe(3);
    expect(jsonOf(sync).error.message).toContain(fix);
    for (const output of [validate, sync]) expect(output.stdout + output.stderr).not.toContain("Hunter2-not-it");
  });

  it("a run goes on while its session tokens keep expiring: the driver renews them", { timeout: 300_000 }, async () => {
    const dir = projectDir("e2e-snowflake-renew");
    await snowflake.query("create schema if not exists gold");
    await snowflake.query("create or replace table gold.renew as select seq4() as id, 'r' || seq4() as name from table(generator(rowcount => 300))");
    writeFileSync(
      join(dir, "reverse-etl.config.json"),
      JSON.stringify({
        sources: { warehouse: snowflake.source },
        destinations: { out: { plugin: "@reverse-etl/destination-file", path: "out/changes.jsonl" } },
        models: { renew: { source: "warehouse", primaryKey: "id", sql: "select id, name from gold.renew" } },
        syncs: { renew: { model: "renew", destination: "out", fields: { name: "name" } } },
      }),
    );
    const renewals = snowflake.emulator.emulator.stats.renewals;
    // Every session token expires every 50 ms, as an hour-long token would over a long run.
    const expiring = setInterval(() => snowflake.emulator.emulator.expireSessionTokens(), 50);
    try {
      const run = jsonOf(await runCli(["sync", "--json"], { cwd: dir })).syncs[0];
      expect(run).toMatchObject({ status: "succeeded", results: { succeeded: 300 } });
    } finally {
      clearInterval(expiring);
    }
    expect(snowflake.emulator.emulator.stats.renewals).toBeGreaterThan(renewals);
  });

  it("a run killed with SIGKILL mid-send and run again leaves the receiver holding exactly the model, nothing applied twice", { timeout: 300_000 }, async () => {
    // Every request is held back 15 ms by the fault proxy, so the kills land in the middle of sending.
    const { receiver, proxy } = await startSlowReceiver(15);
    try {
      const dir = projectDir("e2e-snowflake-kill");
      await seedSnowflakeCustomers(snowflake, 1200);
      const file = writeConfig(dir, { plugin: "@reverse-etl/destination-webhook", url: proxy.url, batchSize: 40 }, { mode: "mirror" }, snowflake.source);
      // A state schema of its own: the file's first test synced a sync of the same name.
      writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, "utf8")), state: { source: "warehouse", schema: "reverse_etl_kill" } }));
      for (const posts of [3, 9]) {
        const before = receiver.requests.filter((q) => q.method === "POST").length;
        const running = startCli(["sync"], { cwd: dir });
        let exited = false;
        void running.done.then(() => (exited = true));
        while (!exited && receiver.requests.filter((q) => q.method === "POST").length - before < posts) await new Promise((r) => setTimeout(r, 5));
        running.child.kill("SIGKILL");
        await running.done;
      }
      const final = await runCli(["sync", "--json"], { cwd: dir });
      expect(final.code, final.stderr).toBe(0);
      expect(jsonOf(final).syncs[0].status).toBe("succeeded");
      const model = await snowflake.query<{ ID: number; EMAIL: string; NAME: string; PLAN: string; LTV: string }>("select id, email, name, plan, to_varchar(ltv) as ltv from gold.customers order by id");
      expect(new Map([...receiver.records].map(([key, rec]) => [key, { ...rec.fields }]))).toEqual(
        new Map(model.map((r) => [String(r.ID), { email: r.EMAIL, name: r.NAME, plan_tier: r.PLAN, ltv: r.LTV }])),
      );
      expect([...receiver.deliveries.values()].every((n) => n === 1)).toBe(true);
      const runs = await snowflake.query<{ STATUS: string; ERROR: string | null }>("select status, error from reverse_etl_kill.sync_runs where sync_name = 'customers_sync' order by started_at desc, run_id desc limit 3");
      expect(runs.map((r) => r.STATUS)).toEqual(["succeeded", "failed", "failed"]);
      expect(runs[1]!.ERROR).toBe("interrupted: the process stopped before the run finished");
    } finally {
      await proxy.close();
      await receiver.close();
    }
  });
});
