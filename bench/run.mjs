// `npm run bench`: engine figures at 1e5, 1e6 and 1e7 rows on the embedded DuckDB warehouse.
//
//   npm run bench                          # all three sizes
//   BENCH_SIZES=1e5,1e6 npm run bench      # choose sizes
//   BENCH_TIMEOUT_S=600 npm run bench      # give up on a measurement after 10 minutes (default 1800)
//   BENCH_PHASES=plan,full npm run bench   # skip the incremental measurement (and the CLI start-up line)
//   BENCH_RESULTS=/tmp/r.json npm run bench  # write the figures elsewhere than bench/results.json
//
// For each size: generate (once, cached in bench/.data/) a DuckDB table of N rows, copy it, then in a
// fresh child process per measurement: plan with empty state, first full sync to the null destination,
// change 1 % of the rows, one hashed scan of the model (the floor of an incremental run), then plan + sync
// again. Each child reports its own peak RSS. Then the CLI's start-up beside `node -e 0`.
// Prints a table beside the goals of issues 2 and 14 and writes bench/results.json. Not a test: nothing fails.
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join, relative } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { DEFAULT_MEMORY_LIMIT } from "@reverse-etl/source-duckdb";
import { MODEL_VERSION, generateModel } from "./generate-model.mjs";
import { CLI_STARTUP_GOAL_SECONDS, measureCliStartup, slowestStartup } from "./cli-startup.mjs";
import { benchSizes, benchTimeoutSeconds, fmt, int, label, machine, printColumns, runMeasurement } from "./harness.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const dataDir = join(here, ".data");
const resultsFile = process.env.BENCH_RESULTS ?? join(here, "results.json");

/**
 * The goals of issue 2 ("Performance") and issue 14: a 1 % incremental run (plan + sync) within this many
 * hashed scans of the model, by size, and the CLI's `--version` and `--help` under 0.3 s.
 */
const GOALS = { planSecondsAt1e7: 10, peakRssMB: 256, overheadMicrosPerRow: 5, incrementalScans: { 1e6: 4, 1e7: 5 }, cliStartupSeconds: CLI_STARTUP_GOAL_SECONDS };
/** Rounds of the CLI start-up measurement (each runs `node -e 0`, `--version`, `--help` and `sync --help`). */
const CLI_RUNS = 5;

const sizes = benchSizes("1e5,1e6,1e7");
const PHASES = ["plan", "full", "incremental", "cli"];
const phases = new Set((process.env.BENCH_PHASES ?? PHASES.join(",")).split(",").map((p) => p.trim()).filter(Boolean));
for (const p of phases) {
  if (!PHASES.includes(p)) {
    console.error(`[reverse-etl] [bench] BENCH_PHASES: "${p}" is not one of ${PHASES.join(", ")}. Example: BENCH_PHASES=plan,full`);
    process.exit(2);
  }
}
if (phases.has("incremental") && !phases.has("full")) {
  console.error("[reverse-etl] [bench] BENCH_PHASES: incremental needs full (the first sync it changes from). Example: BENCH_PHASES=full,incremental");
  process.exit(2);
}
const timeoutSeconds = benchTimeoutSeconds(1800);

/** Run one measurement in a fresh Node process and return its BENCH_RESULT. */
function measure(phase, warehouse, rows) {
  return runMeasurement(join(here, "measure.mjs"), [phase, warehouse, String(rows)], { name: `${phase} at ${label(rows)} rows`, timeoutSeconds });
}

