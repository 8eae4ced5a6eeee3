import { ConnectionError, silentLogger, type PluginContext, type SourceConnection } from "@reverse-etl/core";
import { testSourceContract } from "@reverse-etl/testkit";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Kysely, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import duckDbSourcePlugin from "./index.js";

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const dir = mkdtempSync(join(tmpdir(), "reverse-etl-duckdb-"));
const context: PluginContext = { configDir: dir, name: "warehouse", logger: silentLogger };
const generateRowsSql = (n: number) => `select range + 1 as n from range(${n})`;
let files = 0;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function connect(path: string): Promise<SourceConnection> {
  return duckDbSourcePlugin.connect({ path }, context);
}

testSourceContract({
  name: "duckdb (file)",
  connect: () => connect(`contract-${files++}.duckdb`),
  generateRowsSql,
  // The engine cycle opens this file in a project directory of its own (not `:memory:`: the suite seeds it
  // through one connection and the engine reads it through others).
  plugin: duckDbSourcePlugin,
  pluginOptions: { path: "warehouse.duckdb" },
});
testSourceContract({ name: "duckdb (:memory:)", connect: () => connect(":memory:"), generateRowsSql });

describe("DuckDB values as rows carry them", () => {
  let source: SourceConnection;
  let db: Kysely<Record<string, never>>;

  beforeAll(async () => {
    source = await connect(":memory:");
    db = new Kysely({ dialect: source.dialect });
  });

  afterAll(async () => {
    await db.destroy();
    await source.close();
  });

  async function value(expression: string): Promise<unknown> {
    const { rows } = await sql<{ v: unknown }>`select ${sql.raw(expression)} as v`.execute(db);
    return rows[0].v;
  }

  it("gives integers that fit a JS safe integer as numbers", async () => {
    expect(await value("cast(42 as tinyint)")).toBe(42);
    expect(await value("cast(-42 as smallint)")).toBe(-42);
    expect(await value("cast(2147483647 as integer)")).toBe(2147483647);
    expect(await value("cast(4294967295 as uinteger)")).toBe(4294967295);
    expect(await value("cast(9007199254740991 as bigint)")).toBe(9007199254740991);
    expect(await value("cast(-9007199254740991 as bigint)")).toBe(-9007199254740991);
    expect(await value("cast(12 as hugeint)")).toBe(12);
    expect(await value("cast(12 as ubigint)")).toBe(12);
  });

  it("gives larger BIGINT, UBIGINT and HUGEINT values as decimal strings", async () => {
    expect(await value("cast(9007199254740993 as bigint)")).toBe("9007199254740993");
    expect(await value("cast(-9223372036854775808 as bigint)")).toBe("-9223372036854775808");
    expect(await value("cast(18446744073709551615 as ubigint)")).toBe("18446744073709551615");
    expect(await value("cast('170141183460469231731687303715884105727' as hugeint)")).toBe(
      "170141183460469231731687303715884105727",
    );
  });

  it("gives DECIMAL as a number when it round-trips exactly, else as a string", async () => {
    expect(await value("cast(1.50 as decimal(10,2))")).toBe(1.5);
    expect(await value("cast(-0.01 as decimal(4,2))")).toBe(-0.01);
    expect(await value("cast(123456789012.345 as decimal(15,3))")).toBe(123456789012.345);
    expect(await value("cast(0.1 as decimal(38,10))")).toBe(0.1);
    expect(await value("cast(12345678901234567890.12 as decimal(38,2))")).toBe("12345678901234567890.12");
    expect(await value("cast(1.23456789012345678 as decimal(18,17))")).toBe("1.23456789012345678");
    expect(await value("cast(12345678901234.56 as decimal(22,2))")).toBe(12345678901234.56);
    expect(await value("cast(-12345678901234.56 as decimal(22,2))")).toBe(-12345678901234.56);
    expect(await value("cast(0.5 as decimal(38,30))")).toBe(0.5);
    expect(await value("cast(100 as decimal(38,0))")).toBe(100);
  });

  it("gives DOUBLE and FLOAT as numbers, BOOLEAN as booleans, VARCHAR as strings", async () => {
    expect(await value("cast(2.5 as double)")).toBe(2.5);
    expect(await value("cast(0.5 as float)")).toBe(0.5);
    expect(await value("true")).toBe(true);
    expect(await value("false")).toBe(false);
    expect(await value("'héllo ✓'")).toBe("héllo ✓");
  });

  it("gives DATE as YYYY-MM-DD and TIMESTAMP/TIMESTAMPTZ as ISO 8601 in UTC", async () => {
    expect(await value("date '2024-01-02'")).toBe("2024-01-02");
    expect(await value("date '1969-12-31'")).toBe("1969-12-31");
    expect(await value("timestamp '2024-01-02 03:04:05'")).toBe("2024-01-02T03:04:05.000Z");
    expect(await value("timestamp '1969-12-31 23:59:59.9995'")).toBe("1969-12-31T23:59:59.999Z");
    expect(await value("timestamptz '2024-01-02 05:04:05.123+02'")).toBe("2024-01-02T03:04:05.123Z");
    expect(await value("cast('2024-01-02 03:04:05' as timestamp_s)")).toBe("2024-01-02T03:04:05.000Z");
    expect(await value("cast('2024-01-02 03:04:05.678' as timestamp_ms)")).toBe("2024-01-02T03:04:05.678Z");
    expect(await value("cast('2024-01-02 03:04:05.678901234' as timestamp_ns)")).toBe("2024-01-02T03:04:05.678Z");
    expect(await value("cast('infinity' as timestamp)")).toBe("infinity");
  });

  it("gives TIME, UUID and INTERVAL as strings", async () => {
    expect(await value("time '03:04:05'")).toBe("03:04:05");
    expect(await value("cast('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' as uuid)")).toBe("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    expect(typeof (await value("interval 1 day"))).toBe("string");
  });

  it("gives BLOB as base64", async () => {
    expect(await value("'\\x00\\xFFabc'::blob")).toBe(Buffer.from([0, 255, 97, 98, 99]).toString("base64"));
  });

  it("gives LIST and ARRAY as arrays, STRUCT and MAP as objects, converting their items", async () => {
    expect(await value("[1, 2, null]")).toEqual([1, 2, null]);
    expect(await value("array_value(date '2024-01-02', date '2024-01-03')")).toEqual(["2024-01-02", "2024-01-03"]);
    expect(await value("{'a': 1, 'b': [cast(9007199254740993 as bigint)], 'c': null}")).toEqual({
      a: 1,
      b: ["9007199254740993"],
      c: null,
    });
    expect(await value("map {'k': 1.5, 'l': null}")).toEqual({ k: 1.5, l: null });
    expect(await value("map {1: 'one'}")).toEqual({ 1: "one" });
  });

  it("gives the JSON type as its parsed value", async () => {
    expect(await value(`'{"a": [1, "x", null], "b": {"c": true}}'::json`)).toEqual({ a: [1, "x", null], b: { c: true } });
    expect(await value("json_object('n', 1)")).toEqual({ n: 1 });
    expect(await value("cast(null as json)")).toBeNull();
  });

  it("gives NULL of any type as null", async () => {
    for (const type of ["integer", "bigint", "decimal(20,2)", "varchar", "date", "timestamp", "blob", "integer[]", "json", "uuid"]) {
      expect(await value(`cast(null as ${type})`)).toBeNull();
    }
    expect(await value("null")).toBeNull();
  });

  it("converts streamed rows the same way", async () => {
    const rows: unknown[] = [];
    for await (const row of db
      .selectFrom(sql`(select range as n, cast(range as hugeint) * 10000000000000000 as big, date '2024-01-01' + cast(range as integer) as d from range(3))`.as("t"))
      .selectAll()
      .stream()) {
      rows.push(row);
    }
    expect(rows).toEqual([
      { n: 0, big: 0, d: "2024-01-01" },
      { n: 1, big: "10000000000000000", d: "2024-01-02" },
      { n: 2, big: "20000000000000000", d: "2024-01-03" },
    ]);
  });
});

describe("the Kysely dialect", () => {
  let source: SourceConnection;
  let db: Kysely<{ t: { id: number } }>;

  beforeAll(async () => {
    source = await connect(":memory:");
    db = new Kysely({ dialect: source.dialect });
    await db.schema.createTable("t").addColumn("id", "integer").execute();
  });

  afterAll(async () => {
    await db.destroy();
    await source.close();
  });

  it("gives each Kysely connection its own DuckDB connection, so an open transaction is isolated", async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let inserted!: () => void;
    const insertedSignal = new Promise<void>((resolve) => (inserted = resolve));
    const transaction = db.transaction().execute(async (trx) => {
      await trx.insertInto("t").values({ id: 1 }).execute();
      inserted();
      await released;
    });
    await insertedSignal;
    expect(await db.selectFrom("t").selectAll().execute()).toEqual([]);
    release();
    await transaction;
    expect(await db.selectFrom("t").selectAll().execute()).toEqual([{ id: 1 }]);
  });

  it("returns rows from RETURNING and counts from plain changes", async () => {
    const returned = await db.insertInto("t").values([{ id: 2 }, { id: 3 }]).returning("id").execute();
    expect(returned).toEqual([{ id: 2 }, { id: 3 }]);
    const deleted = await db.deleteFrom("t").where("id", ">=", 2).executeTakeFirst();
    expect(deleted.numDeletedRows).toBe(2n);
  });

  it("binds JS values as parameters", async () => {
    const row = await db
      .selectNoFrom((eb) => [
        eb.val("it's").as("text"),
        eb.val(2 ** 40).as("big"),
        eb.val(1.5).as("float"),
        eb.val(true).as("flag"),
        eb.val(null).as("nothing"),
        eb.val(new Date("2024-01-02T03:04:05.678Z")).as("when"),
      ])
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ text: "it's", big: 2 ** 40, float: 1.5, flag: true, nothing: null, when: "2024-01-02T03:04:05.678Z" });
  });

  it("refuses transaction isolation levels, which DuckDB does not have", async () => {
    await expect(db.transaction().setIsolationLevel("serializable").execute(async () => {})).rejects.toThrow(
      /\[reverse-etl\] \[duckdb\] DuckDB does not support transaction isolation levels/,
    );
  });

  it("streams rows before a failure deep in the result, then raises the failure", async () => {
    let received = 0;
    const failing = sql`(select cast(case when range = 150000 then 'x' else '1' end as integer) as v, repeat('x', 200) || range as pad from range(200000))`;
    const consume = async () => {
      for await (const _row of db.selectFrom(failing.as("f")).selectAll().stream(1000)) received++;
    };
    await expect(consume()).rejects.toThrow(/Conversion Error: Could not convert string .x. to INT32/);
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(150000);
    expect(await db.selectFrom("t").select((eb) => eb.fn.countAll().as("n")).executeTakeFirst()).toBeDefined();
  });

  it("raises a streamed query's failure inside a transaction too, which then rolls back", async () => {
    const failing = sql`(select cast(case when range = 150000 then 'x' else '1' end as integer) as v, repeat('x', 200) || range as pad from range(200000))`;
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto("t").values({ id: 99 }).execute();
        for await (const _row of trx.selectFrom(failing.as("f")).selectAll().stream(1000));
      }),
    ).rejects.toThrow(/Conversion Error/);
    expect(await db.selectFrom("t").selectAll().where("id", "=", 99).execute()).toEqual([]);
  });

  it("introspects tables and columns", async () => {
    const tables = await db.introspection.getTables();
    expect(tables.find((table) => table.name === "t")?.columns.map((column) => column.name)).toEqual(["id"]);
  });

  it("refuses queries once the source connection is closed", async () => {
    const other = await connect(":memory:");
    const otherDb = new Kysely<Record<string, never>>({ dialect: other.dialect });
    await other.close();
    await expect(sql`select 1`.execute(otherDb)).rejects.toThrow(/closed/);
    await expect(other.describeQuery("select 1")).rejects.toThrow(/closed/);
  });

  it("lets Kysely be destroyed after the source closed, and the other way round", async () => {
    for (const closeSourceFirst of [true, false]) {
      const other = await connect(join(dir, `destroy-order-${closeSourceFirst}.duckdb`));
      const otherDb = new Kysely<Record<string, never>>({ dialect: other.dialect });
      await sql`select 1`.execute(otherDb);
      if (closeSourceFirst) {
        await other.close();
        await otherDb.destroy();
      } else {
        await otherDb.destroy();
        await other.close();
      }
      await other.close();
    }
  });
});

