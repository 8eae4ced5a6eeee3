// `npm run bench:workers`: many syncs run by 1, 2 and 3 `reverse-etl start --queue` workers sharing one queue.
//
//   npm run bench:workers                               # 30 syncs x 2,000 rows to the webhook receiver; 6 x 3,000 to HubSpot
//   BENCH_WORKERS=1,2,3 BENCH_SYNCS=30 BENCH_ROWS=2000 npm run bench:workers
//   BENCH_LATENCY_MS=20 npm run bench:workers           # each webhook request held this long (a network's latency)
//   BENCH_RESULTS=/tmp/r.json npm run bench:workers     # default bench/.data/workers-results.json
//
// Starts a throwaway PostgreSQL (startPostgres from @reverse-etl/testkit) holding the warehouse, the state and
// the queue. For each worker count, a fresh database: every sync is triggered at once through the first worker's
// API, and the time is from the first trigger to the last run's finished_at in sync_runs.
//   webhook: the receiver behind the testkit's fault proxy, which holds each request BENCH_LATENCY_MS: the
//            work is waiting on the network, so more workers should mean more records per second, up to what
//            the machine's cores and PostgreSQL allow.
//   hubspot: the HubSpot emulator at its default 100 requests per 10 s: the shared budget caps every worker
//            count at about 10 requests (1,000 contacts) per second, with no 429.
// Not a test: nothing fails.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { startWebhookReceiver } from "@reverse-etl/destination-webhook/emulator";
import { startHubSpotEmulator } from "@reverse-etl/destination-hubspot/emulator";
import { createDatabase, startFaultProxy, startPostgres } from "@reverse-etl/testkit";
import { fmt, int, machine, printColumns } from "./harness.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, "..", "packages", "cli", "bin", "run.js");
const resultsFile = process.env.BENCH_RESULTS ?? join(here, ".data", "workers-results.json");
const workerCounts = (process.env.BENCH_WORKERS ?? "1,2,3").split(",").map(Number);
const SYNCS = Number(process.env.BENCH_SYNCS ?? 30);
const ROWS = Number(process.env.BENCH_ROWS ?? 2000);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20);
const HUBSPOT_SYNCS = 6;
const HUBSPOT_ROWS = 3000;
const TOKEN = "pat-na1-bench0000-0000-0000-0000-000000000000";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function query(url, text) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

