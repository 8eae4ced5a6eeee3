import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startWebhookReceiver, type WebhookReceiver } from "@reverse-etl/destination-webhook/emulator";
import type { FaultProxy } from "@reverse-etl/testkit";
import { startDaemon, waitFor, type Daemon } from "./support/daemon.js";
import { projectDir, writeConfig } from "./support/warehouse.js";
import { makeWarehouse, modelRowsIn, seedCustomersIn, type TestWarehouse } from "./support/warehouses.js";
import { receivedRows, startSlowReceiver } from "./support/webhook.js";

interface RunRow {
  run_id: string;
  sync_name: string;
  status: string;
  started_at: Date;
  finished_at: Date | null;
}

const runsOf = (warehouse: TestWarehouse, sync?: string) =>
  warehouse.query<RunRow>(
    `select run_id, sync_name, status, started_at, finished_at from reverse_etl.sync_runs ${sync ? `where sync_name = '${sync}'` : ""} order by started_at, run_id`,
  );

let daemons: Daemon[] = [];
let closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const d of daemons) if (d.child.exitCode === null) d.child.kill("SIGKILL");
  for (const close of closers) await close();
  daemons = [];
  closers = [];
});

const daemon = (args: string[], cwd: string) => {
  const d = startDaemon(args, { cwd });
  daemons.push(d);
  return d;
};

describe("reverse-etl start", () => {
  it("runs a sync every two seconds, records every run, never overlaps a slow one, stops cleanly on SIGTERM mid-run, and the next start resumes", async () => {
    const dir = projectDir("start-every-2s");
    const warehouse = await makeWarehouse("postgres", dir);
    await seedCustomersIn(warehouse, 400);
    // Every request held 400 ms: the first run (16 batches, 2 at a time) outlasts a two-second tick.
    const { receiver, proxy } = await startSlowReceiver(400);
    closers.push(() => proxy.close(), () => receiver.close());
    writeConfig(dir, { plugin: "@reverse-etl/destination-webhook", url: proxy.url, batchSize: 25 }, { schedule: "*/2 * * * * *" }, warehouse.source);

    const first = daemon(["start", "--log-format", "json"], dir);
    const runs = await waitFor("three finished runs", async () => {
      const rows = (await runsOf(warehouse)).filter((r) => r.status !== "running");
      return rows.length >= 3 ? rows : undefined;
    });
    expect(runs[0]!.status).toBe("succeeded");
    expect(receivedRows(receiver)).toEqual(await modelRowsIn(warehouse));
    // The slow first run met at least one tick, which was skipped and logged, not run beside it.
    expect(first.stderr()).toMatch(/"msg":"run skipped","sync":"customers_sync","reason":"schedule","why":"already running \(run /);
    const all = (await runsOf(warehouse)).filter((r) => r.finished_at !== null);
    for (let i = 1; i < all.length; i++) expect(all[i]!.started_at.getTime()).toBeGreaterThanOrEqual(all[i - 1]!.finished_at!.getTime());
    // One log line per run start and end.
    expect(first.stderr()).toContain(`"msg":"run started","sync":"customers_sync","runId":"${runs[0]!.run_id}","reason":"schedule"`);
    expect(first.stderr()).toMatch(new RegExp(`"msg":"run finished","sync":"customers_sync","runId":"${runs[0]!.run_id}","status":"succeeded","succeeded":400`));

    // A change of every row, then SIGTERM while the run sends it.
    await warehouse.query("update gold.customers set name = name || ' (renamed)'");
    const before = receiver.requests.length;
    await waitFor("the run of the change to be sending", () => receiver.requests.length > before + 2);
    const stopped = await first.stop();
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stderr).toContain("SIGTERM received: starting no new run");
    const afterStop = await runsOf(warehouse);
    expect(afterStop.filter((r) => r.status === "running")).toEqual([]);
    expect(receivedRows(receiver)).not.toEqual(await modelRowsIn(warehouse));

    // The next start makes up the missed ticks at once, and the receiver ends up holding the model exactly.
    const second = daemon(["start", "--log-format", "json"], dir);
    const model = await modelRowsIn(warehouse);
    await waitFor("the receiver to hold the model", () => JSON.stringify([...receivedRows(receiver)].sort()) === JSON.stringify([...model].sort()));
    expect(second.stderr()).toContain('"reason":"catch-up"');
    expect(receiver.records.size).toBe(400);
    const end = await second.stop();
    expect(end.code, end.stderr).toBe(0);
  });

  it("runs after chains in order: accounts, then contacts, then deals", async () => {
    const dir = projectDir("start-after");
    const warehouse = await makeWarehouse("postgres", dir);
    await seedCustomersIn(warehouse, 20);
    const receiver: WebhookReceiver = await startWebhookReceiver();
    closers.push(() => receiver.close());
    const file = writeConfig(dir, { plugin: "@reverse-etl/destination-webhook", url: receiver.url }, {}, warehouse.source);
    const config = JSON.parse(readFileSync(file, "utf8"));
    const base = config.syncs.customers_sync;
    config.syncs = {
      deals: { ...base, object: "deals", after: ["contacts"] },
      contacts: { ...base, object: "contacts", after: ["accounts"] },
      accounts: { ...base, object: "accounts", schedule: { cron: "*/2 * * * * *", timezone: "Europe/Paris" } },
    };
    writeFileSync(join(dir, "reverse-etl.config.json"), JSON.stringify(config));

    const start = daemon(["start", "--json"], dir);
    await waitFor("two runs of deals", async () => (await runsOf(warehouse, "deals")).filter((r) => r.status === "succeeded").length >= 2);
    const end = await start.stop();
    expect(end.code, end.stderr).toBe(0);
    const ready = JSON.parse(end.stdout.split("\n")[0]!);
    expect(ready.syncs).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "accounts", schedule: "*/2 * * * * *" }), expect.objectContaining({ name: "deals", after: ["contacts"], schedule: null })]),
    );
    const runs = await runsOf(warehouse);
    const succeeded = (sync: string) => runs.filter((r) => r.sync_name === sync && r.status === "succeeded");
    // Every run of a dependent started after a success of what it waits for, that its previous run had not seen.
    for (const [dependent, dependency] of [["contacts", "accounts"], ["deals", "contacts"]] as const) {
      const own = runs.filter((r) => r.sync_name === dependent);
      expect(own.length).toBeGreaterThanOrEqual(2);
      own.forEach((run, i) => {
        const previousStart = i === 0 ? 0 : own[i - 1]!.started_at.getTime();
        const enabling = succeeded(dependency).filter(
          (d) => d.finished_at!.getTime() <= run.started_at.getTime() && d.finished_at!.getTime() > previousStart,
        );
        expect(enabling.length, `${dependent} run ${run.run_id}`).toBeGreaterThan(0);
      });
    }
  });
});
