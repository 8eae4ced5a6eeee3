import { ConnectionError, inSyncRun, type SourceConnection } from "@reverse-etl/core";
import { Kysely, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSnowflakeEmulator, type RunningSnowflakeEmulator } from "./emulator/index.js";
import { SnowflakeStatementError } from "./snowflake-errors.js";
import { snowflakeIdentifier } from "./snowflake-query-compiler.js";
import { connectSnowflakeSource } from "./snowflake-source.js";

let emulator: RunningSnowflakeEmulator;
const context = { configDir: "/tmp" };

beforeAll(async () => {
  emulator = await startSnowflakeEmulator({ sessionTokenValiditySeconds: 600 });
});

afterAll(async () => {
  await emulator?.close();
});

async function withSource<T>(options: Record<string, unknown>, work: (source: SourceConnection, db: Kysely<unknown>) => Promise<T>): Promise<T> {
  const source = await connectSnowflakeSource({ ...emulator.options, ...options } as never, context);
  const db = new Kysely<unknown>({ dialect: source.dialect });
  try {
    return await work(source, db);
  } finally {
    await db.destroy();
    await source.close();
  }
}

describe("the Snowflake source against the emulator", () => {
  it("writes lower-case names as Snowflake reads them unquoted, and any other name exactly", () => {
    expect(["sync_state", "_retl_key", "id", "ID", "FirstName", 'a"b', "order"].map(snowflakeIdentifier)).toEqual([
      '"SYNC_STATE"',
      '"_RETL_KEY"',
      '"ID"',
      '"ID"',
      '"FirstName"',
      '"a""b"',
      '"ORDER"',
    ]);
  });

  it("describes a query's columns with Snowflake's type names and core's kinds, without running it", async () => {
    await withSource({}, async (source) => {
      const columns = await source.describeQuery(
        "select 1::number(38,0) as id, 1.5::number(10,2) as amount, 1::float as f, 'x' as t, true as b, current_date() as d, '01:02:03'::time as tm, current_timestamp() as ts, parse_json('{}') as v, object_construct() as o, array_construct() as a, to_binary('00', 'HEX') as bin",
      );
      expect(columns.map((c) => [c.name, c.type, c.kind])).toEqual([
        ["ID", "NUMBER(38,0)", "integer"],
        ["AMOUNT", "NUMBER(10,2)", "decimal"],
        ["F", "FLOAT", "float"],
        ["T", "VARCHAR", "text"],
        ["B", "BOOLEAN", "boolean"],
        ["D", "DATE", "date"],
        ["TM", "TIME(9)", "time"],
        ["TS", "TIMESTAMP_LTZ(9)", "timestamp"],
        ["V", "VARIANT", "json"],
        ["O", "OBJECT", "json"],
        ["A", "ARRAY", "array"],
        ["BIN", "BINARY", "binary"],
      ]);
    });
  });

  it("tags every statement with QUERY_TAG, and the sync and run it belongs to", async () => {
    await withSource({ queryTag: "retl-test" }, async (_source, db) => {
      await inSyncRun({ sync: "customers", runId: "20261129t000000z-abc123" }, () => sql`select 'tagged' as x`.execute(db));
      await sql`select 'untagged' as x`.execute(db);
    });
    const tags = emulator.emulator.history.filter((h) => h.sqlText.includes("tagged")).map((h) => [h.sqlText, h.queryTag]);
    expect(tags).toEqual([
      ["select 'tagged' as x", "retl-test sync=customers run=20261129t000000z-abc123"],
      ["select 'untagged' as x", "retl-test"],
    ]);
  });

  it("logs in again when its session is gone, and the statement goes on", async () => {
    await withSource({}, async (_source, db) => {
      expect((await sql<{ n: number }>`select 1 as n`.execute(db)).rows).toEqual([{ n: 1 }]);
      const logins = emulator.emulator.stats.logins;
      await emulator.emulator.endAllSessions();
      expect((await sql<{ n: number }>`select 2 as n`.execute(db)).rows).toEqual([{ n: 2 }]);
      expect(emulator.emulator.stats.logins).toBe(logins + 1);
    });
  });

  it("fails a statement past statementTimeoutSeconds with Snowflake's 000630 and what to change", async () => {
    await withSource({ statementTimeoutSeconds: 1 }, async (_source, db) => {
      const error = await sql`select system$wait(5)`.execute(db).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SnowflakeStatementError);
      expect(error).toMatchObject({ code: "000630", sqlState: "57014" });
      expect((error as Error).message).toContain("raise `statementTimeoutSeconds`");
    });
  });

  it("refuses wrong credentials and unknown database or warehouse with a ConnectionError naming the fix, never the secret", async () => {
    const failure = (options: Record<string, unknown>) => connectSnowflakeSource({ ...emulator.options, ...options } as never, context).then(() => undefined, (e: unknown) => e);
    const wrong = await failure({ password: "not-the-password" });
    expect(wrong).toBeInstanceOf(ConnectionError);
    expect((wrong as Error).message).toMatch(/Incorrect username or password was specified\. \(390100\); the user name or password was refused: check `username` and `password`/);
    expect((wrong as Error).message).not.toContain("not-the-password");
    expect(((await failure({ database: "NOPE" })) as Error).message).toContain("database NOPE does not exist or is not authorized for role ACCOUNTADMIN");
    expect(((await failure({ warehouse: "NOPE_WH" })) as Error).message).toContain("warehouse NOPE_WH does not exist or is not authorized for role ACCOUNTADMIN");
    expect(((await failure({ password: undefined, token: "t", privateKey: "k" })) as Error).message).toContain("give exactly one way to authenticate");
    expect(((await failure({ accessUrl: "http://127.0.0.1:9" })) as Error).message).toMatch(/could not connect to Snowflake account emulator at http:\/\/127\.0\.0\.1:9 as emulator: .*nothing answers there/);
  });

  it("names the fix when the warehouse is suspended without auto-resume, and when a table does not exist", async () => {
    await withSource({}, async (_source, db) => {
      await sql`create warehouse parked_wh with initially_suspended = true auto_resume = false`.execute(db);
    });
    await withSource({ warehouse: "PARKED_WH" }, async (_source, db) => {
      const suspended = await sql`select * from information_schema_free.t`.execute(db).catch((e: Error) => e);
      expect((suspended as Error).message).toContain("does not exist or not authorized");
      await sql`create schema if not exists gold`.execute(db);
      await sql`create table if not exists gold.parked (id number)`.execute(db);
      const parked = await sql`select * from gold.parked`.execute(db).catch((e: Error) => e);
      expect(parked).toMatchObject({ code: "000606", sqlState: "57P03" });
      expect((parked as Error).message).toContain("the warehouse is suspended without AUTO_RESUME");
    });
  });
});
