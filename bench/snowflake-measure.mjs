// One Snowflake measurement, in its own process so that its peak RSS is the client's alone (the emulator
// runs in bench/snowflake.mjs). Started by bench/snowflake.mjs:
//   node bench/snowflake-measure.mjs <plan|full|steady|incremental> <source options JSON> <rows>
// Prints one line `BENCH_RESULT {json}` on stdout; progress goes to stderr.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfiguredProject, limitHeapGrowth } from "@reverse-etl/core";
import snowflake from "@reverse-etl/source-snowflake";
import nullDestination, { nullDestinationStats } from "./null-destination.mjs";
import { memoryProbe, planAndSync, progressLogger } from "./harness.mjs";

// The heap settings the CLI runs syncs with (packages/cli/bin/run.js), so the figures are the CLI's.
limitHeapGrowth();

const [phase, optionsJson, rowsArg] = process.argv.slice(2);
const rows = Number(rowsArg);
const here = dirname(fileURLToPath(import.meta.url));
const memory = memoryProbe();
const onProgress = progressLogger(phase, 10_000);
const source = JSON.parse(optionsJson);
const FIELDS = { email: "email", name: "name", plan: "plan_tier", ltv: "ltv", updated_at: "updated_at" };

const project = new ConfiguredProject(
  {
    file: join(here, "bench.config.json"),
    dir: here,
    config: {
      state: { source: "warehouse", schema: "reverse_etl_bench" },
      sources: { warehouse: { plugin: "@reverse-etl/source-snowflake", ...source } },
      destinations: { null: { plugin: "bench-null-destination" } },
      models: { customers: { source: "warehouse", primaryKey: "id", sql: "select id, email, name, plan, ltv, updated_at from bench.customers" } },
      syncs: { customers_to_null: { model: "customers", destination: "null", mode: "upsert", fields: FIELDS } },
    },
  },
  {
    sources: new Map([["warehouse", { plugin: snowflake, options: source, package: "@reverse-etl/source-snowflake" }]]),
    destinations: new Map([["null", { plugin: nullDestination, options: {}, package: "bench-null-destination" }]]),
  },
);

const result = { phase, rows };
try {
  await planAndSync(
    project,
    { plan: phase !== "full", sync: phase === "full" || phase === "incremental", onProgress, written: nullDestinationStats },
    result,
  );
} finally {
  await project.close();
}
memory.report(result);
