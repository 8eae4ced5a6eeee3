// `npm run bench:postgres`: the engine on a PostgreSQL warehouse at 1e6 and 1e7 rows, beside a naive baseline.
//
//   npm run bench:postgres                              # 1e5, 1e6 and 1e7 rows on a throwaway cluster
//   BENCH_SIZES=1e5,1e6 npm run bench:postgres          # choose sizes
//   BENCH_TIMEOUT_S=600 npm run bench:postgres          # give up on a measurement after 10 minutes (default 900)
//   BENCH_POSTGRES_URL=postgres://... npm run bench:postgres  # use that database (schemas bench and reverse_etl_bench are dropped!)
//   BENCH_RESULTS=/tmp/r.json npm run bench:postgres    # write the figures elsewhere than bench/.data/postgres-results.json
//   BENCH_DESTINATION=null npm run bench:postgres       # sync to the null destination (the engine alone) instead of a file
//   BENCH_NULL_ACK=flush npm run bench:postgres         # the null destination, acknowledging at flush, by key, as a bulk job does
//
// It starts a throwaway cluster with startPostgres() from @reverse-etl/testkit (initdb + pg_ctl on a free port,
// stopped at the end) unless BENCH_POSTGRES_URL is set. For each size: generate bench.customers in the server,
// then, each in a fresh child process (bench/postgres-measure.mjs) so its peak RSS is its own: plan with empty
// state, full first sync into a JSON-lines file (or the null destination), plan with state and nothing
// changed; change 1 % of the rows; the naive baseline (model and state read into Node and diffed there); the
// floors (one hashed scan of the model; its rows written as JSON lines in Node alone); then the incremental
// plan + sync. Prints the figures beside the goals of issues 3 and 14. Not a test: nothing fails.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join, relative } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { startPostgres } from "@reverse-etl/testkit";
import { benchSizes, benchTimeoutSeconds, children, fmt, int, label, machine, printColumns, runMeasurement } from "./harness.mjs";
import { DEFAULT_SESSION_SETTINGS } from "@reverse-etl/source-postgres";
import { jsonLinesFloor } from "./json-lines-floor.mjs";
import { BENCH_DESTINATION, changeOnePercent, createNaiveState, generatePostgresModel, hashedScan, serverSettings } from "./postgres-model.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const resultsFile = process.env.BENCH_RESULTS ?? join(here, ".data", "postgres-results.json");

/** The goals of issue 3 ("Performance"). */
const GOALS = { planSecondsAt1e7: 60, peakRssMB: 256, naiveRatioAt1e6: 5 };

/** The goals of issue 14: a 1 % incremental run (plan + sync) within this many hashed scans of the model, by size. */
const FLOOR_GOALS = { 1e6: 4, 1e7: 5 };
/** Issue 14: a first full sync of 1e6 rows into a file under this many seconds. */
const FULL_SYNC_GOAL = { rows: 1e6, seconds: 10 };

/** Where the syncs write: a JSON-lines file (the default, as issue 14 measures) or the null destination. */
const destination = BENCH_DESTINATION === "null" ? "null destination" : "a JSON-lines file (destination-file)";

const sizes = benchSizes("1e5,1e6,1e7");
const timeoutSeconds = benchTimeoutSeconds(900);
const timeoutMs = timeoutSeconds * 1000;

/** Run one measurement in a fresh Node process and return its BENCH_RESULT. */
function measure(phase, url, rows) {
  // The naive baseline holds the model and the state in Maps: give it the heap that takes, so it is
  // measured rather than crashed (its peak RSS is the figure to read).
  const nodeArgs = phase === "naive" ? ["--max-old-space-size=16384"] : [];
  return runMeasurement(join(here, "postgres-measure.mjs"), [phase, url, String(rows)], { name: `${phase} at ${label(rows)} rows`, timeoutSeconds, nodeArgs });
}

