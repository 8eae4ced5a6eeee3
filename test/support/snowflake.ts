import type { Connection } from "snowflake-sdk";
import { startSnowflakeEmulator, type RunningSnowflakeEmulator } from "@reverse-etl/source-snowflake/emulator";

/** A Snowflake emulator for one test file, with the source entry of a config that points at it. */
export interface TestSnowflake {
  emulator: RunningSnowflakeEmulator;
  /** The `sources.warehouse` entry of a config. */
  source: Record<string, unknown>;
  /** Run statements (`;`-separated, no `;` inside them) through snowflake-sdk; returns the rows of the last one. */
  query<T = Record<string, unknown>>(statements: string, binds?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** Start an emulator (or take one started) and log a snowflake-sdk session in to it, as a user loads their own tables. */
export async function startTestSnowflake(started?: RunningSnowflakeEmulator): Promise<TestSnowflake> {
  const emulator = started ?? (await startSnowflakeEmulator());
  // The plugin's loader turns the driver's cloud platform probes off before it loads.
  const { loadSnowflakeSdk } = await import("@reverse-etl/source-snowflake");
  const sdk = await loadSnowflakeSdk();
  const connection: Connection = sdk.createConnection({ ...emulator.options } as never);
  await new Promise<void>((resolve, reject) => connection.connect((e) => (e ? reject(e) : resolve())));
  const one = (sqlText: string, binds?: unknown[]) =>
    new Promise<Array<Record<string, unknown>>>((resolve, reject) =>
      connection.execute({ sqlText, ...(binds ? { binds: binds as never } : {}), complete: (e, _s, rows) => (e ? reject(e) : resolve((rows ?? []) as Array<Record<string, unknown>>)) }),
    );
  return {
    emulator,
    source: { plugin: "@reverse-etl/source-snowflake", ...emulator.options },
    async query<T>(statements: string, binds?: unknown[]): Promise<T[]> {
      let rows: Array<Record<string, unknown>> = [];
      for (const statement of statements.split(";").map((s) => s.trim()).filter(Boolean)) rows = await one(statement, binds);
      return rows as T[];
    },
    async close() {
      await new Promise<void>((resolve) => connection.destroy(() => resolve()));
      await emulator.close();
    },
  };
}

/** `gold.customers` with `rows` deterministic rows (ID, EMAIL, NAME, PLAN, LTV NUMBER(12,2)). */
export async function seedSnowflakeCustomers(snowflake: TestSnowflake, rows: number): Promise<void> {
  await snowflake.query(
    `create schema if not exists gold;
     create or replace table gold.customers as
       select n as id, 'user' || n || '@example.com' as email, 'Customer ' || n as name,
              decode(n % 4, 0, 'free', 1, 'starter', 2, 'pro', 'enterprise') as plan,
              (n * 12.5)::number(12, 2) as ltv
       from (select seq4() + 1 as n from table(generator(rowcount => ${rows})))`,
  );
}
