#!/usr/bin/env node
// Creates the quickstart's warehouse: a DuckDB file holding `gold.customers`, the kind of "gold" table a
// dbt project would build. The rows are computed in SQL from `range()` with fixed arithmetic (no random()),
// so every run produces the same 10,000 customers and the quickstart's output is the same for everyone.
//
//   node examples/quickstart/generate-warehouse.mjs            # writes examples/quickstart/warehouse.duckdb
//   node examples/quickstart/generate-warehouse.mjs --rows 500 # a smaller table
import { existsSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";

const here = dirname(fileURLToPath(import.meta.url));

/** Where the quickstart config expects its warehouse. */
export const WAREHOUSE_PATH = join(here, "warehouse.duckdb");

const FIRST_NAMES = ["Ada", "Alan", "Barbara", "Claude", "Dennis", "Edsger", "Frances", "Grace", "Guido", "Hedy",
  "Ivan", "Jean", "John", "Ken", "Linus", "Margaret", "Niklaus", "Radia", "Sophie", "Tim"];
const LAST_NAMES = ["Lovelace", "Turing", "Liskov", "Shannon", "Ritchie", "Dijkstra", "Allen", "Hopper", "Rossum",
  "Lamarr", "Sutherland", "Sammet", "McCarthy", "Thompson", "Torvalds", "Hamilton", "Wirth", "Perlman", "Wilson", "Berners-Lee"];

const sqlList = (values) => `[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(", ")}]`;

/** The SQL that (re)creates `gold.customers` with `rows` deterministic rows. */
export function customersSql(rows) {
  const n = Math.trunc(rows);
  if (!Number.isFinite(n) || n < 1) throw new Error(`[reverse-etl] [quickstart] rows must be a positive integer, got ${rows}`);
  // Plans are skewed like real SaaS customer bases: half free, 30 % starter, 15 % pro, 5 % enterprise.
  // Multiplying by primes (7919, 104729, ...) and taking a modulo spreads values without randomness.
  return `
    create schema if not exists gold;
    create or replace table gold.customers as
    select
      cast(i as integer) as id,
      'customer' || lpad(cast(i as varchar), 5, '0') || '@example.com' as email,
      ${sqlList(FIRST_NAMES)}[(i * 7) % 20 + 1] || ' ' || ${sqlList(LAST_NAMES)}[(i * 13 + i // 20) % 20 + 1] as name,
      case
        when (i * 7919) % 100 < 50 then 'free'
        when (i * 7919) % 100 < 80 then 'starter'
        when (i * 7919) % 100 < 95 then 'pro'
        else 'enterprise'
      end as plan,
      cast(((i * 104729) % 5000000) / 100.0 as decimal(12, 2)) as lifetime_value,
      timestamp '2024-01-01 00:00:00' + to_seconds(cast((i * 2654435761) % 31536000 as bigint)) as updated_at
    from range(1, ${n + 1}) t(i)
    order by i;
  `;
}

/**
 * Create (or replace) the DuckDB file at `path` with a deterministic `gold.customers` table of `rows` rows.
 * Closes the database before returning, so another process (the CLI) can open it.
 */
export async function generateWarehouse(path = WAREHOUSE_PATH, { rows = 10000 } = {}) {
  const instance = await DuckDBInstance.create(path);
  try {
    const connection = await instance.connect();
    try {
      await connection.run(customersSql(rows));
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
  return { path, rows };
}

/** Delete the warehouse file (and DuckDB's write-ahead log beside it). */
export function removeWarehouse(path = WAREHOUSE_PATH) {
  for (const file of [path, `${path}.wal`]) if (existsSync(file)) rmSync(file);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const at = process.argv.indexOf("--rows");
  const rows = at > 0 ? Number(process.argv[at + 1]) : 10000;
  const { path } = await generateWarehouse(WAREHOUSE_PATH, { rows });
  console.log(`Wrote ${rows} rows to gold.customers in ${path}`);
}
