// `npm run bench:snowflake`: the engine on the Snowflake emulator at 1e5 and 1e6 rows, beside the DuckDB
// figures of bench/results.json.
//
//   npm run bench:snowflake                       # 1e5 and 1e6 rows
//   BENCH_SIZES=1e5 npm run bench:snowflake       # choose sizes
//   BENCH_TIMEOUT_S=1800 npm run bench:snowflake  # give up on a measurement after 30 minutes (default 1800)
//
// This process runs the Snowflake emulator (its DuckDB holds the data) and loads bench.customers into it
// with snowflake-sdk; each measurement runs in a fresh Node process (bench/snowflake-measure.mjs) that
// talks to it through snowflake-sdk, so the peak RSS printed is the client's alone: plan with empty state,
// full first sync to the null destination, plan with nothing changed, then 1 % of the rows changed and
// the incremental plan + sync. The emulator's figures measure reverse-etl's client and the protocol, not
// Snowflake's warehouse speed. Not a test: nothing fails.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { loadSnowflakeSdk } from "@reverse-etl/source-snowflake";
import { startSnowflakeEmulator } from "@reverse-etl/source-snowflake/emulator";
import { benchSizes, benchTimeoutSeconds, children, fmt, label, machine, printColumns, runMeasurement } from "./harness.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const resultsFile = process.env.BENCH_RESULTS ?? join(here, ".data", "snowflake-results.json");
const sizes = benchSizes("1e5,1e6");
const timeoutSeconds = benchTimeoutSeconds(1800);

process.on("SIGINT", () => {
  for (const child of children) child.kill("SIGKILL");
  process.exit(130);
});

const emulator = await startSnowflakeEmulator({ memoryLimit: "4GB", queryResponseTimeoutSeconds: 3600 });
const sdk = await loadSnowflakeSdk();
const connection = sdk.createConnection({ ...emulator.options });
await new Promise((ok, fail) => connection.connect((e) => (e ? fail(e) : ok())));
const run = (sqlText) => new Promise((ok, fail) => connection.execute({ sqlText, complete: (e, _s, rows) => (e ? fail(e) : ok(rows)) }));

/** bench.customers with `rows` rows, the columns of the DuckDB bench's model. */
async function generate(rows) {
  await run("create schema if not exists bench");
  await run("drop schema if exists reverse_etl_bench cascade");
  await run(
    `create or replace table bench.customers as
       select n as id, 'user' || n || '@example.com' as email, 'Customer ' || n as name,
              decode(n % 4, 0, 'free', 1, 'starter', 2, 'pro', 'enterprise') as plan,
              (n % 1000 * 1.25)::number(12, 2) as ltv,
              dateadd(second, n, '2024-01-01 00:00:00'::timestamp_ntz) as updated_at
       from (select seq4() + 1 as n from table(generator(rowcount => ${rows})))`,
  );
}

const measure = (phase, rows) =>
  runMeasurement(join(here, "snowflake-measure.mjs"), [phase, JSON.stringify(emulator.options), String(rows)], { name: `${phase} at ${label(rows)} rows`, timeoutSeconds });

const results = { startedAt: new Date().toISOString(), machine: machine(), sizes: [] };
try {
  for (const rows of sizes) {
    const entry = { rows, label: label(rows) };
    const step = (text) => process.stderr.write(`  ${label(rows)}: ${text}\n`);
    try {
      step("loading bench.customers into the emulator");
      const t = performance.now();
      await generate(rows);
      entry.generateSeconds = (performance.now() - t) / 1000;
      for (const phase of ["plan", "full", "steady"]) {
        step(phase);
        entry[phase] = await measure(phase, rows);
      }
      await run("update bench.customers set plan = 'changed' where id % 100 = 0");
      step("incremental");
      entry.incremental = await measure("incremental", rows);
    } catch (error) {
      entry.error = error.message;
    }
    results.sizes.push(entry);
  }
} finally {
  await new Promise((ok) => connection.destroy(ok));
  await emulator.close();
}
results.finishedAt = new Date().toISOString();
mkdirSync(dirname(resultsFile), { recursive: true });
writeFileSync(resultsFile, JSON.stringify(results, null, 2));

let duck = [];
try {
  duck = JSON.parse(readFileSync(join(here, "results.json"), "utf8")).sizes ?? [];
} catch {
  // No DuckDB figures to print beside.
}
const mb = (m) => fmt(m?.peakRssMB, 0);
const rowsOf = (e) => {
  const d = duck.find((x) => x.rows === e.rows);
  return [
    e.label,
    fmt(e.plan?.planSeconds), fmt(e.full?.syncSeconds), fmt(e.steady?.planSeconds), fmt(e.incremental?.syncSeconds),
    `${mb(e.plan)}/${mb(e.full)}`,
    fmt(d?.plan?.planSeconds), fmt(d?.full?.syncSeconds), `${mb(d?.plan)}/${mb(d?.full)}`,
  ];
};
console.log("\nSnowflake emulator (client process), beside the embedded DuckDB source (bench/results.json):");
printColumns(
  ["rows", "plan s", "full sync s", "steady plan s", "incremental sync s", "RSS MB plan/sync", "duckdb plan s", "duckdb sync s", "duckdb RSS MB"],
  results.sizes.map(rowsOf),
);
for (const e of results.sizes) if (e.error) console.log(`${e.label}: ${e.error}`);
console.log(`\nFigures written to ${resultsFile}`);