async function benchSize(url, rows) {
  const entry = { rows, label: label(rows) };
  const step = (text) => process.stderr.write(`  ${label(rows)}: ${text}\n`);
  try {
    step("generating bench.customers in the server");
    let t = performance.now();
    await generatePostgresModel(url, rows, timeoutMs);
    entry.generateSeconds = (performance.now() - t) / 1000;

    step("plan (empty state)");
    entry.plan = await measure("plan", url, rows);
    step("first full sync");
    entry.full = await measure("full", url, rows);
    step("plan (state present, nothing changed)");
    entry.steady = await measure("steady", url, rows);
    step("saving the naive baseline's own state (md5 per row, not timed)");
    await createNaiveState(url, timeoutMs);
    step("change 1 % of rows");
    t = performance.now();
    entry.changed = await changeOnePercent(url, timeoutMs);
    entry.changeSeconds = (performance.now() - t) / 1000;
    step("naive baseline (model and state diffed in Node)");
    try {
      entry.naive = await measure("naive", url, rows);
    } catch (error) {
      // The baseline failing (out of memory, timeout) is itself a figure: go on with core's.
      entry.naiveError = error.message;
      step(error.message);
    }
    step("floor: one hashed scan of the model (best of 2 rounds of 2 spellings)");
    try {
      entry.floor = await hashedScan(url, timeoutMs, DEFAULT_SESSION_SETTINGS);
    } catch (error) {
      entry.floorError = error.message;
      step(error.message);
    }
    step("floor: writing the rows as JSON lines, in Node alone (best of 2)");
    entry.jsonLines = await jsonLinesFloor(join(here, ".data", "pg-out", "floor.jsonl"), rows);
    step("incremental plan + sync");
    entry.incremental = await measure("incremental", url, rows);
  } catch (error) {
    entry.error = error.message;
    step(error.message);
  }

  if (entry.full?.syncSeconds) entry.syncRowsPerSecond = rows / entry.full.syncSeconds;
  if (entry.floor?.seconds && entry.jsonLines?.seconds) {
    entry.fullFloorSeconds = entry.floor.seconds + entry.jsonLines.seconds;
    if (entry.full?.syncSeconds) entry.fullFloorRatio = entry.full.syncSeconds / entry.fullFloorSeconds;
  }
  if (entry.incremental?.syncSeconds) {
    entry.incrementalSeconds = entry.incremental.planSeconds + entry.incremental.syncSeconds;
    entry.incrementalRows = entry.incremental.results?.succeeded ?? 0;
    if (entry.floor?.seconds) entry.floorRatio = entry.incrementalSeconds / entry.floor.seconds;
  }
  // Both diffs classify the same table against the same state (after the 1 % change): core's is the plan.
  if (entry.naive?.diffSeconds && entry.incremental?.planSeconds) entry.naiveRatio = entry.naive.diffSeconds / entry.incremental.planSeconds;
  const rss = [entry.plan, entry.full, entry.steady, entry.incremental].filter(Boolean).map((m) => m.peakRssMB);
  if (rss.length > 0) entry.peakRssMB = Math.max(...rss);
  entry.checks = checks(entry);
  return entry;
}

/** What the figures must be true to, beyond speed: every row sent once, exactly 1 % changed, the naive diff agreeing. */
function checks(entry) {
  const problems = [];
  const n = entry.rows;
  if (entry.plan && entry.plan.planCounts.added !== n) problems.push(`plan counted ${entry.plan.planCounts.added} added rows, expected ${n}`);
  if (entry.floor && entry.floor.rows !== n) problems.push(`the hashed scan counted ${entry.floor.rows} rows, expected ${n}`);
  if (entry.full && entry.full.written.records !== n) problems.push(`full sync wrote ${entry.full.written.records} records, expected ${n}`);
  if (entry.full && entry.full.status !== "succeeded") problems.push(`full sync status ${entry.full.status}${entry.full.error ? `: ${entry.full.error}` : ""}`);
  if (entry.steady && entry.steady.planCounts.unchanged !== n) problems.push(`steady plan counted ${entry.steady.planCounts.unchanged} unchanged rows, expected ${n}`);
  if (entry.incremental && entry.incremental.planCounts.changed !== entry.changed) problems.push(`incremental plan counted ${entry.incremental.planCounts.changed} changed rows, expected ${entry.changed}`);
  if (entry.incremental && entry.incremental.written.records !== entry.changed) problems.push(`incremental sync wrote ${entry.incremental.written.records} records, expected ${entry.changed}`);
  if (entry.naive && entry.incremental) {
    const core = entry.incremental.planCounts;
    const naive = entry.naive.counts;
    const differ = ["added", "changed", "unchanged", "removed", "invalid"].filter((c) => (core[c] ?? 0) !== naive[c]);
    if (differ.length > 0) problems.push(`the naive diff disagrees with core's plan on ${differ.map((c) => `${c} (${naive[c]} vs ${core[c]})`).join(", ")}`);
  }
  return problems;
}

const phaseMs = (m, name) => m?.phases?.find((p) => p.phase.startsWith(name))?.ms;

