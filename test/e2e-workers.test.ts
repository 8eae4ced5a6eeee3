import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startWebhookReceiver } from "@reverse-etl/destination-webhook/emulator";
import { startAlertCollector } from "./support/alert-collector.js";
import { jsonOf, runCli } from "./support/cli.js";
import { stopAfterEach, waitFor } from "./support/daemon.js";
import { projectDir, writeConfig } from "./support/warehouse.js";
import { makeWarehouse, modelRowsIn, seedCustomersIn, type TestWarehouse } from "./support/warehouses.js";
import { receivedRows, startSlowReceiver } from "./support/webhook.js";
import { startWorkers, workersOf } from "./support/workers.js";

interface RunRow {
  run_id: string;
  sync_name: string;
  status: string;
  error: string | null;
  pid: number;
  scheduled_for: string | null;
}

const runsOf = (warehouse: TestWarehouse) =>
  warehouse.query<RunRow>("select run_id, sync_name, status, error, pid, scheduled_for from reverse_etl.sync_runs order by started_at, run_id");

const { daemons, closers } = stopAfterEach();

/** A config with `syncs` syncs of the customers model, each over its own key range, to one webhook. */
function writeManySyncs(dir: string, warehouse: TestWarehouse, destination: Record<string, unknown>, syncs: number, schedule: string): string[] {
  const names = Array.from({ length: syncs }, (_, i) => `customers_${String(i).padStart(2, "0")}`);
  const config = {
    scheduler: { queue: warehouse.source.url, concurrency: 2 },
    sources: { warehouse: warehouse.source },
    destinations: { target: destination },
    models: Object.fromEntries(
      names.map((name, i) => [name, { source: "warehouse", primaryKey: "id", sql: `select id + ${i * 1_000_000} as id, email, name, plan, ltv from gold.customers` }]),
    ),
    syncs: Object.fromEntries(
      names.map((name) => [name, { model: name, destination: "target", fields: { email: "email", name: "name", plan: "plan_tier", ltv: "ltv" }, schedule }]),
    ),
  };
  writeFileSync(join(dir, "reverse-etl.config.json"), JSON.stringify(config, null, 2));
  return names;
}