describe("a warehouse file held by another process", () => {
  it("is refused with a ConnectionError naming the file and the holder's PID", async () => {
    const path = join(dir, "locked.duckdb");
    const holder = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import { DuckDBInstance } from "@duckdb/node-api";
         const instance = await DuckDBInstance.create(process.argv[1]);
         await (await instance.connect()).run("create table held (id integer)");
         console.log("ready");
         setInterval(() => {}, 1000);`,
        path,
      ],
      { cwd: packageDir, stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        holder.once("error", reject);
        holder.once("exit", (code) => reject(new Error(`holder exited early with code ${code}`)));
        holder.stdout.on("data", (data: Buffer) => {
          if (data.toString().includes("ready")) resolve();
        });
      });
      const error = await connect(path).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as Error).message).toBe(
        `[reverse-etl] [duckdb] warehouse file ${path} is in use by another process (PID ${holder.pid}): ` +
          "another reverse-etl run may be in progress; wait for it or stop it",
      );
    } finally {
      const exited = new Promise((resolve) => holder.once("exit", resolve));
      holder.kill("SIGKILL");
      await exited;
    }
    // Once the holder is gone, the lock is gone with it.
    const source = await connect(path);
    expect(await source.describeQuery("select * from held")).toEqual([{ name: "id", type: "INTEGER", kind: "integer" }]);
    await source.close();
  });

  it("is released by close(), so another process can open it", async () => {
    const path = join(dir, "released.duckdb");
    const source = await connect(path);
    const db = new Kysely<Record<string, never>>({ dialect: source.dialect });
    await sql`create table t (id integer)`.execute(db);
    await db.transaction().execute(async (trx) => {
      await sql`insert into t values (1)`.execute(trx);
    });
    await source.close();
    const child = spawnSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import { DuckDBInstance } from "@duckdb/node-api";
         const instance = await DuckDBInstance.create(process.argv[1]);
         const reader = await (await instance.connect()).runAndReadAll("select count(*) as c from t");
         console.log(String(reader.getRows()[0][0]));`,
        path,
      ],
      { cwd: packageDir, encoding: "utf8" },
    );
    expect(child.stderr).toBe("");
    expect(child.stdout.trim()).toBe("1");
  });
});

