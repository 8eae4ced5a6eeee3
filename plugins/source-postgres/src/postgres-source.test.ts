import { ConnectionError, silentLogger, type PluginContext, type SourceConnection } from "@reverse-etl/core";
import { createDatabase, testSourceContract, TEST_POSTGRES_URL_ENV } from "@reverse-etl/testkit";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Kysely, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import postgresSourcePlugin, { postgresFunctions, postgresFunctionsFor } from "./index.js";

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const dir = mkdtempSync(join(tmpdir(), "reverse-etl-postgres-"));
const context: PluginContext = { configDir: dir, name: "warehouse", logger: silentLogger };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The run's cluster (test/support/postgres-setup.ts); fails with the reason it could not start. */
function serverUrl(): string {
  const url = process.env[TEST_POSTGRES_URL_ENV];
  if (!url) throw new Error(process.env.REVERSE_ETL_TEST_POSTGRES_ERROR ?? `${TEST_POSTGRES_URL_ENV} is not set`);
  return url;
}

const databaseUrl = createDatabase(serverUrl(), `source_postgres_${process.pid}`);

async function connect(): Promise<SourceConnection> {
  return postgresSourcePlugin.connect({ url: await databaseUrl, sslmode: "disable" }, context);
}

testSourceContract({
  name: "postgres",
  connect,
  generateRowsSql: (n) => `select n from generate_series(1, ${n}) as g(n)`,
  plugin: postgresSourcePlugin,
  pluginOptions: async () => ({ url: await databaseUrl, sslmode: "disable" as const }),
});

