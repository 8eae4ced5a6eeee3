import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { jsonOf, runCli } from "./support/cli.js";
import { projectDir } from "./support/warehouse.js";

/**
 * The emulated end-to-end checks against a real Snowflake account, to compare the emulator with the real
 * thing. Runs only when SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER, SNOWFLAKE_DATABASE, SNOWFLAKE_WAREHOUSE and a
 * credential (SNOWFLAKE_PASSWORD or SNOWFLAKE_PRIVATE_KEY_PATH) are set; SNOWFLAKE_ROLE is optional. It
 * works in a schema of its own, RETL_LIVE_<random>, dropped at the end with the state schema it used.
 */
const env = process.env;
const credential = env.SNOWFLAKE_PASSWORD ? { password: env.SNOWFLAKE_PASSWORD } : env.SNOWFLAKE_PRIVATE_KEY_PATH ? { privateKeyPath: env.SNOWFLAKE_PRIVATE_KEY_PATH } : undefined;
const live = Boolean(env.SNOWFLAKE_ACCOUNT && env.SNOWFLAKE_USER && env.SNOWFLAKE_DATABASE && env.SNOWFLAKE_WAREHOUSE && credential);
const suffix = randomBytes(4).toString("hex").toUpperCase();
const schema = `RETL_LIVE_${suffix}`;
const stateSchema = `RETL_LIVE_STATE_${suffix}`;

function source(): Record<string, unknown> {
  return {
    plugin: "@reverse-etl/source-snowflake",
    account: env.SNOWFLAKE_ACCOUNT,
    username: env.SNOWFLAKE_USER,
    database: env.SNOWFLAKE_DATABASE,
    warehouse: env.SNOWFLAKE_WAREHOUSE,
    ...(env.SNOWFLAKE_ROLE ? { role: env.SNOWFLAKE_ROLE } : {}),
    ...credential,
  };
}

async function run(sqlText: string): Promise<void> {
  const { connectSnowflakeSource } = await import("@reverse-etl/source-snowflake");
  const { sql, Kysely } = await import("kysely");
  const connection = await connectSnowflakeSource(source() as never, { configDir: process.cwd() });
  const db = new Kysely<unknown>({ dialect: connection.dialect });
  try {
    for (const statement of sqlText.split(";").map((s) => s.trim()).filter(Boolean)) await sql.raw(statement).execute(db);
  } finally {
    await db.destroy();
    await connection.close();
  }
}

afterAll(async () => {
  if (live) await run(`drop schema if exists ${schema} cascade; drop schema if exists "${stateSchema.toLowerCase()}" cascade; drop schema if exists ${stateSchema} cascade`);
});

describe.skipIf(!live)("a real Snowflake account (SNOWFLAKE_ACCOUNT and credentials set)", () => {
  it("sends every type as against the emulator, then nothing the second time", { timeout: 600_000 }, async () => {
    await run(
      `create schema if not exists ${schema};
       create or replace table ${schema}.typed as select
         1::number(38,0) as id, 12345678901234567890::number(38,0) as big, 1.50::number(10,2) as amount, 0.1::float as ratio,
         true as flag, '2024-02-29'::date as day, '13:45:30.123456'::time as at_time,
         '2024-03-03 15:16:01.123'::timestamp_ntz as ntz, '2024-03-03 15:16:01.123 +02:00'::timestamp_tz as tz,
         parse_json('{"b": [1, 2], "a": {"x": null}}') as v, array_construct(1, 'two', null) as arr,
         to_binary('CAFE', 'HEX') as bin, 'héllo 🌍' as txt`,
    );
    const columns = ["big", "amount", "ratio", "flag", "day", "at_time", "ntz", "tz", "v", "arr", "bin", "txt"];
    const dir = projectDir("live-snowflake");
    writeFileSync(
      join(dir, "reverse-etl.config.json"),
      JSON.stringify({
        state: { source: "warehouse", schema: stateSchema },
        sources: { warehouse: source() },
        destinations: { out: { plugin: "@reverse-etl/destination-file", path: "out/records.jsonl" } },
        models: { typed: { source: "warehouse", primaryKey: "id", sql: `select id, ${columns.join(", ")} from ${schema}.typed` } },
        syncs: { typed: { model: "typed", destination: "out", fields: Object.fromEntries(columns.map((c) => [c, c])) } },
      }),
    );
    const first = jsonOf(await runCli(["sync", "--json"], { cwd: dir })).syncs[0];
    expect(first, first.error).toMatchObject({ status: "succeeded", results: { succeeded: 1 } });
    expect(JSON.parse(readFileSync(join(dir, "out/records.jsonl"), "utf8").trim())).toEqual({
      op: "upsert",
      key: 1,
      fields: {
        big: "12345678901234567890",
        amount: "1.50",
        ratio: 0.1,
        flag: true,
        day: "2024-02-29",
        at_time: "13:45:30.123456",
        ntz: "2024-03-03T15:16:01.123Z",
        tz: "2024-03-03T13:16:01.123Z",
        v: { a: { x: null }, b: [1, 2] },
        arr: [1, "two", null],
        bin: "CAFE",
        txt: "héllo 🌍",
      },
    });
    const second = jsonOf(await runCli(["sync", "--json"], { cwd: dir })).syncs[0];
    expect(second).toMatchObject({ status: "succeeded", counts: { unchanged: 1 }, results: { succeeded: 0 } });
  });
});
