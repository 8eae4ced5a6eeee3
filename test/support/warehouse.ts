import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { modelRowsIn, seedCustomersIn, type TestWarehouse } from "./warehouses.js";

/**
 * Scratch space inside the repository (gitignored), so configs there resolve the workspace's plugins: the
 * test run's own folder, made by global-setup.ts.
 */
function scratch(): string {
  const dir = process.env.REVERSE_ETL_TEST_SCRATCH ?? fileURLToPath(new URL(`../../.tmp/e2e-${process.pid}/`, import.meta.url));
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A fresh project directory for one test. */
export function projectDir(prefix: string): string {
  return mkdtempSync(join(scratch(), `${prefix}-`));
}

/** Run SQL on a DuckDB file and return the rows as JSON-friendly objects. Do not call while a CLI process holds the file. */
export async function duck<T = Record<string, unknown>>(file: string, statements: string): Promise<T[]> {
  const instance = await DuckDBInstance.create(file);
  try {
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll(statements);
      return reader.getRowObjectsJson() as T[];
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/** Create `gold.customers` with `rows` deterministic rows in a DuckDB file (see `seedCustomersIn`). */
export async function seedCustomers(file: string, rows: number): Promise<void> {
  await seedCustomersIn(duckdbAt(file), rows);
}

/** The model as the receiver should end up holding it: key -> fields (see `modelRowsIn`). */
export async function modelRows(file: string): Promise<Map<string, Record<string, unknown>>> {
  return modelRowsIn(duckdbAt(file));
}

function duckdbAt(file: string): TestWarehouse {
  return { kind: "duckdb", source: { plugin: "@reverse-etl/source-duckdb", path: file }, query: (statements) => duck(file, statements) };
}

/** Write a JSON config for a customers model synced to one destination; `top` adds top-level keys (`scheduler`). */
export function writeConfig(
  dir: string,
  destination: Record<string, unknown>,
  sync: Record<string, unknown> = {},
  source: Record<string, unknown> = { plugin: "@reverse-etl/source-duckdb", path: "warehouse.duckdb" },
  top: Record<string, unknown> = {},
): string {
  const file = join(dir, "reverse-etl.config.json");
  writeFileSync(
    file,
    JSON.stringify(
      {
        sources: { warehouse: source },
        destinations: { target: destination },
        models: {
          customers: { source: "warehouse", primaryKey: "id", sql: "select id, email, name, plan, ltv from gold.customers" },
        },
        syncs: {
          customers_sync: {
            model: "customers",
            destination: "target",
            mode: "upsert",
            fields: { email: "email", name: "name", plan: "plan_tier", ltv: "ltv" },
            ...sync,
          },
        },
        ...top,
      },
      null,
      2,
    ),
  );
  return file;
}
