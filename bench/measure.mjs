// One measurement, in its own process so that its peak RSS is its own. Started by bench/run.mjs:
//   node bench/measure.mjs <plan|full|change|scan|incremental> <warehouse.duckdb> <rows>
// Prints one line `BENCH_RESULT {json}` on stdout; progress goes to stderr.
import { basename, dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { ConfiguredProject, limitHeapGrowth } from "@reverse-etl/core";
import { Kysely, sql } from "kysely";
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

// DuckDB's own limits, to see how much of the RSS is its buffer pool (default: the plugin's 256MB, all cores).
const limits = {
  ...(process.env.BENCH_DUCKDB_MEMORY_LIMIT ? { memoryLimit: process.env.BENCH_DUCKDB_MEMORY_LIMIT } : {}),
  ...(process.env.BENCH_DUCKDB_THREADS ? { threads: Number(process.env.BENCH_DUCKDB_THREADS) } : {}),
};
const MODEL_SQL = "select id, email, name, plan, ltv, updated_at from bench.customers";
const FIELDS = { email: "email", name: "name", plan: "plan_tier", ltv: "ltv", updated_at: "updated_at" };

function openProject() {
  const dir = dirname(warehouse);
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
            sql: MODEL_SQL,
          },
        },
        syncs: {
          customers_to_null: {
            model: "customers",
            destination: "null",
            mode: "upsert",
            fields: FIELDS,
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

/**
 * The floor of an incremental run: one scan of the model computing what core computes for every row on
 * DuckDB (the key as text and the fingerprint, built from the source's own SQL functions as core builds
 * them), counted. Best of two, in seconds, through the plugin's connection and its defaults.
 */
async function hashedScan(rounds = 2) {
  const source = await duckdb.connect({ path: warehouse, ...limits }, { configDir: dirname(warehouse) });
  const db = new Kysely({ dialect: source.dialect });
  try {
    const fns = source.functions;
    const types = new Map((await source.describeQuery(MODEL_SQL)).map((c) => [c.name, c.type]));
    const m = (column) => sql.id("m", column);
    const entries = Object.keys(FIELDS).sort().map((c) => [c, m(c), types.get(c)]);
    // The signature only prefixes the hashed text; its exact content costs nothing more or less.
    const signature = JSON.stringify({ object: null, fields: Object.entries(FIELDS).sort(), match: [] });
    const fingerprint = fns.fingerprint ? fns.fingerprint(signature, entries) : fns.hash(sql`${sql.lit(signature)} || ${fns.jsonObject(entries)}`);
    const key = sql`case when ${m("id")} is null then null else ${fns.toText(m("id"))} end`;
    const query = sql`select count(*) as n from (select ${key} as k, ${fingerprint} as fp from (${sql.raw(MODEL_SQL)}) as m) as h
      where h.k is not null and h.fp is not null`;
    let best = Infinity;
    let counted = 0;
    for (let i = 0; i < rounds; i++) {
      const t = performance.now();
      const { rows: [row] } = await query.execute(db);
      best = Math.min(best, secondsSince(t));
      counted = Number(row.n);
    }
    return { seconds: best, scannedRows: counted, sql: query.compile(db).sql };
  } finally {
    await db.destroy();
    await source.close();
  }
}

const result = { phase, rows };

if (phase === "change") {
  const t = performance.now();
  result.changed = await changeOnePercent(warehouse);
  result.seconds = secondsSince(t);
} else if (phase === "scan") {
  Object.assign(result, await hashedScan());
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