function printTable(entries) {
  const header = ["rows", "plan s", "sync s", "rows/s", "state commit s", "steady plan s", "incr. plan s", "incr. sync s", "incr. s", "hashed scan s", "incr./scan", "naive diff s", "naive/core", "peak RSS MB", "naive RSS MB"];
  const body = entries.map((e) => [
    e.label,
    fmt(e.plan?.planSeconds),
    fmt(e.full?.syncSeconds),
    int(e.syncRowsPerSecond),
    fmt(e.full?.stateCommit?.seconds),
    fmt(e.steady?.planSeconds),
    fmt(e.incremental?.planSeconds),
    fmt(e.incremental?.syncSeconds),
    fmt(e.incrementalSeconds),
    fmt(e.floor?.seconds),
    e.floorRatio === undefined ? "-" : `${fmt(e.floorRatio, 1)}x`,
    fmt(e.naive?.diffSeconds),
    e.naiveRatio === undefined ? "-" : `${fmt(e.naiveRatio, 1)}x`,
    fmt(e.peakRssMB, 0),
    fmt(e.naive?.peakRssMB, 0),
  ]);
  printColumns(header, body);

  console.log("\nFirst full sync, by phase (core's debug log; s):");
  for (const e of entries) {
    if (!e.full?.phases) continue;
    const parts = e.full.phases.map((p) => `${p.phase} ${fmt(p.ms / 1000)}`).join("; ");
    console.log(`  ${e.label.padEnd(5)} ${parts}`);
    console.log(`        of which state commits: ${fmt(e.full.stateCommit.seconds)} s in ${int(e.full.stateCommit.statements)} statements (timed at the driver, with their COMMITs)`);
  }
  console.log("\nNaive baseline, by step (s):");
  for (const e of entries) {
    if (e.naive) {
      console.log(
        `  ${e.label.padEnd(5)} read model ${fmt(e.naive.modelReadSeconds)}, read state ${fmt(e.naive.stateReadSeconds)}, md5 + diff in Node ${fmt(e.naive.hashAndDiffSeconds)};` +
          ` peak RSS ${fmt(e.naive.peakRssMB, 0)} MB [heap ${fmt(e.naive.peakHeapMB, 0)}]`,
      );
    } else if (e.naiveError) console.log(`  ${e.label.padEnd(5)} ${e.naiveError.split("\n")[0]}`);
  }
  console.log("\nPeak RSS per measurement (MB; JS heap peak in brackets):");
  for (const e of entries) {
    const part = (name, m) => (m ? `${name} ${fmt(m.peakRssMB, 0)} [${fmt(m.peakHeapMB, 0)}]` : `${name} -`);
    console.log(`  ${e.label.padEnd(5)} ${part("plan", e.plan)}, ${part("full", e.full)}, ${part("steady", e.steady)}, ${part("incremental", e.incremental)}; idle process ${fmt(e.plan?.startRssMB, 0)}`);
  }
  console.log("\nSlowest statements (total ms, times run):");
  for (const e of entries) {
    for (const [name, m] of [["plan", e.plan], ["full", e.full], ["incremental", e.incremental]]) {
      if (!m?.slowest) continue;
      console.log(`  ${e.label} ${name}:`);
      for (const q of m.slowest.slice(0, 3)) console.log(`    ${String(q.ms).padStart(8)} ms  x${q.count}  ${q.sql}`);
    }
  }

  console.log("\nGoals (issue 3):");
  const verdict = (ok) => (ok === undefined ? "not measured" : ok ? "met" : "NOT met");
  const at1e7 = entries.find((e) => e.rows === 1e7);
  const planAt1e7 = at1e7 ? Math.max(at1e7.plan?.planSeconds ?? 0, at1e7.steady?.planSeconds ?? 0, at1e7.incremental?.planSeconds ?? 0) : undefined;
  console.log(
    `  plan of 1e7 rows under ${GOALS.planSecondsAt1e7} s (slowest of empty, steady, incremental): ` +
      `${at1e7?.plan ? `${fmt(planAt1e7)} s -> ${verdict(planAt1e7 < GOALS.planSecondsAt1e7)}` : "1e7 not run"}`,
  );
  for (const e of entries) {
    const rssOk = e.peakRssMB === undefined ? undefined : e.peakRssMB < GOALS.peakRssMB;
    console.log(`  ${e.label.padEnd(5)} client peak RSS under ${GOALS.peakRssMB} MB: ${fmt(e.peakRssMB, 0)} MB -> ${verdict(rssOk)}`);
  }
  const at1e6 = entries.find((e) => e.rows === 1e6);
  console.log(
    `  in-warehouse diff at least ${GOALS.naiveRatioAt1e6}x faster than the naive baseline at 1e6: ` +
      `${at1e6?.naiveRatio !== undefined ? `${fmt(at1e6.naiveRatio, 1)}x -> ${verdict(at1e6.naiveRatio >= GOALS.naiveRatioAt1e6)}` : "not measured"}`,
  );
  printFloors(entries);
  const problems = entries.flatMap((e) => [...(e.error ? [`${e.label}: ${e.error}`] : []), ...e.checks.map((c) => `${e.label}: ${c}`)]);
  if (problems.length > 0) {
    console.log("\nProblems (the figures above may not mean what they say):");
    for (const p of problems) console.log(`  ${p}`);
  }
}