describe("reverse-etl start --queue: several workers share one queue", () => {
  // 30 syncs every 10 seconds on three workers of two runs each. On a slower machine, scale SYNCS down:
  // a tick must find the sync's previous run done, or it waits for it (a later time, still once).
  const SYNCS = 30;
  const PERIOD_S = 10;

  it("runs every scheduled time of every sync exactly once across three workers, with no gap, and lists the workers", async () => {
    const dir = projectDir("workers-schedule");
    const warehouse = await makeWarehouse("postgres", dir);
    await seedCustomersIn(warehouse, 20);
    const receiver = await startWebhookReceiver();
    closers.push(() => receiver.close());
    const names = writeManySyncs(dir, warehouse, { ...receiver.options, plugin: "@reverse-etl/destination-webhook" }, SYNCS, `*/${PERIOD_S} * * * * *`);

    const workers = await startWorkers(dir, 3, daemons);
    expect(new Set(workers.map((w) => w.ready.queue?.worker)).size).toBe(3);
    const listed = await waitFor("three live workers", async () => {
      const all = await workersOf(dir);
      return all.filter((w) => w.alive).length === 3 ? all : undefined;
    });
    expect(listed.map((w) => w.pid).sort()).toEqual(workers.map((w) => w.ready.pid).sort());
    // Every worker's API and dashboard list the same three.
    const api = (await (await fetch(`${workers[1]!.ready.url}/api/workers`)).json()) as { workers: Array<{ id: string }> };
    expect(api.workers.map((w) => w.id).sort()).toEqual(listed.map((w) => w.id).sort());
    const dashboard = await (await fetch(`${workers[2]!.ready.url}/`)).text();
    for (const w of listed) expect(dashboard).toContain(`<tr data-worker="${w.id}">`);

    // Three scheduled times of every sync, run to the end.
    await waitFor(
      "three finished scheduled runs of every sync",
      async () => {
        const runs = (await runsOf(warehouse)).filter((r) => r.status === "succeeded");
        return names.every((name) => runs.filter((r) => r.sync_name === name).length >= 3);
      },
      240_000,
    );
    for (const w of workers) expect((await w.daemon.stop()).code, w.daemon.stderr()).toBe(0);

    const runs = await runsOf(warehouse);
    expect(runs.filter((r) => r.status !== "succeeded")).toEqual([]);
    // Every worker ran some of them.
    expect(new Set(runs.map((r) => r.pid)).size).toBe(3);
    for (const name of names) {
      const times = runs.filter((r) => r.sync_name === name).map((r) => Date.parse(r.scheduled_for ?? "invalid"));
      // Once each: no scheduled time ran twice ...
      expect(new Set(times).size, name).toBe(times.length);
      // ... and none was skipped between the first and the last.
      const sorted = [...times].sort((a, b) => a - b);
      for (let i = 1; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 1]!, `${name}: ${sorted.map((t) => new Date(t).toISOString()).join(", ")}`).toBe(PERIOD_S * 1000);
    }
    // Every sync delivered its rows once, all of them.
    expect(receiver.records.size).toBe(SYNCS * 20);
    expect([...receiver.deliveries.values()].filter((n) => n !== 1)).toEqual([]);
  }, 360_000);

  it("workers: exit 2 without a queue, 1 when the queue cannot be reached, 0 and none listed before any worker joined", async () => {
    const dir = projectDir("workers-cli");
    const warehouse = await makeWarehouse("postgres", dir);
    writeConfig(dir, { plugin: "@reverse-etl/destination-file", path: "out.jsonl" }, {}, warehouse.source);
    const none = await runCli(["workers", "--json"], { cwd: dir });
    expect(none.code).toBe(2);
    expect(jsonOf(none).error).toMatchObject({ code: "NoQueue" });
    const unreachable = await runCli(["workers", "--json", "--queue", "postgres://nobody:secret-pw@127.0.0.1:1/queue"], { cwd: dir });
    expect(unreachable.code).toBe(1);
    expect(jsonOf(unreachable).error).toMatchObject({ code: "QueueError" });
    expect(unreachable.stdout + unreachable.stderr).not.toContain("secret-pw");
    const empty = await runCli(["workers", "--json", "--queue", String(warehouse.source.url)], { cwd: dir });
    expect(empty.code, empty.stderr).toBe(0);
    expect(jsonOf(empty)).toEqual({ workers: [] });
  }, 60_000);

  it("a stale sync is alerted once by the workers' elected leader, not once per worker", async () => {
    const dir = projectDir("workers-stale");
    const warehouse = await makeWarehouse("postgres", dir);
    await seedCustomersIn(warehouse, 5);
    const collector = await startAlertCollector();
    closers.push(() => collector.close());
    writeConfig(dir, { plugin: "@reverse-etl/destination-file", path: "out.jsonl" }, {}, warehouse.source, {
      scheduler: { queue: warehouse.source.url },
      alerts: { ops: { url: collector.url, on: ["stale"], staleAfter: "1s" } },
    });
    const once = await runCli(["sync", "--json"], { cwd: dir });
    expect(once.code, once.stderr).toBe(0);
    const syncedAt = Date.now();
    await waitFor("the last success to be older than staleAfter", () => Date.now() - syncedAt > 1500);
    const workers = await startWorkers(dir, 3, daemons);
    await waitFor("the stale alert", () => collector.alerts.length > 0);
    // Every worker checked at start (and the list shows all three up); only the leader said it.
    await waitFor("three live workers", async () => (await workersOf(dir)).filter((w) => w.alive).length === 3);
    expect(collector.alerts.map((a) => a.body.event)).toEqual(["stale"]);
    for (const w of workers) expect((await w.daemon.stop()).code, w.daemon.stderr()).toBe(0);
    expect(collector.alerts).toHaveLength(1);
  }, 120_000);

  it("a worker killed with SIGKILL mid-run: another worker retries the run and the receiver ends holding exactly the model", async () => {
    const dir = projectDir("workers-kill");
    const warehouse = await makeWarehouse("postgres", dir);
    await seedCustomersIn(warehouse, 1500);
    // 150 batches, each request held 150 ms, two at a time: the run takes about ten seconds, so the kill
    // lands while it sends.
    const { receiver, proxy } = await startSlowReceiver(150);
    closers.push(() => proxy.close(), () => receiver.close());
    writeConfig(dir, { plugin: "@reverse-etl/destination-webhook", url: proxy.url, batchSize: 10 }, {}, warehouse.source, { scheduler: { queue: warehouse.source.url } });

    const workers = await startWorkers(dir, 3, daemons, { args: ["--concurrency", "1", "--worker-timeout", "10"] });
    const triggered = await fetch(`${workers[0]!.ready.url}/api/syncs/customers_sync/runs`, { method: "POST" });
    expect(triggered.status).toBe(202);
    const queuedRun = (await triggered.json()) as { runId: string; status: string };
    expect(queuedRun.status).toBe("queued");
    // Known at once on the worker that queued it, whichever worker takes it.
    expect(((await (await fetch(`${workers[0]!.ready.url}/api/runs/${queuedRun.runId}`)).json()) as { status: string }).status).toBe("running");
    // Whichever worker took the run: kill it once some batches are acknowledged.
    const holder = await waitFor("a worker running the sync", async () => (await workersOf(dir)).find((w) => w.running.some((r) => r.sync === "customers_sync")));
    await waitFor("the run to be sending", () => receiver.requests.length > 10);
    const victim = workers.find((w) => w.ready.pid === holder.pid)!;
    victim.daemon.child.kill("SIGKILL");
    expect((await victim.daemon.done).signal).toBe("SIGKILL");
    const sentBeforeKill = receiver.records.size;
    expect(sentBeforeKill).toBeLessThan(1500);

    // Another worker finds the dead one silent, requeues its job, and the retry finishes the run.
    const model = await modelRowsIn(warehouse);
    await waitFor("the receiver to hold the model", () => JSON.stringify([...receivedRows(receiver)].sort()) === JSON.stringify([...model].sort()), 180_000);
    const finished = await waitFor("the retried run to succeed", async () => (await runsOf(warehouse)).find((r) => r.status === "succeeded"));
    expect(finished.pid).not.toBe(victim.ready.pid);
    const survivors = workers.filter((w) => w !== victim);
    expect(survivors.map((w) => w.daemon.stderr()).join("\n")).toContain("a worker stopped answering: its runs go back to the queue");
    // The killed attempt stays in sync_runs, closed as interrupted; nothing acknowledged was applied twice.
    const runs = await runsOf(warehouse);
    expect(runs.map((r) => r.status)).toEqual(["failed", "succeeded"]);
    // The first attempt ran under the id the API answered; the retry under a new one.
    expect(runs[0]!.run_id).toBe(queuedRun.runId);
    expect(runs[0]!.error).toMatch(/^interrupted/);
    expect(receiver.records.size).toBe(1500);
    expect([...receiver.deliveries.values()].filter((n) => n !== 1)).toEqual([]);
    // The dead worker is gone from the list; the two others are alive.
    const listed = await workersOf(dir);
    expect(listed.map((w) => w.pid).sort()).toEqual(survivors.map((w) => w.ready.pid).sort());
    for (const w of survivors) expect((await w.daemon.stop()).code, w.daemon.stderr()).toBe(0);
  }, 300_000);
});
