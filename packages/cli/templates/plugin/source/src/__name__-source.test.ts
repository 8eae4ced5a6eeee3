import { ConnectionError, silentLogger, type PluginContext, type SourceConnection } from "@reverse-etl/core";
import { createDatabase, startPostgres, testSourceContract } from "@reverse-etl/testkit";
import { Kysely, sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import __nameCamel__Source from "./index.js";

// A throwaway PostgreSQL for this test run: initdb and pg_ctl from PATH (or /usr/lib/postgresql/*/bin), or
// the server REVERSE_ETL_TEST_POSTGRES_URL names. Where your warehouse's engine runs locally (CockroachDB,
// Materialize), start that instead; where it cannot (Redshift), keep PostgreSQL for the contract and
// run the same suite against a real cluster in CI.
const server = await startPostgres();
afterAll(() => server.stop());
const url = await createDatabase(server.url, `__nameCamel___test_${process.pid}`);

const context: PluginContext = { configDir: process.cwd(), name: "warehouse", logger: silentLogger };
const connect = (): Promise<SourceConnection> => __nameCamel__Source.connect({ url }, context);

// With `plugin` and `pluginOptions`, the suite also runs the engine on the plugin as `reverse-etl plan` and
// `sync` do: a first sync, a run with nothing to send, an incremental run and mirror deletes into a file.
testSourceContract({
  name: "__name__",
  connect,
  generateRowsSql: (n) => `select n from generate_series(1, ${n}) as g(n)`,
  plugin: __nameCamel__Source,
  pluginOptions: { url },
});

describe("__name__ source", () => {
  it("describes each column with the warehouse's type and core's kind", async () => {
    const source = await connect();
    try {
      const columns = await source.describeQuery(
        "select 1::bigint as id, 'x'::varchar(20) as name, 1.5::numeric(10,2) as amount, now() as at, array[1] as tags",
      );
      expect(columns).toEqual([
        { name: "id", type: "bigint", kind: "integer" },
        { name: "name", type: "character varying(20)", kind: "text" },
        { name: "amount", type: "numeric(10,2)", kind: "decimal" },
        { name: "at", type: "timestamp with time zone", kind: "timestamp" },
        { name: "tags", type: "integer[]", kind: "array" },
      ]);
    } finally {
      await source.close();
    }
  });

  it("gives values as core sends them: exact numbers as numbers, else their text; dates as text; timestamps in UTC", async () => {
    const source = await connect();
    const db = new Kysely<Record<string, never>>({ dialect: source.dialect });
    try {
      const { rows } = await sql<Record<string, unknown>>`select count(*) as n, 9007199254740993::bigint as big, 1.50::numeric(10,2) as amount,
        12345678901234567890.12::numeric as exact, date '2024-01-02' as d, timestamp '2024-01-02 03:04:05.678' as ts`.execute(db);
      expect(rows[0]).toEqual({ n: 1, big: "9007199254740993", amount: 1.5, exact: "12345678901234567890.12", d: "2024-01-02", ts: "2024-01-02T03:04:05.678Z" });
    } finally {
      await db.destroy();
      await source.close();
    }
  });

  it("refuses a wrong password with a ConnectionError naming the server, never the password", async () => {
    const admin = await connect();
    const db = new Kysely<Record<string, never>>({ dialect: admin.dialect });
    const role = `reader_${process.pid}`;
    try {
      await sql`drop role if exists ${sql.id(role)}`.execute(db);
      await sql`create role ${sql.id(role)} login password 'right-password'`.execute(db);
    } finally {
      await db.destroy();
      await admin.close();
    }
    const connecting = __nameCamel__Source.connect({ url, user: role, password: "wrong-password" }, context);
    await expect(connecting).rejects.toBeInstanceOf(ConnectionError);
    await expect(connecting).rejects.toThrow(new RegExp(`could not connect to 127\\.0\\.0\\.1:\\d+/\\w+ as ${role}`));
    await expect(connecting).rejects.not.toThrow(/wrong-password/);
  });
});
