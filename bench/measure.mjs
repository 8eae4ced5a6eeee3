// One measurement, in its own process so that its peak RSS is its own. Started by bench/run.mjs:
//   node bench/measure.mjs <plan|full|change|incremental> <warehouse.duckdb> <rows>
// Prints one line `BENCH_RESULT {json}` on stdout; progress goes to stderr.
import { basename, dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { ConfiguredProject, limitHeapGrowth } from "@reverse-etl/core";
import duckdb from "@reverse-etl/source-duckdb";
import nullDestination, { nullDestinationStats } from "./null-destination.mjs";
import { changeOnePercent } from "./generate-model.mjs";
import { memoryProbe, planAndSync, progressLogger, secondsSince } from "./harness.mjs";

// The heap settings the CLI runs syncs with (packages/cli/bin/run.js), so the figures are the CLI's.
limitHeapGrowth();

const [phase, warehouse, rowsArg] = process.argv.slice(2);
const rows = Number(rowsArg);
const memory = memoryProbe();
const onProgress = progressLogger(phase, 5000);

function openProject() {
  const dir = dirname(warehouse);
  // DuckDB's own limits, to see how much of the RSS is its buffer pool (default: the plugin's 256MB, all cores).
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

const result = { phase, rows };

if (phase === "change") {
  const t = performance.now();
  result.changed = await changeOnePercent(warehouse);
  result.seconds = secondsSince(t);
} else {
  const project = openProject();
  try {
    await planAndSync(
      project,
      { plan: phase === "plan" || phase === "incremental", sync: phase === "full" || phase === "incremental", onProgress, written: nullDestinationStats },
      result,
    );
  } finally {
    await project.close();
  }
}

memory.report(result);