async function benchSize(rows) {
  const entry = { rows, label: label(rows) };
  mkdirSync(dataDir, { recursive: true });
  const pristine = join(dataDir, `customers-${label(rows)}.v${MODEL_VERSION}.duckdb`);
  if (!existsSync(pristine)) {
    process.stderr.write(`  generating ${label(rows)} rows in ${relative(process.cwd(), pristine)} ...\n`);
    const t = performance.now();
    await generateModel(pristine, rows);
    entry.generateSeconds = (performance.now() - t) / 1000;
  }
  // Each bench run starts from a copy without state tables: the first plan and sync see empty state.
  const warehouse = join(dataDir, `run-${label(rows)}.duckdb`);
  for (const file of [warehouse, `${warehouse}.wal`]) rmSync(file, { force: true });
  copyFileSync(pristine, warehouse);

  try {
    if (phases.has("plan")) {
      process.stderr.write(`  ${label(rows)}: plan (empty state)\n`);
      entry.plan = await measure("plan", warehouse, rows);
    }
    if (phases.has("full")) {
      process.stderr.write(`  ${label(rows)}: first full sync\n`);
      entry.full = await measure("full", warehouse, rows);
    }
    if (phases.has("incremental")) {
      process.stderr.write(`  ${label(rows)}: change 1 % of rows\n`);
      entry.change = await measure("change", warehouse, rows);
      process.stderr.write(`  ${label(rows)}: floor: one hashed scan of the model (best of 2)\n`);
      try {
        entry.floor = await measure("scan", warehouse, rows);
      } catch (error) {
        entry.floorError = error.message;
      }
      process.stderr.write(`  ${label(rows)}: incremental plan + sync\n`);
      entry.incremental = await measure("incremental", warehouse, rows);
    }
  } catch (error) {
    entry.error = error.message;
    process.stderr.write(`  ${label(rows)}: ${error.message}\n`);
  }

  // Derived figures. Engine overhead = wall time of the sync / rows: with a destination that does nothing,
  // it is everything core and the warehouse spend per row (diff, streaming, batching, state commits).
  if (entry.full?.syncSeconds) {
    entry.syncRowsPerSecond = rows / entry.full.syncSeconds;
    entry.overheadMicrosPerRow = (entry.full.syncSeconds * 1e6) / rows;
  }
  if (entry.incremental?.syncSeconds) {
    const changed = entry.incremental.results?.succeeded ?? 0;
    entry.incrementalSeconds = entry.incremental.planSeconds + entry.incremental.syncSeconds;
    entry.incrementalRows = changed;
    entry.incrementalRowsPerSecond = changed / entry.incremental.syncSeconds;
    if (entry.floor?.seconds) entry.floorRatio = entry.incrementalSeconds / entry.floor.seconds;
  }
  const rss = [entry.plan, entry.full, entry.incremental].filter(Boolean).map((m) => m.peakRssMB);
  if (rss.length > 0) entry.peakRssMB = Math.max(...rss);
  entry.checks = checks(entry);
  return entry;
}

/** What the figures must be true to, beyond speed: every row sent once, exactly 1 % on the incremental run. */
function checks(entry) {
  const problems = [];
  if (entry.plan && entry.plan.planCounts.added !== entry.rows) problems.push(`plan counted ${entry.plan.planCounts.added} added rows, expected ${entry.rows}`);
  if (entry.full && entry.full.written.records !== entry.rows) problems.push(`full sync wrote ${entry.full.written.records} records, expected ${entry.rows}`);
  if (entry.full && entry.full.status !== "succeeded") problems.push(`full sync status ${entry.full.status}`);
  const changed = entry.change?.changed;
  if (entry.incremental && entry.incremental.written.records !== changed) problems.push(`incremental sync wrote ${entry.incremental.written.records} records, expected ${changed}`);
  if (entry.incremental && entry.incremental.planCounts.changed !== changed) problems.push(`incremental plan counted ${entry.incremental.planCounts.changed} changed rows, expected ${changed}`);
  if (entry.floor && entry.floor.scannedRows !== entry.rows) problems.push(`the hashed scan counted ${entry.floor.scannedRows} rows, expected ${entry.rows}`);
  if (entry.floorError) problems.push(`hashed scan: ${entry.floorError}`);
  return problems;
}