/** Start `count` workers on the config in `dir`; resolves with their processes and ready lines. */
async function startWorkers(dir, count, env) {
  return Promise.all(
    Array.from({ length: count }, () => {
      const child = spawn(process.execPath, [cli, "start", "--json", "--port", "0", "--log-level", "warn"], { cwd: dir, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      return new Promise((resolve, reject) => {
        child.stdout.on("data", (d) => {
          out += d;
          if (out.includes("\n")) resolve({ child, ready: JSON.parse(out.split("\n")[0]) });
        });
        child.once("exit", (code) => reject(new Error(`a worker exited with ${code} before it was ready`)));
      });
    }),
  );
}

async function stopWorkers(workers) {
  await Promise.all(workers.map(({ child }) => new Promise((resolve) => (child.exitCode !== null ? resolve() : (child.once("exit", resolve), child.kill("SIGTERM"))))));
}

/** Trigger every sync through the first worker; wait until each succeeded; the seconds from trigger to the last end. */
async function runAll(url, workers, names) {
  const started = Date.now();
  for (const name of names) {
    const r = await fetch(`${workers[0].ready.url}/api/syncs/${name}/runs`, { method: "POST" });
    if (r.status !== 202) throw new Error(`trigger ${name}: HTTP ${r.status}`);
  }
  for (;;) {
    const rows = await query(url, "select count(*) filter (where status = 'succeeded') as ok, count(*) filter (where status not in ('succeeded', 'running')) as bad, max(finished_at) as last, count(distinct pid) as pids, sum(succeeded) as records from reverse_etl.sync_runs").catch(() => [{ ok: 0 }]);
    const r = rows[0];
    if (Number(r.bad) > 0) throw new Error(`${r.bad} run(s) did not succeed`);
    if (Number(r.ok) === names.length) return { seconds: (new Date(r.last).getTime() - started) / 1000, workersUsed: Number(r.pids), records: Number(r.records) };
    await sleep(200);
  }
}

function writeConfig(dir, url, destination, syncs, model, sync) {
  const names = Array.from({ length: syncs }, (_, i) => `sync_${String(i).padStart(2, "0")}`);
  const config = {
    scheduler: { queue: url, concurrency: 2 },
    sources: { warehouse: { plugin: "@reverse-etl/source-postgres", url } },
    destinations: { target: destination },
    models: Object.fromEntries(names.map((name, i) => [name, { source: "warehouse", primaryKey: "id", sql: model(i) }])),
    syncs: Object.fromEntries(names.map((name) => [name, { model: name, destination: "target", ...sync }])),
  };
  writeFileSync(join(dir, "reverse-etl.config.json"), JSON.stringify(config, null, 2));
  return names;
}

async function webhookRound(server, count) {
  const url = await createDatabase(server.url, `bench_workers_webhook_${count}`);
  await query(url, `create schema gold; create table gold.customers as select i as id, 'user' || i || '@example.com' as email, 'Customer ' || i as name from generate_series(1, ${ROWS}) as t(i)`);
  const receiver = await startWebhookReceiver();
  const proxy = await startFaultProxy({ target: receiver.url, faults: [{ fault: { delayMs: LATENCY_MS } }] });
  const dir = mkdtempSync(join(scratch, "webhook-"));
  const names = writeConfig(dir, url, { plugin: "@reverse-etl/destination-webhook", url: proxy.url, batchSize: 100 }, SYNCS, (i) => `select id + ${i * 1_000_000} as id, email, name from gold.customers`, { fields: { email: "email", name: "name" } });
  const workers = await startWorkers(dir, count, {});
  try {
    const result = await runAll(url, workers, names);
    return { workers: count, ...result, recordsPerSecond: result.records / result.seconds, received: receiver.records.size };
  } finally {
    await stopWorkers(workers);
    await proxy.close();
    await receiver.close();
  }
}

async function hubspotRound(server, count) {
  const url = await createDatabase(server.url, `bench_workers_hubspot_${count}`);
  await query(url, `create schema gold; create table gold.people as select i as id, 'person' || i || '@example.com' as email, 'First' || i as first_name from generate_series(1, ${HUBSPOT_ROWS}) as t(i)`);
  const emulator = await startHubSpotEmulator({ accessToken: TOKEN });
  const dir = mkdtempSync(join(scratch, "hubspot-"));
  const names = writeConfig(
    dir,
    url,
    { plugin: "@reverse-etl/destination-hubspot", accessToken: { $env: "HUBSPOT_TOKEN" }, baseUrl: emulator.url },
    HUBSPOT_SYNCS,
    (i) => `select id, 's${i}-' || email as email, first_name from gold.people`,
    { object: "contacts", mode: "upsert", match: { email: "email" }, fields: { first_name: "firstname" } },
  );
  const workers = await startWorkers(dir, count, { HUBSPOT_TOKEN: TOKEN });
  try {
    const result = await runAll(url, workers, names);
    const stats = emulator.rateLimitStats;
    return { workers: count, ...result, recordsPerSecond: result.records / result.seconds, requests: stats.admitted, requestsPerSecond: stats.admitted / result.seconds, rejected429: stats.rejectedInterval, maxIn10s: stats.maxInInterval };
  } finally {
    await stopWorkers(workers);
    await emulator.close();
  }
}

// Inside the repository (git-ignored), so the configs resolve the workspace's plugins.
mkdirSync(join(here, "..", ".tmp"), { recursive: true });
const scratch = mkdtempSync(join(here, "..", ".tmp", "bench-workers-"));
const server = await startPostgres();
const results = { machine: { ...machine(), loadavgAtStart: loadavg().map((l) => Number(l.toFixed(2))) }, syncs: SYNCS, rows: ROWS, latencyMs: LATENCY_MS, webhook: [], hubspot: [] };
try {
  for (const count of workerCounts) {
    process.stderr.write(`webhook: ${count} worker(s), ${SYNCS} syncs x ${ROWS} rows\n`);
    results.webhook.push(await webhookRound(server, count));
  }
  for (const count of workerCounts) {
    process.stderr.write(`hubspot: ${count} worker(s), ${HUBSPOT_SYNCS} syncs x ${HUBSPOT_ROWS} contacts\n`);
    results.hubspot.push(await hubspotRound(server, count));
  }
} finally {
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
}
results.machine.loadavgAtEnd = loadavg().map((l) => Number(l.toFixed(2)));

console.log(`\n${cpus().length} cores (${results.machine.cpuModel}), load average ${results.machine.loadavgAtStart.join(" ")} at start, ${results.machine.loadavgAtEnd.join(" ")} at end`);
console.log(`\nwebhook receiver, ${LATENCY_MS} ms per request, ${SYNCS} syncs x ${ROWS} rows, 2 runs per worker:`);
printColumns(["workers", "seconds", "records/s", "workers used"], results.webhook.map((r) => [String(r.workers), fmt(r.seconds, 1), int(r.recordsPerSecond), String(r.workersUsed)]));
console.log(`\nHubSpot emulator, 100 requests / 10 s, ${HUBSPOT_SYNCS} syncs x ${HUBSPOT_ROWS} contacts:`);
printColumns(["workers", "seconds", "records/s", "requests/s", "429s", "max in 10 s"], results.hubspot.map((r) => [String(r.workers), fmt(r.seconds, 1), int(r.recordsPerSecond), fmt(r.requestsPerSecond, 1), String(r.rejected429), String(r.maxIn10s)]));
mkdirSync(dirname(resultsFile), { recursive: true });
writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);