describe("one file opened twice in one process", () => {
  it("shares one database, so both connections see each other's writes, until the last closes", async () => {
    const path = join(dir, "shared.duckdb");
    const first = await connect(path);
    const second = await connect(path);
    const firstDb = new Kysely<{ t: { id: number } }>({ dialect: first.dialect });
    const secondDb = new Kysely<{ t: { id: number } }>({ dialect: second.dialect });
    await firstDb.schema.createTable("t").addColumn("id", "integer").execute();
    await secondDb.insertInto("t").values({ id: 1 }).execute();
    expect(await firstDb.selectFrom("t").selectAll().execute()).toEqual([{ id: 1 }]);
    await first.close();
    expect(await secondDb.selectFrom("t").selectAll().execute()).toEqual([{ id: 1 }]);
    await second.close();
    // Closed for good: another process can now open the file.
    const child = spawnSync(
      process.execPath,
      ["--input-type=module", "-e", `import { DuckDBInstance } from "@duckdb/node-api"; await DuckDBInstance.create(process.argv[1]);`, path],
      { cwd: packageDir, encoding: "utf8" },
    );
    expect(child.stderr).toBe("");
    expect(child.status).toBe(0);
  });

  it("refuses different options for the same file", async () => {
    const path = join(dir, "shared-options.duckdb");
    const first = await connect(path);
    await expect(duckDbSourcePlugin.connect({ path, threads: 1 }, context)).rejects.toThrow(
      /\[reverse-etl\] \[duckdb\] warehouse file .*shared-options.duckdb is already open in this process with other options; give every source/,
    );
    await first.close();
  });
});

