import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { createDatabase, TEST_POSTGRES_URL_ENV } from "@reverse-etl/testkit";
import { duck } from "./warehouse.js";

/** The warehouses end-to-end tests run against. */
export const WAREHOUSES = ["duckdb", "postgres"] as const;

/** A warehouse kind. */
export type WarehouseKind = (typeof WAREHOUSES)[number];

/** A throwaway warehouse for one test: its source config and a way to run SQL on it from the test. */
export interface TestWarehouse {
  kind: WarehouseKind;
  /** The `sources.warehouse` entry of a config. */
  source: Record<string, unknown>;
  /** Run statements and return the rows of the last one. DuckDB: not while a CLI process holds the file. */
  query<T = Record<string, unknown>>(statements: string): Promise<T[]>;
}

/** Create a warehouse of `kind` for a project in `dir`: a DuckDB file there, or a new Postgres database. */
export async function makeWarehouse(kind: WarehouseKind, dir: string): Promise<TestWarehouse> {
  if (kind === "duckdb") {
    const file = join(dir, "warehouse.duckdb");
    return {
      kind,
      source: { plugin: "@reverse-etl/source-duckdb", path: "warehouse.duckdb" },
      query: (statements) => duck(file, statements),
    };
  }
  const server = process.env[TEST_POSTGRES_URL_ENV];
  if (!server) {
    throw new Error(`no PostgreSQL for the tests: ${process.env.REVERSE_ETL_TEST_POSTGRES_ERROR ?? `${TEST_POSTGRES_URL_ENV} is not set`}`);
  }
  const url = await createDatabase(server, `e2e_${randomBytes(5).toString("hex")}`);
  const { default: pg } = await import("pg");
  return {
    kind,
    source: { plugin: "@reverse-etl/source-postgres", url },
    async query<T>(statements: string): Promise<T[]> {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const result = await client.query(statements);
        const last = Array.isArray(result) ? result[result.length - 1] : result;
        return (last?.rows ?? []) as T[];
      } finally {
        await client.end();
      }
    },
  };
}

/** Create `gold.customers` with `rows` deterministic rows (id, email, name, plan, ltv). */
export async function seedCustomersIn(warehouse: TestWarehouse, rows: number): Promise<void> {
  const series = warehouse.kind === "duckdb" ? `range(1, ${rows + 1}) t(i)` : `generate_series(1, ${rows}) as t(i)`;
  await warehouse.query(
    `create schema if not exists gold;
     drop table if exists gold.customers;
     create table gold.customers as
       select i as id, 'user' || i || '@example.com' as email, 'Customer ' || i as name,
              (array['free', 'starter', 'pro', 'enterprise'])[1 + i % 4] as plan,
              cast(i * 12.5 as decimal(12, 2)) as ltv
       from ${series}`,
  );
}

/** The model as a destination should end up holding it: key -> fields. */
export async function modelRowsIn(warehouse: TestWarehouse): Promise<Map<string, Record<string, unknown>>> {
  const rows = await warehouse.query<{ id: string; email: string; name: string; plan: string; ltv: string }>(
    "select id, email, name, plan, ltv from gold.customers order by id",
  );
  return new Map(rows.map((r) => [String(r.id), { email: r.email, name: r.name, plan_tier: r.plan, ltv: Number(r.ltv) }]));
}