function printTable(entries, cli) {
  const header = ["rows", "plan s", "sync s", "sync rows/s", "µs/row", "incr. rows", "incr. plan+sync s", "incr. rows/s", "hashed scan s", "incr./scan", "peak RSS MB"];
  const body = entries.map((e) => [
    e.label,
    fmt(e.plan?.planSeconds),
    fmt(e.full?.syncSeconds),
    int(e.syncRowsPerSecond),
    fmt(e.overheadMicrosPerRow),
    int(e.incrementalRows),
    fmt(e.incrementalSeconds),
    int(e.incrementalRowsPerSecond),
    fmt(e.floor?.seconds),
    e.floorRatio === undefined ? "-" : `${fmt(e.floorRatio, 1)}x`,
    fmt(e.peakRssMB, 0),
  ]);
  printColumns(header, body);

  console.log("\nPeak RSS per measurement (MB; JS heap peak in brackets):");
  for (const e of entries) {
    const part = (name, m) => (m ? `${name} ${fmt(m.peakRssMB, 0)} [heap ${fmt(m.peakHeapMB, 0)}]` : `${name} -`);
    console.log(`  ${e.label.padEnd(5)} ${part("plan", e.plan)}, ${part("full sync", e.full)}, ${part("incremental", e.incremental)}; idle process ${fmt(e.plan?.startRssMB, 0)}`);
  }

  console.log("\nGoals (issues 2 and 14):");
  const at1e7 = entries.find((e) => e.rows === 1e7);
  const verdict = (ok) => (ok === undefined ? "not measured" : ok ? "met" : "NOT met");
  const planGoal = at1e7?.plan ? at1e7.plan.planSeconds < GOALS.planSecondsAt1e7 : undefined;
  console.log(`  plan of 1e7 rows under ${GOALS.planSecondsAt1e7} s: ${at1e7?.plan ? `${fmt(at1e7.plan.planSeconds)} s` : "1e7 not run"} -> ${verdict(planGoal)}`);
  // What the memory limit allows: the process before its first statement, plus what DuckDB may cache (its
  // memoryLimit). RSS above it is memory DuckDB does not count against its limit, or Node's batches.
  const limitText = process.env.BENCH_DUCKDB_MEMORY_LIMIT ?? DEFAULT_MEMORY_LIMIT;
  const limitMB = megabytes(limitText);
  for (const e of entries) {
    const rssOk = e.peakRssMB === undefined ? undefined : e.peakRssMB < GOALS.peakRssMB;
    const idle = e.plan?.startRssMB;
    const floor = idle === undefined || limitMB === undefined ? "" : ` (the limit allows idle process ${fmt(idle, 0)} MB + DuckDB's memoryLimit ${limitText} = ${fmt(idle + limitMB, 0)} MB)`;
    const overheadOk = e.overheadMicrosPerRow === undefined ? undefined : e.overheadMicrosPerRow < GOALS.overheadMicrosPerRow;
    console.log(
      `  ${e.label.padEnd(5)} peak RSS under ${GOALS.peakRssMB} MB: ${fmt(e.peakRssMB, 0)} MB${floor} -> ${verdict(rssOk)};` +
        ` engine overhead under ${GOALS.overheadMicrosPerRow} µs/row: ${fmt(e.overheadMicrosPerRow)} -> ${verdict(overheadOk)}`,
    );
  }
  console.log(`  a 1 % incremental run (plan + sync) within a few hashed scans of the model, measured in the same run (goal ${Object.entries(GOALS.incrementalScans).map(([n, x]) => `${x}x at ${label(Number(n))}`).join(", ")}):`);
  for (const e of entries) {
    const goal = GOALS.incrementalScans[e.rows];
    const ratio =
      e.floorRatio === undefined
        ? "not measured"
        : `plan + sync ${fmt(e.incrementalSeconds)} s / scan ${fmt(e.floor.seconds)} s = ${fmt(e.floorRatio, 1)}x (the sync alone ${fmt(e.incremental.syncSeconds / e.floor.seconds, 1)}x)`;
    console.log(`    ${e.label.padEnd(5)} ${ratio}${goal && e.floorRatio !== undefined ? ` -> ${verdict(e.floorRatio <= goal)}` : ""}`);
  }
  if (cli) {
    const [node, version, help] = cli.commands;
    const slowest = slowestStartup(cli);
    console.log(
      `  CLI start-up under ${GOALS.cliStartupSeconds} s (wall minimum of ${cli.runs} rounds, load average ${fmt(cli.loadBefore)}): ` +
        `--version ${fmt(version.wallMin, 3)} s, --help ${fmt(help.wallMin, 3)} s, beside node -e 0 ${fmt(node.wallMin, 3)} s ` +
        `(CPU medians ${fmt(version.cpuMedian, 3)} / ${fmt(help.cpuMedian, 3)} / ${fmt(node.cpuMedian, 3)} s) -> ${verdict(slowest < GOALS.cliStartupSeconds)}`,
    );
  }
  const problems = entries.flatMap((e) => [...(e.error ? [`${e.label}: ${e.error}`] : []), ...e.checks.map((c) => `${e.label}: ${c}`)]);
  if (problems.length > 0) {
    console.log("\nProblems (the figures above may not mean what they say):");
    for (const p of problems) console.log(`  ${p}`);
  }
}

/** MB in a DuckDB size such as `256MB`, `1GB` or `512MiB`; undefined for any other text. */
function megabytes(text) {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$/i.exec(text);
  if (!match) return undefined;
  const unit = match[2].toUpperCase().replace("I", "");
  return Number(match[1]) * { KB: 1 / 1024, MB: 1, GB: 1024, TB: 1024 * 1024 }[unit];
}

const started = new Date();
console.log(`reverse-etl bench: ${sizes.map(label).join(", ")} rows, DuckDB warehouse -> null destination (${cpus().length} cores, node ${process.version})`);
const entries = [];
for (const rows of sizes) entries.push(await benchSize(rows));
let cli;
if (phases.has("cli")) {
  process.stderr.write(`  CLI start-up (${CLI_RUNS} rounds)\n`);
  cli = measureCliStartup({ runs: CLI_RUNS });
}
console.log("");
printTable(entries, cli);

writeFileSync(
  resultsFile,
  `${JSON.stringify(
    {
      startedAt: started.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: machine(),
      goals: GOALS,
      sizes: entries,
      cliStartup: cli,
    },
    null,
    2,
  )}\n`,
);
console.log(`\nWrote ${relative(process.cwd(), resultsFile)}`);
