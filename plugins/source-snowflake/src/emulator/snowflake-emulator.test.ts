import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "snowflake-sdk";
import { loadSnowflakeSdk } from "../snowflake-sdk-loader.js";
import { startSnowflakeEmulator, type RunningSnowflakeEmulator } from "./index.js";

// The real snowflake-sdk, unchanged, against the emulator: every assertion is what the driver reports.
let emulator: RunningSnowflakeEmulator;

async function connect(options: Record<string, unknown> = {}): Promise<Connection> {
  const sdk = await loadSnowflakeSdk();
  const connection = sdk.createConnection({ ...emulator.options, ...options } as never);
  await new Promise<void>((resolve, reject) => connection.connect((error) => (error ? reject(error) : resolve())));
  return connection;
}

interface Outcome {
  rows?: Array<Record<string, unknown>>;
  columns?: string[];
  error?: { code: string | undefined; sqlState: string | undefined; message: string };
}

function run(connection: Connection, sqlText: string, binds?: unknown[]): Promise<Outcome> {
  return new Promise((resolve) => {
    connection.execute({
      sqlText,
      ...(binds ? { binds: binds as never } : {}),
      complete: (error, statement, rows) => {
        if (error) resolve({ error: { code: error.code as unknown as string | undefined, sqlState: (error as { sqlState?: string }).sqlState, message: error.message } });
        else resolve({ rows: rows as Array<Record<string, unknown>>, columns: (statement.getColumns() ?? []).map((c) => `${c.getName()} ${c.getType()}(${c.getPrecision()},${c.getScale()})`) });
      },
    });
  });
}

function destroy(connection: Connection): Promise<void> {
  return new Promise((resolve) => connection.destroy(() => resolve()));
}

beforeAll(async () => {
  emulator = await startSnowflakeEmulator();
});

afterAll(async () => {
  await emulator?.close();
});