describe("PostgreSQL values as rows carry them", () => {
  let source: SourceConnection;
  let db: Kysely<Record<string, never>>;

  beforeAll(async () => {
    source = await connect();
    db = new Kysely({ dialect: source.dialect });
  });

  afterAll(async () => {
    await db?.destroy();
    await source?.close();
  });

  async function value(expression: string): Promise<unknown> {
    const { rows } = await sql<{ v: unknown }>`select ${sql.raw(expression)} as v`.execute(db);
    return rows[0]!.v;
  }

  it("gives int2 and int4 as numbers", async () => {
    expect(await value("cast(-42 as smallint)")).toBe(-42);
    expect(await value("cast(2147483647 as integer)")).toBe(2147483647);
    expect(await value("cast(-2147483648 as int4)")).toBe(-2147483648);
  });

  it("gives int8 as a number when it is a safe integer, else as its decimal string", async () => {
    expect(await value("cast(9007199254740991 as bigint)")).toBe(9007199254740991);
    expect(await value("cast(-9007199254740991 as bigint)")).toBe(-9007199254740991);
    expect(await value("cast(9007199254740992 as bigint)")).toBe("9007199254740992");
    expect(await value("cast(9007199254740993 as bigint)")).toBe("9007199254740993");
    expect(await value("cast(-9223372036854775808 as bigint)")).toBe("-9223372036854775808");
    expect(await value("count(*)")).toBe(1);
  });

  it("gives numeric as a number when it round-trips within ±2^53, else as its decimal string", async () => {
    expect(await value("cast(1.50 as numeric(10,2))")).toBe(1.5);
    expect(await value("cast(-0.01 as numeric)")).toBe(-0.01);
    expect(await value("cast(0.1 as numeric(38,10))")).toBe(0.1);
    expect(await value("cast(123456789012.345 as numeric)")).toBe(123456789012.345);
    expect(await value("cast(100 as numeric)")).toBe(100);
    expect(await value("cast(0 as numeric(5,2))")).toBe(0);
    expect(await value("cast(12345678901234567890.12 as numeric)")).toBe("12345678901234567890.12");
    expect(await value("cast(1.23456789012345678 as numeric)")).toBe("1.23456789012345678");
    expect(await value("cast(9007199254740993 as numeric)")).toBe("9007199254740993");
    expect(await value("cast(123456789012345 as numeric)")).toBe(123456789012345);
    expect(await value("cast(-1234567890123.45 as numeric)")).toBe(-1234567890123.45);
    expect(await value("cast(1234567890123456 as numeric)")).toBe(1234567890123456);
    expect(await value("cast(0.000001 as numeric)")).toBe(0.000001);
    expect(await value("cast(0.0000001 as numeric)")).toBe("0.0000001");
    expect(await value("cast(0.1234567890123456 as numeric)")).toBe(0.1234567890123456);
    expect(await value("cast(0.30000000000000004 as numeric)")).toBe(0.30000000000000004);
    expect(await value("cast(-0.000 as numeric(5,3))")).toBe(0);
    expect(await value("cast(100000000000000000000 as numeric)")).toBe("100000000000000000000");
    expect(await value("cast('NaN' as numeric)")).toBe("NaN");
  });

  it("gives real and double precision as numbers", async () => {
    expect(await value("cast(2.5 as double precision)")).toBe(2.5);
    expect(await value("cast(0.1 as double precision)")).toBe(0.1);
    expect(await value("cast(0.5 as real)")).toBe(0.5);
  });

  it("gives booleans as booleans", async () => {
    expect(await value("true")).toBe(true);
    expect(await value("false")).toBe(false);
  });

  it("gives text, varchar, unicode and very long text as strings, unchanged", async () => {
    expect(await value("cast('plain' as varchar(10))")).toBe("plain");
    expect(await value("cast('ab' as char(4))")).toBe("ab  ");
    expect(await value("'héllo ✓ 日本語 🚀'")).toBe("héllo ✓ 日本語 🚀");
    expect(await value(`'it''s "quoted" \\ back'`)).toBe(`it's "quoted" \\ back`);
    const long = (await value("repeat('ab✓', 1000000)")) as string;
    expect(long).toHaveLength(3_000_000);
    expect(long.slice(0, 6)).toBe("ab✓ab✓");
  });

  it("gives date as YYYY-MM-DD", async () => {
    expect(await value("date '2024-01-02'")).toBe("2024-01-02");
    expect(await value("date '1969-12-31'")).toBe("1969-12-31");
    expect(await value("date 'infinity'")).toBe("infinity");
  });

  it("gives timestamp (read as UTC) and timestamptz as ISO 8601 in UTC", async () => {
    expect(await value("timestamp '2024-01-02 03:04:05'")).toBe("2024-01-02T03:04:05.000Z");
    expect(await value("timestamp '2024-01-02 03:04:05.678901'")).toBe("2024-01-02T03:04:05.678Z");
    expect(await value("timestamp '1969-12-31 23:59:59.9995'")).toBe("1969-12-31T23:59:59.999Z");
    expect(await value("timestamptz '2024-01-02 05:04:05.123+02'")).toBe("2024-01-02T03:04:05.123Z");
    expect(await value("timestamp 'infinity'")).toBe("infinity");
    expect(await value("timestamp '0044-03-15 12:00:00 BC'")).toBe("-000043-03-15T12:00:00.000Z");
    expect(await value("timestamp '0099-01-02 03:04:05.5'")).toBe("0099-01-02T03:04:05.500Z");
    expect(await value("timestamp '12345-01-02 03:04:05.06'")).toBe("+012345-01-02T03:04:05.060Z");
    expect(await value("timestamptz '2024-01-02 03:04:05.123456+00'")).toBe("2024-01-02T03:04:05.123Z");
    expect(await value("timestamptz '2024-01-02 03:04:05-00:30'")).toBe("2024-01-02T03:34:05.000Z");
    await db.transaction().execute(async (trx) => {
      await sql`set local time zone 'Asia/Kathmandu'`.execute(trx);
      const { rows } = await sql<{ v: unknown }>`select timestamptz '2024-01-02 03:04:05.5Z' as v`.execute(trx);
      expect(rows[0]).toEqual({ v: "2024-01-02T03:04:05.500Z" });
    });
    await db.transaction().execute(async (trx) => {
      await sql`set local time zone 'Asia/Kolkata'`.execute(trx);
      const { rows } = await sql<{ v: unknown; w: unknown }>`select timestamptz '2024-01-02 03:04:05Z' as v, timestamptz '1900-01-01 00:00:00Z' as w`.execute(trx);
      expect(rows[0]).toEqual({ v: "2024-01-02T03:04:05.000Z", w: "1900-01-01T00:00:00.000Z" });
    });
  });

  it("gives time and timetz as the server's text", async () => {
    expect(await value("time '03:04:05.5'")).toBe("03:04:05.5");
    expect(await value("cast('03:04:05+02' as timetz)")).toBe("03:04:05+02");
  });

  it("gives json and jsonb as parsed values", async () => {
    expect(await value(`'{"a": [1, "x", null], "b": {"c": true}}'::json`)).toEqual({ a: [1, "x", null], b: { c: true } });
    expect(await value(`'{"n": 1.5}'::jsonb`)).toEqual({ n: 1.5 });
    expect(await value(`'[1, 2]'::jsonb`)).toEqual([1, 2]);
    expect(await value(`'"text"'::json`)).toBe("text");
  });

  it("gives arrays as arrays, converting their items by type", async () => {
    expect(await value("array[1, 2, null]::int4[]")).toEqual([1, 2, null]);
    expect(await value("array[9007199254740993, 1]::int8[]")).toEqual(["9007199254740993", 1]);
    expect(await value("array['a b', 'c\"d', null]::text[]")).toEqual(["a b", 'c"d', null]);
    expect(await value("array[date '2024-01-02']")).toEqual(["2024-01-02"]);
    expect(await value("array[timestamptz '2024-01-02 03:04:05+00']")).toEqual(["2024-01-02T03:04:05.000Z"]);
    expect(await value("array[[1.5, 2], [3, 4]]::numeric[]")).toEqual([[1.5, 2], [3, 4]]);
    expect(await value(`array['{"a": 1}'::jsonb]`)).toEqual([{ a: 1 }]);
    expect(await value("array[true, false]")).toEqual([true, false]);
    expect(await value("cast('{}' as int4[])")).toEqual([]);
  });

  it("gives uuid as a string and bytea as base64", async () => {
    expect(await value("cast('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' as uuid)")).toBe("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    expect(await value("'\\x00ff616263'::bytea")).toBe(Buffer.from([0, 255, 97, 98, 99]).toString("base64"));
  });

  it("gives NULL of any type as null", async () => {
    for (const type of ["integer", "bigint", "numeric", "text", "date", "timestamp", "timestamptz", "bytea", "integer[]", "json", "jsonb", "uuid", "boolean"]) {
      expect(await value(`cast(null as ${type})`)).toBeNull();
    }
    expect(await value("null")).toBeNull();
  });

  it("converts streamed rows the same way, with the connection's parsers, not pg's global ones", async () => {
    const rows: unknown[] = [];
    const query = sql`(select n, n * 10000000000000000 as big, date '2024-01-01' + n as d from generate_series(0, 2) as g(n))`;
    for await (const row of db.selectFrom(query.as("t")).selectAll().stream(2)) rows.push(row);
    expect(rows).toEqual([
      { n: 0, big: 0, d: "2024-01-01" },
      { n: 1, big: "10000000000000000", d: "2024-01-02" },
      { n: 2, big: "20000000000000000", d: "2024-01-03" },
    ]);
    const { default: pg } = await import("pg");
    expect(pg.types.getTypeParser(1082, "text")("2024-01-02")).toBeInstanceOf(Date);
  });
});

describe("postgresFunctions.jsonObject", () => {
  let source: SourceConnection;
  let db: Kysely<Record<string, never>>;

  beforeAll(async () => {
    source = await connect();
    db = new Kysely({ dialect: source.dialect });
  });

  afterAll(async () => {
    await db?.destroy();
    await source?.close();
  });

  async function json(entries: Parameters<typeof postgresFunctions.jsonObject>[0]): Promise<string> {
    const { rows } = await sql<{ v: string }>`select ${postgresFunctions.jsonObject(entries)} as v`.execute(db);
    return rows[0]!.v;
  }

  it("joins objects wider than a call's 100 arguments into one JSON object, deterministically", async () => {
    for (const width of [50, 51, 100, 120, 151]) {
      const entries = Array.from({ length: width }, (_, i) => [`c${i}`, sql`${sql.lit(i)}::int`] as const);
      const text = await json(entries);
      expect(JSON.parse(text)).toEqual(Object.fromEntries(entries.map(([name], i) => [name, i])));
      expect(await json(entries)).toBe(text);
    }
  });

  it("renders typed timestamps as the driver sends them, whatever the session's time zone", async () => {
    const typed = (type: string, literal: string) =>
      [["at", sql`cast(${sql.lit(literal)} as ${sql.raw(type)})`, type]] as unknown as Parameters<typeof postgresFunctions.jsonObject>[0];
    for (const zone of ["UTC", "America/New_York"]) {
      await db.transaction().execute(async (trx) => {
        await sql`select set_config('TimeZone', ${zone}, true)`.execute(trx);
        const { rows } = await sql<{ tz: string; ts: string; inf: string }>`select
          ${postgresFunctions.jsonObject(typed("timestamp with time zone", "2024-01-02 05:04:05.1239+02"))} as tz,
          ${postgresFunctions.jsonObject(typed("timestamp without time zone", "2024-01-02 03:04:05"))} as ts,
          ${postgresFunctions.jsonObject(typed("timestamp(3) with time zone", "infinity"))} as inf`.execute(trx);
        expect(rows[0]).toEqual({
          tz: '{"at" : "2024-01-02T03:04:05.123Z"}',
          ts: '{"at" : "2024-01-02T03:04:05.000Z"}',
          inf: '{"at" : "infinity"}',
        });
      });
    }
  });
});

describe("adapter.keysUnique", () => {
  it("is true only where PostgreSQL proves the model's keys unique, so core's repeat check runs everywhere else", async () => {
    const source = await connect();
    const db = new Kysely<Record<string, never>>({ dialect: source.dialect });
    const keysUnique = source.adapter.keysUnique!.bind(source.adapter);
    try {
      await sql`create table ku_pk (id bigint primary key, email text, region text, n int)`.execute(db);
      await sql`create table ku_plain (id bigint, email text)`.execute(db);
      await sql`create unique index ku_pk_region_n on ku_pk (region, n)`.execute(db);
      const cases: Array<[string, string[], boolean]> = [
        ["select id, email from ku_pk", ["id"], true],
        ["select id, email from ku_pk where email like 'a%'", ["id"], true],
        ["select region, n from ku_pk", ["region", "n"], true],
        ["select email, count(*) as c from ku_plain group by email", ["email"], true],
        ["select distinct id from ku_plain", ["id"], true],
        ["select id, email from ku_pk", ["email"], false],
        ["select region, n from ku_pk", ["region"], false],
        ["select id, email from ku_plain", ["id"], false],
        ["select id from ku_pk union all select id from ku_pk", ["id"], false],
        ["select * from (values (1), (1)) as v(id)", ["id"], false],
        ["select g as id from generate_series(1, 3) as g", ["id"], false],
        ["select a.id from ku_pk as a join ku_pk as b on b.region = a.region", ["id"], false],
        ["select nonsense from nowhere", ["id"], false],
      ];
      for (const [model, keys, unique] of cases) {
        expect(await keysUnique(db as unknown as Kysely<unknown>, model, keys).catch(() => false), `${model} on ${keys.join(", ")}`).toBe(unique);
      }
    } finally {
      await db.destroy();
      await source.close();
    }
  });
});

describe("describeQuery", () => {
  it("names the columns and their PostgreSQL types without reading a row", async () => {
    const source = await connect();
    const db = new Kysely<Record<string, never>>({ dialect: source.dialect });
    try {
      // Reading the row would fail: 'x' is no integer.
      await sql`create table describe_me as select 'x'::text as v`.execute(db);
      const columns = await source.describeQuery(
        "select 1::bigint as id, 'x'::varchar(20) as name, now() as at, 1.5::numeric(10,2) as amount, null::int[] as tags, cast(v as integer) as boom from describe_me",
      );
      expect(columns).toEqual([
        { name: "id", type: "bigint", kind: "integer" },
        { name: "name", type: "character varying(20)", kind: "text" },
        { name: "at", type: "timestamp with time zone", kind: "timestamp" },
        { name: "amount", type: "numeric(10,2)", kind: "decimal" },
        { name: "tags", type: "integer[]", kind: "array" },
        { name: "boom", type: "integer", kind: "integer" },
      ]);
      await expect(sql`select cast(v as integer) from describe_me`.execute(db)).rejects.toThrow(/invalid input syntax/);
    } finally {
      await db.destroy();
      await source.close();
    }
  });
});

describe("advisory locks", () => {
  it("refuses a second holder of the same name from another connection, and frees it on release", async () => {
    const a = await connect();
    const b = await connect();
    try {
      const release = await a.tryLock!("reverse-etl:state:sync one");
      expect(release).toBeTypeOf("function");
      expect(await b.tryLock!("reverse-etl:state:sync one")).toBeUndefined();
      const other = await b.tryLock!("reverse-etl:state:sync two");
      expect(other).toBeTypeOf("function");
      await other!();
      await release!();
      await release!();
      const again = await b.tryLock!("reverse-etl:state:sync one");
      expect(again).toBeTypeOf("function");
      await again!();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("is released by the server when the holding process is killed", async () => {
    const url = await databaseUrl;
    const holder = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import plugin from "@reverse-etl/source-postgres";
         const source = await plugin.connect({ url: process.argv[1], sslmode: "disable" }, { configDir: ".", name: "w", logger: { debug() {}, info() {}, warn() {} } });
         const release = await source.tryLock("killed holder");
         console.log(release ? "locked" : "refused");
         setInterval(() => {}, 1000);`,
        url,
      ],
      { cwd: packageDir, stdio: ["ignore", "pipe", "inherit"] },
    );
    const source = await connect();
    try {
      await new Promise<void>((resolve, reject) => {
        holder.once("error", reject);
        holder.once("exit", (code) => reject(new Error(`holder exited early with code ${code}`)));
        holder.stdout.on("data", (data: Buffer) => {
          if (data.toString().includes("locked")) resolve();
          else reject(new Error(`holder said ${data.toString()}`));
        });
      });
      expect(await source.tryLock!("killed holder")).toBeUndefined();
      const exited = new Promise((resolve) => holder.once("exit", resolve));
      holder.kill("SIGKILL");
      await exited;
      // The server notices the closed socket at once; poll briefly for the backend to end.
      let release: (() => Promise<void>) | undefined;
      for (let attempt = 0; attempt < 100 && !release; attempt++) {
        release = await source.tryLock!("killed holder");
        if (!release) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(release).toBeTypeOf("function");
      await release!();
    } finally {
      holder.kill("SIGKILL");
      await source.close();
    }
  });
});

describe("the source connection's lifecycle", () => {
  it("lets Kysely be destroyed before or after the source closes, and refuses queries once closed", async () => {
    for (const closeSourceFirst of [true, false]) {
      const source = await connect();
      const db = new Kysely<Record<string, never>>({ dialect: source.dialect });
      await sql`select 1`.execute(db);
      if (closeSourceFirst) {
        await source.close();
        await db.destroy();
      } else {
        await db.destroy();
        await source.close();
      }
      await source.close();
      await expect(source.describeQuery("select 1")).rejects.toThrow(/closed/);
    }
  });
});

describe("row fingerprints and session settings", () => {
  type Fingerprint = NonNullable<SourceConnection["functions"]["fingerprint"]>;
  type Entries = Parameters<Fingerprint>[1];

  /** One typed value of each kind core fingerprints, and a second value of its type that differs from it, if only in its text. */
  const VALUES: Array<{ type: string; value: string; other: string }> = [
    { type: "integer", value: "1", other: "2" },
    { type: "bigint", value: "9007199254740993", other: "9007199254740994" },
    { type: "text", value: "'Alice'", other: "'alice'" },
    { type: "character varying(20)", value: "'plain'", other: "'plain '" },
    { type: "numeric", value: "1.0", other: "1.01" },
    { type: "boolean", value: "true", other: "false" },
    { type: "date", value: "'2024-01-02'", other: "'2024-01-03'" },
    { type: "timestamp without time zone", value: "'2024-01-02 03:04:05'", other: "'2024-01-02 03:04:05.001'" },
    { type: "timestamp with time zone", value: "'2024-01-02 05:04:05+02'", other: "'2024-01-02 05:04:05+03'" },
    { type: "uuid", value: "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", other: "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12'" },
    { type: "jsonb", value: `'{"a": 1}'`, other: `'{"a": 2}'` },
    { type: "json", value: `'{"a":1}'`, other: `'{"a": 1}'` },
    { type: "interval", value: "'1 day'", other: "'24 hours'" },
    { type: "integer[]", value: "'{1,2}'", other: "'{2,1}'" },
  ];
  const SIGNATURE = "sync s: id -> id, v0 -> f0";

  /** The entries of a row of every value, with value `changed` swapped for its other one (or for NULL). */
  function entries(changed?: { index: number; to: "other" | "null" }): Entries {
    return VALUES.map(({ type, value, other }, i) => {
      const literal = changed?.index === i ? (changed.to === "null" ? "null" : other) : value;
      return [`v${i}`, sql`cast(${sql.raw(literal)} as ${sql.raw(type)})`, type] as const;
    });
  }

  /** Fingerprints of the base row and of each variant, in one statement on one session. */
  async function fingerprints(source: SourceConnection): Promise<{ timeZone: string; base: string; variants: Record<string, string> }> {
    const fingerprint = source.functions.fingerprint!;
    const variants: Array<[string, ReturnType<Fingerprint>]> = [
      ["signature", fingerprint(`${SIGNATURE} `, entries())],
      ...VALUES.flatMap(({ type }, index): Array<[string, ReturnType<Fingerprint>]> => [
        [`${type} changed`, fingerprint(SIGNATURE, entries({ index, to: "other" }))],
        [`${type} null`, fingerprint(SIGNATURE, entries({ index, to: "null" }))],
      ]),
    ];
    const db = new Kysely<Record<string, never>>({ dialect: source.dialect });
    try {
      const columns = variants.map(([, expression], i) => sql`${expression} as ${sql.id(`f${i}`)}`);
      const { rows } = await sql<Record<string, string>>`
        select current_setting('TimeZone') as time_zone, ${fingerprint(SIGNATURE, entries())} as base, ${sql.join(columns)}`.execute(db);
      const row = rows[0]!;
      return {
        timeZone: row.time_zone!,
        base: row.base!,
        variants: Object.fromEntries(variants.map(([name], i) => [name, row[`f${i}`]!])),
      };
    } finally {
      await db.destroy();
    }
  }

  async function connectWith(sessionSettings: Record<string, string | number | boolean | null>): Promise<SourceConnection> {
    return postgresSourcePlugin.connect({ url: await databaseUrl, sslmode: "disable", sessionSettings }, context);
  }

  it("gives equal rows equal fingerprints in sessions of different time zones, and tells every single changed value apart", async () => {
    const utc = await connectWith({ TimeZone: "UTC" });
    const kolkata = await connectWith({ TimeZone: "Asia/Kolkata" });
    try {
      expect(utc.functions.fingerprint).toBeTypeOf("function");
      const [a, b] = await Promise.all([fingerprints(utc), fingerprints(kolkata)]);
      expect([a.timeZone, b.timeZone]).toEqual(["UTC", "Asia/Kolkata"]);
      expect(b).toEqual({ ...a, timeZone: b.timeZone });
      expect(a.base).toMatch(/^-?\d+$/);
      expect(Object.keys(a.variants)).toHaveLength(1 + 2 * VALUES.length);
      for (const [name, value] of Object.entries(a.variants)) expect(value, name).not.toBe(a.base);
      // Every variant differs from every other, too: no two changes collide.
      expect(new Set(Object.values(a.variants)).size).toBe(Object.keys(a.variants).length);
    } finally {
      await utc.close();
      await kolkata.close();
    }
  });

  it("hashes a value for its type: a timestamptz by its instant, whatever offset names it; a numeric by its value, whatever its scale", async () => {
    const source = await connect();
    const db = new Kysely<Record<string, never>>({ dialect: source.dialect });
    try {
      const fingerprint = source.functions.fingerprint!;
      const at = (literal: string): Entries => [["at", sql`cast(${sql.lit(literal)} as timestamptz)`, "timestamp with time zone"]];
      const { rows } = await sql<{ a: string; b: string }>`select
        ${fingerprint(SIGNATURE, at("2024-01-02 05:04:05+02"))} as a,
        ${fingerprint(SIGNATURE, at("2024-01-02 03:04:05Z"))} as b`.execute(db);
      expect(rows[0]!.a).toBe(rows[0]!.b);
      // 3.0 and 3.00 are the one number the driver sends for both: the same fingerprint, nothing resent.
      const amount = (literal: string): Entries => [["amount", sql`cast(${sql.raw(literal)} as numeric)`, "numeric"]];
      const numbers = await sql<{ a: string; b: string; c: string }>`select
        ${fingerprint(SIGNATURE, amount("3.0"))} as a, ${fingerprint(SIGNATURE, amount("3.00"))} as b,
        ${fingerprint(SIGNATURE, amount("3.01"))} as c`.execute(db);
      expect(numbers.rows[0]!.a).toBe(numbers.rows[0]!.b);
      expect(numbers.rows[0]!.c).not.toBe(numbers.rows[0]!.a);
    } finally {
      await db.destroy();
      await source.close();
    }
  });

  it("applies the default session settings to every pooled session: jit off, work_mem 64MB", async () => {
    const source = await connect();
    const db = new Kysely<Record<string, never>>({ dialect: source.dialect });
    try {
      // Three connections held at once are three sessions of the pool.
      const sessions = await Promise.all(
        [1, 2, 3].map(() =>
          db.connection().execute(async (connection) => {
            const { rows } = await sql<{ pid: number; jit: string; work_mem: string }>`
              select pg_backend_pid() as pid, current_setting('jit') as jit, current_setting('work_mem') as work_mem, pg_sleep(0.1)`.execute(connection);
            return rows[0]!;
          }),
        ),
      );
      expect(new Set(sessions.map((s) => s.pid)).size).toBe(3);
      for (const session of sessions) expect(session).toMatchObject({ jit: "off", work_mem: "64MB" });
      const { rows } = await sql<{ jit: string }>`show jit`.execute(db);
      expect(rows[0]!.jit).toBe("off");
    } finally {
      await db.destroy();
      await source.close();
    }
  });

  it("merges sessionSettings over the defaults, and null keeps the server's own value", async () => {
    const { default: pg } = await import("pg");
    const plain = new pg.Client({ connectionString: await databaseUrl });
    await plain.connect();
    let serverJit: string;
    try {
      serverJit = (await plain.query<{ jit: string }>("select current_setting('jit') as jit")).rows[0]!.jit;
    } finally {
      await plain.end();
    }
    const source = await connectWith({ jit: null, work_mem: "128MB" });
    const db = new Kysely<Record<string, never>>({ dialect: source.dialect });
    try {
      const { rows } = await sql<{ jit: string; work_mem: string; parallel_tuple_cost: string }>`
        select current_setting('jit') as jit, current_setting('work_mem') as work_mem, current_setting('parallel_tuple_cost') as parallel_tuple_cost`.execute(db);
      expect(rows[0]).toEqual({ jit: serverJit, work_mem: "128MB", parallel_tuple_cost: "0.001" });
    } finally {
      await db.destroy();
      await source.close();
    }
  });

  it("refuses to connect when the server refuses a setting, naming it", async () => {
    const connecting = connectWith({ work_mem: "not a size" });
    await expect(connecting).rejects.toBeInstanceOf(ConnectionError);
    await expect(connecting).rejects.toThrow(/sessionSettings\.work_mem: the server refused "not a size"/);
  });
});

describe("postgresFunctionsFor", () => {
  it("fingerprints with hash_record_extended from PostgreSQL 14, and falls back to core's md5 of the JSON text before", () => {
    expect(postgresFunctionsFor(130_015).fingerprint).toBeUndefined();
    expect(postgresFunctionsFor(130_015)).toBe(postgresFunctions);
    expect(postgresFunctionsFor(140_000).fingerprint).toBeTypeOf("function");
    // Everything else is the same building blocks.
    expect(postgresFunctionsFor(150_018).jsonObject).toBe(postgresFunctions.jsonObject);
    expect(postgresFunctionsFor(150_018).bucket).toBe(postgresFunctions.bucket);
  });
});
