import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonOf, runCli } from "./support/cli.js";
import { startTestSnowflake, type TestSnowflake } from "./support/snowflake.js";
import { projectDir } from "./support/warehouse.js";

let snowflake: TestSnowflake;

beforeAll(async () => {
  snowflake = await startTestSnowflake();
  await snowflake.query("create schema if not exists gold");
});

afterAll(async () => {
  await snowflake?.close();
});

function records(dir: string): Array<{ op: string; key: unknown; fields: Record<string, unknown> }> {
  return readFileSync(join(dir, "out/records.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
}

/** A project whose sync `name` reads model `name`: syncs of one emulator share its state schema. */
function config(dir: string, name: string, model: Record<string, unknown>, sync: Record<string, unknown>): void {
  writeFileSync(
    join(dir, "reverse-etl.config.json"),
    JSON.stringify({
      sources: { warehouse: snowflake.source },
      destinations: { out: { plugin: "@reverse-etl/destination-file", path: "out/records.jsonl" } },
      models: { [name]: { source: "warehouse", ...model } },
      syncs: { [name]: { model: name, destination: "out", mode: "upsert", ...sync } },
    }),
  );
}

describe("Snowflake (emulated) values and names, end to end into a file", () => {
  it("sends every Snowflake type exactly as the README documents, and the next run sends nothing", { timeout: 240_000 }, async () => {
    await snowflake.query(
      `create or replace table gold.typed as select
         1::number(38,0) as id, 12345678901234567890::number(38,0) as big, 9007199254740993::number(38,0) as above53,
         1.50::number(10,2) as amount, 0.1::float as ratio, true as flag, '2024-02-29'::date as day,
         '13:45:30.123456'::time as at_time, '2024-03-03 15:16:01.123'::timestamp_ntz as ntz,
         '2024-03-03 15:16:01.123 +02:00'::timestamp_tz as tz, '2024-03-03 15:16:01.123'::timestamp_ltz as ltz,
         parse_json('{"b": [1, 2], "a": {"x": null}}') as v, object_construct('k', 1) as o,
         array_construct(1, 'two', null) as arr, to_binary('CAFE', 'HEX') as bin,
         'héllo 🌍 "quoted" \\\\ back' as txt, null::varchar as nothing`,
    );
    const columns = ["big", "above53", "amount", "ratio", "flag", "day", "at_time", "ntz", "tz", "ltz", "v", "o", "arr", "bin", "txt", "nothing"];
    const dir = projectDir("e2e-snowflake-types");
    config(dir, "typed", { primaryKey: "id", sql: `select id, ${columns.join(", ")} from gold.typed` }, { fields: Object.fromEntries(columns.map((c) => [c, c])) });

    const first = jsonOf(await runCli(["sync", "--json"], { cwd: dir })).syncs[0];
    expect(first, first.error).toMatchObject({ status: "succeeded", results: { succeeded: 1 } });
    // The loading session ran in Snowflake's default zone, America/Los_Angeles (UTC-8 on 3 March).
    expect(records(dir)).toEqual([
      {
        op: "upsert",
        key: 1,
        fields: {
          big: "12345678901234567890",
          above53: "9007199254740993",
          amount: "1.50",
          ratio: 0.1,
          flag: true,
          day: "2024-02-29",
          at_time: "13:45:30.123456",
          ntz: "2024-03-03T15:16:01.123Z",
          tz: "2024-03-03T13:16:01.123Z",
          ltz: "2024-03-03T23:16:01.123Z",
          v: { a: { x: null }, b: [1, 2] },
          o: { k: 1 },
          arr: [1, "two", null],
          bin: "CAFE",
          txt: 'héllo 🌍 "quoted" \\ back',
          nothing: null,
        },
      },
    ]);
    const second = jsonOf(await runCli(["sync", "--json"], { cwd: dir })).syncs[0];
    expect(second).toMatchObject({ status: "succeeded", counts: { unchanged: 1, changed: 0 }, results: { succeeded: 0 } });
  });

  it("resolves config names against unquoted (upper-case), quoted mixed-case and spaced columns, with a composite key", { timeout: 240_000 }, async () => {
    await snowflake.query(
      `create or replace table gold.people (id number, region varchar, "FirstName" varchar, "last name" varchar, email varchar);
       insert into gold.people values (1, 'eu', 'Ada', 'Lovelace', 'ada@example.com'), (1, 'us', 'Grace', 'Hopper', 'grace@example.com')`,
    );
    const dir = projectDir("e2e-snowflake-names");
    config(
      dir,
      "people",
      { primaryKey: ["id", "REGION"], sql: 'select id, region, "FirstName", "last name", email from gold.people' },
      { fields: { FirstName: "first", "last name": "last", email: "Email" } },
    );
    const plan = jsonOf(await runCli(["plan", "--json"], { cwd: dir })).syncs[0];
    expect(plan.counts).toMatchObject({ added: 2, invalid: 0 });
    const run = jsonOf(await runCli(["sync", "--json"], { cwd: dir })).syncs[0];
    expect(run).toMatchObject({ status: "succeeded", results: { succeeded: 2 } });
    expect(records(dir).sort((a, b) => JSON.stringify(a.key).localeCompare(JSON.stringify(b.key)))).toEqual([
      { op: "upsert", key: { id: 1, REGION: "eu" }, fields: { first: "Ada", last: "Lovelace", Email: "ada@example.com" } },
      { op: "upsert", key: { id: 1, REGION: "us" }, fields: { first: "Grace", last: "Hopper", Email: "grace@example.com" } },
    ]);

    // A name that matches several columns only by case is not guessed: validate names the candidates.
    config(dir, "people", { primaryKey: "id", sql: 'select id, "FirstName", upper("FirstName") as "FIRSTNAME" from gold.people' }, { fields: { firstname: "first" } });
    const validate = await runCli(["validate", "--json"], { cwd: dir });
    expect(validate.code, validate.stdout).toBe(2);
    expect(JSON.stringify(jsonOf(validate).syncs)).toContain(
      JSON.stringify('column "firstname" is not in model "people", and ignoring case it matches "FirstName", "FIRSTNAME": write the one meant with its exact case').slice(1, -1),
    );
  });

  it("reports null and repeated keys as invalid, never sends them, and records them in sync_errors", { timeout: 240_000 }, async () => {
    await snowflake.query(
      `create or replace table gold.keys (id number, name varchar);
       insert into gold.keys values (1, 'one'), (2, 'two'), (2, 'two again'), (null, 'nobody'), (3, 'three')`,
    );
    const dir = projectDir("e2e-snowflake-invalid");
    config(dir, "keys", { primaryKey: "id", sql: "select id, name from gold.keys" }, { fields: { name: "name" } });
    const run = jsonOf(await runCli(["sync", "--json"], { cwd: dir })).syncs[0];
    expect(run).toMatchObject({ status: "succeeded", counts: { added: 2, invalid: 3 }, results: { succeeded: 2 } });
    expect(records(dir).map((r) => r.key).sort()).toEqual([1, 3]);
    const errors = await snowflake.query<{ KIND: string; KEY_VALUE: string | null; MESSAGE: string }>(
      "select kind, key_value, message from reverse_etl.sync_errors where sync_name = 'keys' order by message, key_value",
    );
    expect(errors).toEqual([
      { KIND: "invalid", KEY_VALUE: '{"id":2}', MESSAGE: "duplicate primary key (2 rows share it): rows not sent" },
      { KIND: "invalid", KEY_VALUE: '{"id":2}', MESSAGE: "duplicate primary key (2 rows share it): rows not sent" },
      { KIND: "invalid", KEY_VALUE: '{"id":null}', MESSAGE: "primary key id is null: row not sent" },
    ]);
  });
});