describe("Snowflake emulator, through the unchanged snowflake-sdk", () => {
  it("logs in with a password, answers queries with Snowflake's types and folds unquoted identifiers to upper case", async () => {
    const c = await connect();
    const out = await run(c, "select 1 as a, 'x' as \"b\", 1.50 as c, true as d, current_database(), current_warehouse()");
    expect(out.columns).toEqual(["A fixed(1,0)", "b text(null,null)", "C fixed(3,2)", "D boolean(null,null)", "CURRENT_DATABASE() text(null,null)", "CURRENT_WAREHOUSE() text(null,null)"]);
    expect(out.rows).toEqual([{ A: 1, b: "x", C: 1.5, D: true, "CURRENT_DATABASE()": "DEV", "CURRENT_WAREHOUSE()": "COMPUTE_WH" }]);
    await destroy(c);
  });

  it("refuses a wrong password with Snowflake's 390100", async () => {
    await expect(connect({ password: "wrong" })).rejects.toMatchObject({ code: "390100", message: "Incorrect username or password was specified." });
  });

  it("stores and returns every type exactly: NUMBER(38,0) beyond 2^53, NUMBER(p,s), VARIANT with sorted keys, timestamps, BINARY", async () => {
    const c = await connect();
    await run(c, "create or replace table t_types (id number(38,0), score number(10,2), v variant, ts timestamp_ntz, b binary, f float, d date, ok boolean)");
    const inserted = await run(
      c,
      "insert into t_types select 12345678901234567890, 1.5, parse_json('{\"b\":1,\"a\":[1,2]}'), '2024-01-02 03:04:05.123'::timestamp_ntz, to_binary('ABCD', 'HEX'), 1.25, '2024-03-04'::date, false",
    );
    expect(inserted.rows).toEqual([{ "number of rows inserted": 1 }]);
    const rows = await new Promise<Array<Record<string, unknown>>>((resolve, reject) =>
      c.execute({
        sqlText: "select id, score, v, to_json(v) as j, ts, b, f, d, ok from t_types",
        fetchAsString: ["String", "Number", "JSON", "Buffer", "Date"] as never,
        complete: (e, _s, r) => (e ? reject(e) : resolve(r as Array<Record<string, unknown>>)),
      }),
    );
    expect(rows).toEqual([
      { ID: "12345678901234567890", SCORE: "1.50", V: '{\n  "a": [\n    1,\n    2\n  ],\n  "b": 1\n}', J: '{"a":[1,2],"b":1}', TS: "2024-01-02 03:04:05.123", B: "ABCD", F: "1.25", D: "2024-03-04", OK: false },
    ]);
    await destroy(c);
  });

  it("resolves quoted identifiers exactly and reports the ones that do not exist", async () => {
    const c = await connect();
    await run(c, 'create or replace table t_case (id number, "Email" varchar)');
    expect((await run(c, 'select ID, "ID", "Email" from t_case')).columns).toEqual(["ID fixed(38,0)", "ID fixed(38,0)", "Email text(null,null)"]);
    expect((await run(c, 'select "id" from t_case')).error).toMatchObject({ code: "000904", sqlState: "42000", message: "SQL compilation error: invalid identifier '\"id\"'" });
    expect((await run(c, "select email from t_case")).error).toMatchObject({ code: "000904", message: "SQL compilation error: invalid identifier 'EMAIL'" });
    expect((await run(c, "select * from no_such_table")).error).toMatchObject({
      code: "002003",
      sqlState: "42S02",
      message: "SQL compilation error:\nObject 'DEV.PUBLIC.NO_SUCH_TABLE' does not exist or not authorized.",
    });
    await destroy(c);
  });

  it("refuses what it does not emulate with a compilation error that names it, rather than answer wrongly", async () => {
    const c = await connect();
    expect((await run(c, "select * from table(flatten(input => parse_json('[1]')))")).error).toMatchObject({ code: "002040", sqlState: "0A000" });
    expect((await run(c, "select soundex('x')")).error?.message).toContain("Unsupported feature 'function SOUNDEX'");
    expect((await run(c, "grant select on table t to role r")).error?.message).toContain("Unsupported feature 'statement GRANT'");
    expect((await run(c, "select nosuchfunction(1)")).error).toMatchObject({ code: "002140", message: "SQL compilation error:\nUnknown function NOSUCHFUNCTION" });
    await destroy(c);
  });

  it("creates tables with the SQL Kysely's schema builder writes, and refuses a type Snowflake has not with 002040 naming it", async () => {
    const c = await connect();
    const created = await run(c, 'create table "t_kysely" ("id" integer primary key, "name" varchar(100), "amount" double precision, "active" boolean)');
    expect(created.error).toBeUndefined();
    const described = await run(c, 'describe table "t_kysely"');
    expect(described.rows?.map((row) => [row.name, row.type])).toEqual([["id", "NUMBER(38,0)"], ["name", "VARCHAR(100)"], ["amount", "FLOAT"], ["active", "BOOLEAN"]]);
    expect((await run(c, "create table t_typo (v varaint)")).error).toEqual({ code: "002040", sqlState: "42601", message: "SQL compilation error:\nUnsupported data type 'VARAINT'." });
    await destroy(c);
  });

  it("fails a query whose value fails to convert in its last rows, never answering the rows before it", async () => {
    const c = await connect();
    const statement = c.execute({
      sqlText: "select cast(case when n = 59000 then 'x' else '1' end as integer) as v from (select seq4() + 1 as n from table(generator(rowcount => 60000)))",
      streamResult: true,
    });
    let count = 0;
    const error = await new Promise<unknown>((resolve) => {
      statement
        .streamRows()
        .on("data", () => count++)
        .on("error", resolve)
        .on("end", () => resolve(undefined));
    });
    expect(error).toMatchObject({ code: "100038", message: "Numeric value 'x' is not recognized" });
    expect(count).toBe(0);
    await destroy(c);
  });

  it("splits a large result into chunks that the driver downloads and streams in order", async () => {
    const c = await connect();
    await run(c, "create or replace table t_big as select seq4() as n, 'row ' || seq4() as label from table(generator(rowcount => 60000))");
    const statement = c.execute({ sqlText: "select n, label from t_big order by n", streamResult: true });
    let count = 0;
    let ordered = true;
    await new Promise<void>((resolve, reject) => {
      statement
        .streamRows()
        .on("data", (row: { N: number; LABEL: string }) => {
          if (row.N !== count || row.LABEL !== `row ${count}`) ordered = false;
          count++;
        })
        .on("error", reject)
        .on("end", () => resolve());
    });
    expect({ count, ordered }).toEqual({ count: 60000, ordered: true });
    await destroy(c);
  });

  it("renews an expired session token with the master token, and the statement goes on", async () => {
    const c = await connect();
    emulator.emulator.expireSessionTokens();
    expect((await run(c, "select 42 as answer")).rows).toEqual([{ ANSWER: 42 }]);
    await destroy(c);
  });

  it("cancels a running statement on the driver's abort request, and times out per STATEMENT_TIMEOUT_IN_SECONDS", async () => {
    const c = await connect();
    const pending = new Promise<Outcome>((resolve) => {
      const statement = c.execute({
        sqlText: "select system$wait(30)",
        complete: (error) => resolve({ error: error ? { code: error.code as unknown as string, sqlState: (error as { sqlState?: string }).sqlState, message: error.message } : undefined }),
      });
      setTimeout(() => statement.cancel(() => undefined), 300);
    });
    expect((await pending).error).toMatchObject({ code: "000604", sqlState: "57014", message: "SQL execution canceled" });
    await run(c, "alter session set statement_timeout_in_seconds = 1");
    expect((await run(c, "select system$wait(10)")).error).toMatchObject({
      code: "000630",
      message: "Statement reached its statement or warehouse timeout of 1 second(s) and was canceled.",
    });
    await destroy(c);
  });

  it("keeps views as their Snowflake text, and shows and describes tables", async () => {
    const c = await connect();
    await run(c, "create or replace table t_view_base (id number, label varchar)");
    await run(c, "insert into t_view_base values (1, 'a'), (2, 'b')");
    await run(c, "create or replace view v_labels as select id, upper(label) as big from t_view_base where id > 1");
    expect((await run(c, "select * from v_labels")).rows).toEqual([{ ID: 2, BIG: "B" }]);
    expect((await run(c, "show tables like 't_view%'")).rows).toEqual([{ name: "T_VIEW_BASE", database_name: "DEV", schema_name: "PUBLIC", kind: "TABLE", rows: 2 }]);
    expect((await run(c, "describe table t_view_base")).rows).toEqual([
      { name: "ID", type: "NUMBER(38,0)", kind: "COLUMN", "null?": "Y" },
      { name: "LABEL", type: "VARCHAR(16777216)", kind: "COLUMN", "null?": "Y" },
    ]);
    await destroy(c);
  });

  it("ends the session at logout", async () => {
    const before = emulator.emulator.sessionCount;
    const c = await connect();
    expect(emulator.emulator.sessionCount).toBe(before + 1);
    await destroy(c);
    expect(emulator.emulator.sessionCount).toBe(before);
  });
});

describe("Snowflake emulator: a transaction left open by a client that died", () => {
  it("is rolled back once it has blocked another writer for the idle time, and the writer goes on", async () => {
    const own = await startSnowflakeEmulator({ detachedTransactionAbortSeconds: 1 });
    const sdk = await loadSnowflakeSdk();
    const open = async () => {
      const c = sdk.createConnection({ ...own.options } as never);
      await new Promise<void>((resolve, reject) => c.connect((error) => (error ? reject(error) : resolve())));
      return c;
    };
    const [dead, live] = [await open(), await open()];
    try {
      expect((await run(live, "create table t (id int, v varchar)")).error).toBeUndefined();
      await run(live, "insert into t values (1, 'before')");
      // The client that will "die": it updates inside a transaction and never commits.
      await run(dead, "begin");
      expect((await run(dead, "update t set v = 'uncommitted' where id = 1")).error).toBeUndefined();
      const waited = await run(live, "update t set v = 'after' where id = 1");
      expect(waited.error).toBeUndefined();
      expect((await run(live, "select v from t")).rows).toEqual([{ V: "after" }]);
    } finally {
      await destroy(dead);
      await destroy(live);
      await own.close();
    }
  });
});
