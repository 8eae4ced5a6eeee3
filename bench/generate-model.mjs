// Generates the benchmark's warehouse: a DuckDB file with `bench.customers` of N rows, the same columns as
// the quickstart's `gold.customers`. Rows come from `range()` with fixed arithmetic, so 1e7 rows take
// seconds and every run measures the same data.
import { existsSync, renameSync, rmSync } from "node:fs";
import { DuckDBInstance } from "@duckdb/node-api";

/** Bumped when the generated data changes, so cached files under bench/.data/ are regenerated. */
export const MODEL_VERSION = 1;

/** Create `path` holding `bench.customers` with `rows` rows. Writes to a temp file then renames it. */
export async function generateModel(path, rows) {
  const tmp = `${path}.tmp`;
  for (const file of [tmp, `${tmp}.wal`]) rmSync(file, { force: true });
  const instance = await DuckDBInstance.create(tmp);
  const connection = await instance.connect();
  try {
    await connection.run(`
      create schema bench;
      create table bench.customers as
      select
        i as id,
        'customer' || i || '@example.com' as email,
        'Customer ' || i as name,
        case when (i * 7919) % 100 < 50 then 'free' when (i * 7919) % 100 < 80 then 'starter'
             when (i * 7919) % 100 < 95 then 'pro' else 'enterprise' end as plan,
        cast(((i * 104729) % 5000000) / 100.0 as decimal(12, 2)) as ltv,
        timestamp '2024-01-01 00:00:00' + to_seconds(cast((i * 2654435761) % 31536000 as bigint)) as updated_at
      from range(1, ${Math.trunc(rows) + 1}) t(i)
      order by i;
      checkpoint;`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  renameSync(tmp, path);
  if (existsSync(`${tmp}.wal`)) renameSync(`${tmp}.wal`, `${path}.wal`);
}

/** Change exactly 1 % of the rows (every id divisible by 100): a new plan and a higher ltv. */
export async function changeOnePercent(path) {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(`
      update bench.customers
      set plan = case plan when 'free' then 'starter' when 'starter' then 'pro' when 'pro' then 'enterprise' else 'free' end,
          ltv = ltv + 1
      where id % 100 = 0`);
    return Number(reader.getRows()[0]?.[0] ?? 0);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
