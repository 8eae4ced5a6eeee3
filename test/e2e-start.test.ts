import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startWebhookReceiver, type WebhookReceiver } from "@reverse-etl/destination-webhook/emulator";
import { startFaultProxy } from "@reverse-etl/testkit";
import { readyLine, startDaemon, stopAfterEach, waitFor } from "./support/daemon.js";
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

const { daemons, closers } = stopAfterEach();

const daemon = (args: string[], cwd: string, env?: Record<string, string>) => {
  const d = startDaemon(args, { cwd, env });
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

    const first = daemon(["start", "--port", "0", "--log-format", "json"], dir);
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

    // A scheduled time passes while nothing runs; the next start makes it up at once, and the receiver ends
    // up holding the model exactly.
    const lastStart = Math.max(...afterStop.map((r) => r.started_at.getTime()));
    await waitFor("a scheduled time to pass while stopped", () => Date.now() > lastStart + 2_500);
    const second = daemon(["start", "--port", "0", "--log-format", "json"], dir);
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

    const start = daemon(["start", "--port", "0", "--json"], dir);
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

  it("answers the API: a triggered run returns its id at once and completes; writes need the token; health and readiness", async () => {
    const dir = projectDir("start-api");
    const warehouse = await makeWarehouse("postgres", dir);
    await seedCustomersIn(warehouse, 100);
    const { receiver, proxy } = await startSlowReceiver(150);
    closers.push(() => proxy.close(), () => receiver.close());
    writeConfig(dir, { plugin: "@reverse-etl/destination-webhook", url: proxy.url, batchSize: 10 }, {}, warehouse.source);
    const token = "api-token-for-the-test-4f1c";
    const start = daemon(["start", "--port", "0", "--json"], dir, { REVERSE_ETL_API_TOKEN: token });
    const { url } = await readyLine(start);

    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${url}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: "ready" }]);
    const listed = (await (await fetch(`${url}/api/syncs`)).json()) as { syncs: Array<Record<string, unknown>> };
    expect(listed.syncs).toEqual([expect.objectContaining({ name: "customers_sync", schedule: null, nextRun: null, running: null, lastRuns: [] })]);

    const trigger = (headers: Record<string, string>) => fetch(`${url}/api/syncs/customers_sync/runs`, { method: "POST", headers });
    expect((await trigger({})).status).toBe(401);
    expect((await trigger({ authorization: "Bearer wrong" })).status).toBe(401);
    expect((await trigger({ authorization: `Bearer ${token}`, origin: "https://evil.example" })).status).toBe(403);
    expect((await fetch(`${url}/api/syncs/nope/runs`, { method: "POST", headers: { authorization: `Bearer ${token}` } })).status).toBe(404);

    const accepted = await trigger({ authorization: `Bearer ${token}` });
    expect(accepted.status).toBe(202);
    const { runId } = (await accepted.json()) as { runId: string };
    expect(runId).toMatch(/^\d{8}t\d{6}z-[0-9a-f]{6}$/);
    // A second trigger while it runs names the run in flight.
    const again = await trigger({ authorization: `Bearer ${token}` });
    expect([again.status, ((await again.json()) as { runId: string }).runId]).toEqual([409, runId]);

    const done = await waitFor("the triggered run to finish", async () => {
      const run = (await (await fetch(`${url}/api/runs/${runId}`)).json()) as { status: string };
      return run.status === "running" ? undefined : run;
    });
    expect(done).toMatchObject({ runId, sync: "customers_sync", status: "succeeded", succeeded: 100, errors: [] });
    expect(receiver.records.size).toBe(100);
    expect((await runsOf(warehouse)).map((r) => r.run_id)).toEqual([runId]);
    expect((await fetch(`${url}/api/runs/nope`)).status).toBe(404);

    const end = await start.stop();
    expect(end.code, end.stderr).toBe(0);
    expect(end.stderr).toMatch(/msg="run started" sync=customers_sync runId=\S+ reason=api/);
    expect(end.stderr + end.stdout).not.toContain(token);
  });

  it("refuses to listen beyond loopback without a token", async () => {
    const dir = projectDir("start-host");
    writeConfig(dir, { plugin: "@reverse-etl/destination-file", path: "out.jsonl" });
    const result = await startDaemon(["start", "--host", "0.0.0.0", "--port", "0"], { cwd: dir }).done;
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("set REVERSE_ETL_API_TOKEN");
  });

  it("serves /metrics as Prometheus text whose counters match sync_runs", async () => {
    const dir = projectDir("start-metrics");
    const warehouse = await makeWarehouse("postgres", dir);
    await seedCustomersIn(warehouse, 60);
    const receiver = await startWebhookReceiver();
    receiver.rejectRecord((record) => ["5", "6"].includes(record.key), "INVALID_EMAIL: email is not valid");
    // The destination rate-limits the second request once.
    const proxy = await startFaultProxy({ target: receiver.url, faults: [{ nth: [2], fault: { status: 429, retryAfterSeconds: 1 } }] });
    closers.push(() => proxy.close(), () => receiver.close());
    writeConfig(dir, { plugin: "@reverse-etl/destination-webhook", url: proxy.url, batchSize: 20 }, {}, warehouse.source);
    const start = daemon(["start", "--port", "0", "--json"], dir);
    const { url } = await readyLine(start);
    for (let i = 0; i < 2; i++) {
      const { runId } = (await (await fetch(`${url}/api/syncs/customers_sync/runs`, { method: "POST" })).json()) as { runId: string };
      await waitFor(`run ${i + 1} to finish`, async () => ((await (await fetch(`${url}/api/runs/${runId}`)).json()) as { status: string }).status !== "running");
    }
    const response = await fetch(`${url}/metrics`);
    expect(response.headers.get("content-type")).toContain("text/plain");
    const samples = parsePrometheus(await response.text());
    const runs = await warehouse.query<Record<string, string>>(
      "select status, added, changed, removed, sent, succeeded, rejected, failed from reverse_etl.sync_runs",
    );
    const sum = (column: string) => runs.reduce((n, r) => n + Number(r[column]), 0);
    const value = (name: string, labels = 'sync="customers_sync"') => samples.get(`${name}{${labels}}`);
    expect(runs).toHaveLength(2);
    expect(value("reverse_etl_rows_planned_total")).toBe(sum("added") + sum("changed"));
    expect(value("reverse_etl_rows_sent_total")).toBe(sum("sent"));
    expect(value("reverse_etl_rows_succeeded_total")).toBe(sum("succeeded"));
    expect(value("reverse_etl_rows_rejected_total")).toBe(sum("rejected"));
    expect(value("reverse_etl_rows_failed_total")).toBe(sum("failed"));
    expect(value("reverse_etl_runs_total", 'sync="customers_sync",status="partial"')).toBe(runs.filter((r) => r.status === "partial").length);
    expect(value("reverse_etl_run_duration_seconds_count", 'sync="customers_sync",status="partial"')).toBe(2);
    expect(value("reverse_etl_destination_rate_limited_total", 'sync="customers_sync",destination="target"')).toBe(1);
    expect(value("reverse_etl_destination_retries_total", 'sync="customers_sync",destination="target"')).toBe(20);
    expect(samples.get("reverse_etl_syncs_running")).toBe(0);
    expect((await start.stop()).code).toBe(0);
  });

  it("picks up a valid config edit between runs, and refuses an invalid one with validate's errors while the old config keeps running", async () => {
    const dir = projectDir("start-watch");
    const warehouse = await makeWarehouse("postgres", dir);
    await seedCustomersIn(warehouse, 10);
    const receiver = await startWebhookReceiver();
    closers.push(() => receiver.close());
    const file = writeConfig(dir, { plugin: "@reverse-etl/destination-webhook", url: receiver.url }, { schedule: "*/2 * * * * *" }, warehouse.source);
    const start = daemon(["start", "--port", "0", "--json", "--log-format", "json"], dir);
    const { url } = await readyLine(start);
    const finished = async () => (await runsOf(warehouse)).filter((r) => r.status !== "running").length;
    await waitFor("a first run", async () => (await finished()) >= 1);

    const config = JSON.parse(readFileSync(file, "utf8"));
    config.syncs.customers_sync.schedule = "61 * * * *";
    config.syncs.customers_sync.after = ["no_such_sync"];
    writeFileSync(file, JSON.stringify(config, null, 2));
    await waitFor("the refusal", () => start.stderr().includes("config change refused"));
    const refusal = start.stderr().split("\n").find((l) => l.includes("config change refused"))!;
    expect(refusal).toContain('/syncs/customers_sync/schedule');
    expect(refusal).toContain('\\"61 * * * *\\" is not a valid cron expression: Invalid value for minute: 61');
    expect(refusal).toContain('/syncs/customers_sync/after/0');
    // The old config keeps running: more runs every two seconds.
    const before = await finished();
    await waitFor("runs on the old schedule after the refusal", async () => (await finished()) >= before + 2);

    config.syncs.customers_sync.schedule = { cron: "0 0 1 1 *", timezone: "UTC" };
    delete config.syncs.customers_sync.after;
    config.syncs.second_sync = { ...config.syncs.customers_sync, object: "leads", schedule: "*/2 * * * * *" };
    writeFileSync(file, JSON.stringify(config, null, 2));
    const listed = await waitFor("the new config in the API", async () => {
      const { syncs } = (await (await fetch(`${url}/api/syncs`)).json()) as { syncs: Array<{ name: string; schedule: string | null; nextRun: string | null }> };
      return syncs.length === 2 ? syncs : undefined;
    });
    expect(listed.find((s) => s.name === "customers_sync")).toMatchObject({ schedule: "0 0 1 1 *", nextRun: expect.stringMatching(/-01-01T00:00:00/) });
    expect(start.stderr()).toContain('"msg":"config reloaded"');
    await waitFor("a run of the sync the edit added", async () => (await runsOf(warehouse, "second_sync")).some((r) => r.status === "succeeded"));
    const end = await start.stop();
    expect(end.code, end.stderr).toBe(0);
  });
});

/** Parse Prometheus text exposition: every line is a comment or `name{labels} value`; fails on anything else. */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|[+-]Inf|NaN)$/.exec(line);
    if (!match) throw new Error(`not Prometheus text: ${line}`);
    samples.set(`${match[1]}${match[2] ?? ""}`, Number(match[3]));
  }
  return samples;
}
