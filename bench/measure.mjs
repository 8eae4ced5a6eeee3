// One measurement, in its own process so that its peak RSS is its own. Started by bench/run.mjs:
//   node bench/measure.mjs <plan|full|change|incremental> <warehouse.duckdb> <rows>
// Prints one line `BENCH_RESULT {json}` on stdout; progress goes to stderr.
import { readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { ConfiguredProject, limitHeapGrowth } from "@reverse-etl/core";
import duckdb from "@reverse-etl/source-duckdb";
import nullDestination, { nullDestinationStats } from "./null-destination.mjs";
import { changeOnePercent } from "./generate-model.mjs";

// The heap settings the CLI runs syncs with (packages/cli/bin/run.js), so the figures are the CLI's.
limitHeapGrowth();

const [phase, warehouse, rowsArg] = process.argv.slice(2);
const rows = Number(rowsArg);
const startRss = process.memoryUsage().rss;

// Sample the JS heap alongside RSS: if RSS grows with rows while the heap stays flat, the memory is
// DuckDB's (native); if the heap grows, Node is holding rows.
let peakHeap = 0;
let peakExternal = 0;
const sample = () => {
  const m = process.memoryUsage();
  peakHeap = Math.max(peakHeap, m.heapUsed);
  peakExternal = Math.max(peakExternal, m.external + m.arrayBuffers);
};
setInterval(sample, 25).unref();

let lastProgress = 0;
const onProgress = (event) => {
  const now = performance.now();
  if (now - lastProgress < 5000) return;
  lastProgress = now;
  const total = event.total === undefined ? "" : ` of ${event.total.toLocaleString("en-US")}`;
  process.stderr.write(`    ${phase}: ${event.phase} ${event.done.toLocaleString("en-US")}${total}\n`);
};

function openProject() {
  const dir = dirname(warehouse);
  // DuckDB's own limits, to see how much of the RSS is its buffer pool (default: the plugin's 1GB, all cores).
  const limits = {
    ...(process.env.BENCH_DUCKDB_MEMORY_LIMIT ? { memoryLimit: process.env.BENCH_DUCKDB_MEMORY_LIMIT } : {}),
    ...(process.env.BENCH_DUCKDB_THREADS ? { threads: Number(process.env.BENCH_DUCKDB_THREADS) } : {}),
  };
  const source = { plugin: "@reverse-etl/source-duckdb", path: basename(warehouse), ...limits };
  const destination = { plugin: "bench-null-destination" };
  return new ConfiguredProject(
    {
      file: join(dir, "bench.config.json"),
      dir,
      config: {
        sources: { warehouse: source },
        destinations: { null: destination },
        models: {
          customers: {
            source: "warehouse",
            primaryKey: "id",
            sql: "select id, email, name, plan, ltv, updated_at from bench.customers",
          },
        },
        syncs: {
          customers_to_null: {
            model: "customers",
            destination: "null",
            mode: "upsert",
            fields: { email: "email", name: "name", plan: "plan_tier", ltv: "ltv", updated_at: "updated_at" },
          },
        },
      },
    },
    {
      sources: new Map([["warehouse", { plugin: duckdb, options: { path: source.path, ...limits }, package: source.plugin }]]),
      destinations: new Map([["null", { plugin: nullDestination, options: {}, package: destination.plugin }]]),
    },
  );
}

const seconds = (from) => (performance.now() - from) / 1000;
const result = { phase, rows };

if (phase === "change") {
  const t = performance.now();
  result.changed = await changeOnePercent(warehouse);
  result.seconds = seconds(t);
} else {
  const project = openProject();
  try {
    if (phase === "plan" || phase === "incremental") {
      const t = performance.now();
      const plan = await project.plan({ sampleSize: 5, onProgress });
      result.planSeconds = seconds(t);
      result.planCounts = plan.syncs[0].counts;
    }
    if (phase === "full" || phase === "incremental") {
      const t = performance.now();
      const report = await project.sync({ onProgress });
      result.syncSeconds = seconds(t);
      const run = report.syncs[0];
      result.counts = run.counts;
      result.status = run.status;
      result.results = run.results;
      result.written = { ...nullDestinationStats, byOperation: { ...nullDestinationStats.byOperation } };
    }
  } finally {
    await project.close();
  }
}

sample();
result.startRssMB = startRss / 2 ** 20;
result.peakRssMB = process.resourceUsage().maxRSS / 1024;
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
if (hwm) result.vmHwmMB = Number(hwm[1]) / 1024;
result.peakHeapMB = peakHeap / 2 ** 20;
result.peakExternalMB = peakExternal / 2 ** 20;
process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