describe("options", () => {
  it("resolves a relative path against the config directory", async () => {
    const source = await duckDbSourcePlugin.connect({ path: "relative.duckdb" }, context);
    await source.close();
    expect(existsSync(join(dir, "relative.duckdb"))).toBe(true);
  });

  it("opens read-only when asked, refusing writes", async () => {
    const path = join(dir, "readonly.duckdb");
    const writer = await connect(path);
    await sql`create table t (id integer)`.execute(new Kysely<Record<string, never>>({ dialect: writer.dialect }));
    await writer.close();
    const reader = await duckDbSourcePlugin.connect({ path, readOnly: true, threads: 1, memoryLimit: "256MB" }, context);
    const db = new Kysely<Record<string, never>>({ dialect: reader.dialect });
    await expect(sql`insert into t values (1)`.execute(db)).rejects.toThrow(/read-only/i);
    await db.destroy();
    await reader.close();
  });

  it("gives DuckDB its memory limit and a place to spill: the given tempDirectory, or the system's for :memory:", async () => {
    const settings = async (options: Parameters<typeof duckDbSourcePlugin.connect>[0]) => {
      const source = await duckDbSourcePlugin.connect(options, context);
      const db = new Kysely<Record<string, never>>({ dialect: source.dialect });
      try {
        const { rows } = await sql<{ limit: string; temp: string }>`select current_setting('memory_limit') as "limit", current_setting('temp_directory') as temp`.execute(db);
        return rows[0]!;
      } finally {
        await db.destroy();
        await source.close();
      }
    };
    const given = await settings({ path: join(dir, "spill.duckdb"), memoryLimit: "300MB", tempDirectory: "spill" });
    expect(given.temp).toBe(join(dir, "spill"));
    expect(given.limit).toMatch(/^(286\.1 MiB|300\.0 MB)$/);
    const memory = await settings({ path: ":memory:" });
    expect(memory.temp).toBe(join(tmpdir(), "reverse-etl-duckdb"));
  });

  it("explains a file it cannot open", async () => {
    await expect(connect(join(dir, "missing-dir", "w.duckdb"))).rejects.toThrow(
      /\[reverse-etl\] \[duckdb\] could not open warehouse file .*missing-dir/,
    );
  });

  it("declares a JSON schema that requires path and allows nothing unknown", () => {
    expect(duckDbSourcePlugin.optionsSchema).toMatchObject({ required: ["path"], additionalProperties: false });
    expect(duckDbSourcePlugin.name).toBe("duckdb");
    expect(duckDbSourcePlugin.kind).toBe("source");
  });
});
