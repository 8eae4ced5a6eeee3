// The PostgreSQL benchmark's warehouse: `bench.customers` with N rows, the same columns and values as the
// DuckDB bench's (bench/generate-model.mjs), generated inside the server from generate_series, so 1e7 rows
// take about a minute and nothing crosses the wire. The table is UNLOGGED (the bench measures reading and
// diffing it, not its WAL) and has its primary key, as a gold table would.
import { performance } from "node:perf_hooks";
import pg from "pg";

/** Schema of the model table. */
export const MODEL_SCHEMA = "bench";

/** Schema of the bench's sync state: its own, so a bench run against a real database never touches `reverse_etl`. */
export const STATE_SCHEMA = "reverse_etl_bench";

/** The bench sync's mapping (model column -> destination field): core's and the naive baseline's. */
export const FIELDS = { email: "email", name: "name", plan: "plan_tier", ltv: "ltv", updated_at: "updated_at" };

/** The naive baseline's fingerprint salt: the mapping, as core's signature spells it. */
export const NAIVE_SIGNATURE = JSON.stringify({ object: null, fields: Object.entries(FIELDS).sort(), match: [] });

/**
 * Where the bench's syncs write: `file` (a JSON-lines file through destination-file, the default) or `null`
 * (the null destination, the engine alone; also whenever it acknowledges at flush, BENCH_NULL_ACK=flush).
 */
export const BENCH_DESTINATION = process.env.BENCH_DESTINATION === "null" || process.env.BENCH_NULL_ACK === "flush" ? "null" : "file";

/** The model's SQL, as a user's config would hold it. */
export const MODEL_SQL = `select id, email, name, plan, ltv, updated_at from ${MODEL_SCHEMA}.customers`;