/**
 * Issue 14's table: each figure beside its floor measured in the same run. A first full sync's floor is one
 * hashed scan of the model plus writing its rows as JSON lines in Node alone; an incremental run's (1 %
 * changed) is the hashed scan. The plan + sync is what the bench has always reported; the sync alone is what
 * a scheduled `reverse-etl sync` runs (it diffs by itself, without a plan first).
 */
function printFloors(entries) {
  console.log("\nIssue 14: each figure beside its floor (measured in the same run; ratio = figure / floor):");
  const verdict = (ok) => (ok ? "met" : "NOT met");
  const rows = [];
  for (const e of entries) {
    const full = e.full?.syncSeconds;
    const fullGoal = e.rows === FULL_SYNC_GOAL.rows ? `< ${FULL_SYNC_GOAL.seconds} s: ${full === undefined ? "-" : verdict(full < FULL_SYNC_GOAL.seconds)}` : "";
    const fullFloor = e.fullFloorSeconds === undefined ? "-" : `scan ${fmt(e.floor.seconds)} + JSON lines ${fmt(e.jsonLines.seconds)}`;
    rows.push([`${e.label} first full sync`, fmt(full), fmt(e.fullFloorSeconds), fullFloor, ratioText(e.fullFloorRatio), fullGoal]);
    const goal = FLOOR_GOALS[e.rows];
    const scan = e.floor?.seconds;
    const incr = (name, seconds) => {
      const ratio = seconds !== undefined && scan ? seconds / scan : undefined;
      const goalText = goal && ratio !== undefined ? `<= ${goal}x: ${verdict(ratio <= goal)}` : goal ? `<= ${goal}x` : "";
      rows.push([`${e.label} 1 % changed, ${name}`, fmt(seconds), fmt(scan), "one hashed scan", ratioText(ratio), goalText]);
    };
    incr("plan + sync", e.incrementalSeconds);
    incr("sync alone", e.incremental?.syncSeconds);
  }
  printColumns(["figure", "s", "floor s", "floor is", "ratio", "goal"], rows);
}

const ratioText = (ratio) => (ratio === undefined ? "-" : `${fmt(ratio, 1)}x`);

const started = new Date();
const given = process.env.BENCH_POSTGRES_URL;
process.stderr.write(given ? "Using BENCH_POSTGRES_URL\n" : "Starting a throwaway PostgreSQL cluster ...\n");
const server = await startPostgres({ url: given ?? null, database: "reverse_etl_bench" });
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill("SIGKILL");
  await server.stop();
};
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: stopping the measurements${server.started ? " and the cluster" : ""}\n`);
    void stop().finally(() => process.exit(130));
  });
}

let settings = {};
const entries = [];
try {
  settings = await serverSettings(server.url);
  console.log(
    `reverse-etl bench: ${sizes.map(label).join(", ")} rows, PostgreSQL ${settings.server_version} warehouse -> ${destination} ` +
      `(${cpus().length} cores, node ${process.version}; ${server.started ? "throwaway cluster" : "BENCH_POSTGRES_URL"}: ` +
      `shared_buffers ${settings.shared_buffers}, work_mem ${settings.work_mem}, parallel workers per gather ${settings.max_parallel_workers_per_gather}, jit ${settings.jit})`,
  );
  for (const rows of sizes) entries.push(await benchSize(server.url, rows));
} finally {
  await stop();
}
console.log("");
printTable(entries);

mkdirSync(dirname(resultsFile), { recursive: true });
writeFileSync(
  resultsFile,
  `${JSON.stringify(
    {
      startedAt: started.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: machine(),
      server: settings,
      goals: GOALS,
      sizes: entries,
    },
    null,
    2,
  )}\n`,
);
console.log(`\nWrote ${relative(process.cwd(), resultsFile)}`);