/** Run `work` with one client of `url`, ended afterwards; every statement stops after `timeoutMs`. */
export async function withClient(url, timeoutMs, work) {
  const client = new pg.Client({ connectionString: url, application_name: "reverse-etl-bench", statement_timeout: timeoutMs });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Drop the bench's schemas (model and state) and create `bench.customers` with `rows` rows. */
export async function generatePostgresModel(url, rows, timeoutMs) {
  await withClient(url, timeoutMs, async (client) => {
    await client.query(`drop schema if exists ${MODEL_SCHEMA} cascade`);
    await client.query(`drop schema if exists ${STATE_SCHEMA} cascade`);
    await client.query(`create schema ${MODEL_SCHEMA}`);
    await client.query(`
      create unlogged table ${MODEL_SCHEMA}.customers (
        id bigint not null, email text, name text, plan text, ltv numeric(12, 2), updated_at timestamp)`);
    await client.query(`
      insert into ${MODEL_SCHEMA}.customers
      select
        i,
        'customer' || i || '@example.com',
        'Customer ' || i,
        case when (i * 7919) % 100 < 50 then 'free' when (i * 7919) % 100 < 80 then 'starter'
             when (i * 7919) % 100 < 95 then 'pro' else 'enterprise' end,
        ((i * 104729) % 5000000) / 100.0,
        timestamp '2024-01-01 00:00:00' + make_interval(secs => (i * 2654435761) % 31536000)
      from generate_series(1::bigint, ${Math.trunc(rows)}::bigint) as g(i)`);
    await client.query(`alter table ${MODEL_SCHEMA}.customers add primary key (id)`);
    await client.query(`vacuum analyze ${MODEL_SCHEMA}.customers`);
  });
}

/** Change exactly 1 % of the rows (every id divisible by 100): a new plan and a higher ltv. Returns the count. */
export async function changeOnePercent(url, timeoutMs) {
  return withClient(url, timeoutMs, async (client) => {
    const result = await client.query(`
      update ${MODEL_SCHEMA}.customers
      set plan = case plan when 'free' then 'starter' when 'starter' then 'pro' when 'pro' then 'enterprise' else 'free' end,
          ltv = ltv + 1
      where id % 100 = 0`);
    await client.query(`analyze ${MODEL_SCHEMA}.customers`);
    return result.rowCount ?? 0;
  });
}

/** Server settings that shape the figures, printed beside them. */
export async function serverSettings(url) {
  return withClient(url, 60_000, async (client) => {
    const names = ["server_version", "shared_buffers", "work_mem", "max_parallel_workers_per_gather", "jit", "fsync", "synchronous_commit"];
    const result = await client.query("select name, setting, unit from pg_settings where name = any($1)", [names]);
    const settings = {};
    for (const row of result.rows) settings[row.name] = row.unit && /^\d+$/.test(row.setting) ? formatSetting(Number(row.setting), row.unit) : row.setting;
    return settings;
  });
}

function formatSetting(value, unit) {
  const match = /^(\d*)(B|kB|MB)$/.exec(unit);
  if (!match) return `${value}${unit}`;
  const bytes = value * Number(match[1] || 1) * { B: 1, kB: 1024, MB: 2 ** 20 }[match[2]];
  return bytes >= 2 ** 30 ? `${bytes / 2 ** 30}GB` : bytes >= 2 ** 20 ? `${bytes / 2 ** 20}MB` : `${bytes / 1024}kB`;
}

/**
 * The naive baseline's own state, as such a tool would have saved it after the full sync: each row's key
 * and the md5 of its mapped values' JSON text, the text bench/postgres-measure.mjs builds in Node.
 * Computed in the server (not timed) from the model as it is right after the full sync.
 */
export async function createNaiveState(url, timeoutMs) {
  await withClient(url, timeoutMs, async (client) => {
    await client.query(`drop table if exists ${STATE_SCHEMA}.naive_state`);
    const iso = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
    const json = `json_build_object('email', email, 'ltv', ltv, 'name', name, 'plan', plan, 'updated_at', to_char(updated_at, ${iso}))::text`;
    await client.query(
      `create table ${STATE_SCHEMA}.naive_state as select id::text as row_key, md5($1 || ${json}) as fingerprint from ${MODEL_SCHEMA}.customers`,
      [NAIVE_SIGNATURE],
    );
  });
}

/**
 * The floor an incremental run is measured against (issue 14): one hashed scan of the model, what any diff
 * must at least do. Each row's key as text and its fingerprint, the expressions core's diff computes on
 * PostgreSQL 14+ (`hash_record_extended` of the mapped values, texts under "C", seeded with the signature),
 * counted, under the source's default session settings (parallel, as the diff runs). Two spellings of the
 * fence that keeps them computed once in the scan, each `rounds` times from a warm cache, and the fastest
 * taken: `offset 0` (the scan runs in the workers, every row then goes through a Gather to the leader) and a
 * subquery with a `WITH` of its own (the count runs in the workers too, as core's plan count does): about
 * 25 % faster, so the floor is the cheaper one.
 */
export async function hashedScan(url, timeoutMs, sessionSettings, rounds = 2) {
  return withClient(url, timeoutMs, async (client) => {
    for (const [name, value] of Object.entries(sessionSettings)) await client.query(`select set_config($1, $2, false)`, [name, String(value)]);
    const seed = `hashtextextended(${pgLiteral(NAIVE_SIGNATURE)}, 0)`;
    const fp = `cast(hash_record_extended(row(m.email collate "C", m.ltv, m.name collate "C", m.plan collate "C", m.updated_at), ${seed}) as text)`;
    const key = `case when m.id is null then null else cast(m.id as text) end`;
    const keyed = `select ${key} as k, ${fp} as fp from`;
    const queries = [
      `select count(*) as n from (${keyed} (${MODEL_SQL}) as m offset 0) as h where h.k is not null and h.fp is not null`,
      `select count(*) as n from (with _model as (${MODEL_SQL}) ${keyed} _model as m) as h where h.k is not null and h.fp is not null`,
    ];
    let best = { seconds: Infinity, rows: 0, sql: "" };
    for (let i = 0; i < rounds; i++) {
      for (const query of queries) {
        const t = performance.now();
        const result = await client.query(query);
        const seconds = (performance.now() - t) / 1000;
        if (seconds < best.seconds) best = { seconds, rows: Number(result.rows[0].n), sql: query };
      }
    }
    return best;
  });
}

const pgLiteral = (text) => `'${text.replace(/'/g, "''")}'`;
