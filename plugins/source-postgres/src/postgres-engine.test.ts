import { ConfiguredProject, silentLogger, SyncLockedError, type ReverseEtlConfig } from "@reverse-etl/core";
import fileDestination from "@reverse-etl/destination-file";
import { createDatabase, TEST_POSTGRES_URL_ENV } from "@reverse-etl/testkit";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import postgresSourcePlugin from "./index.js";

// Names a careless engine would break on: quotes, spaces, dots, and SQL.
const SCHEMA = `gold "x"; drop schema public`;
const TABLE = `cust'omers. v1`;
const KEY = `id "pk"`;
const EMAIL = `e.mail`;
const PLAN = `plan'); drop table x; --`;
const STATE_SCHEMA = `retl state "x"`;
const SYNC = `customers "to" file; --`;

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;
const lit = (text: string) => `'${text.replaceAll("'", "''")}'`;

describe("a sync from PostgreSQL with hostile identifiers, end to end", () => {
  let url: string;
  let dir: string;
  let admin: pg.Client;

  beforeAll(async () => {
    const server = process.env[TEST_POSTGRES_URL_ENV];
    if (!server) throw new Error(process.env.REVERSE_ETL_TEST_POSTGRES_ERROR ?? `${TEST_POSTGRES_URL_ENV} is not set`);
    url = await createDatabase(server, `engine_identifiers_${process.pid}`);
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create schema ${q(SCHEMA)};
      create table ${q(SCHEMA)}.${q(TABLE)} (${q(KEY)} bigint, ${q(EMAIL)} text, ${q(PLAN)} text, updated timestamptz);
      insert into ${q(SCHEMA)}.${q(TABLE)} values
        (1, 'a@example.com', 'free', '2024-01-02 03:04:05+02'),
        (2, 'b@example.com', 'pro', null),
        (3, 'c@example.com', 'it''s "team"', '2024-05-06 00:00:00+00');`);
    dir = mkdtempSync(join(tmpdir(), "reverse-etl-postgres-engine-"));
    mkdirSync(join(dir, "out"));
  });

  afterAll(async () => {
    await admin?.end();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function project(): ConfiguredProject {
    const source = { url, sslmode: "disable" };
    const destination = { path: "out/changes.jsonl", format: "jsonl" };
    const config: ReverseEtlConfig = {
      state: { source: "warehouse", schema: STATE_SCHEMA },
      sources: { warehouse: { plugin: "@reverse-etl/source-postgres", ...source } },
      destinations: { out: { plugin: "@reverse-etl/destination-file", ...destination } },
      models: {
        customers: {
          source: "warehouse",
          primaryKey: KEY,
          sql: `select ${q(KEY)}, ${q(EMAIL)}, ${q(PLAN)}, updated from ${q(SCHEMA)}.${q(TABLE)}`,
        },
      },
      syncs: {
        [SYNC]: { model: "customers", destination: "out", mode: "mirror", fields: { [EMAIL]: "email", [PLAN]: "plan tier", updated: "updated" } },
      },
    } as ReverseEtlConfig;
    return new ConfiguredProject(
      { file: join(dir, "reverse-etl.config.json"), dir, config },
      {
        sources: new Map([["warehouse", { plugin: postgresSourcePlugin as never, options: source, package: "@reverse-etl/source-postgres" }]]),
        destinations: new Map([["out", { plugin: fileDestination as never, options: destination, package: "@reverse-etl/destination-file" }]]),
      },
    );
  }

  function lines(): Array<{ op: string; key: unknown; fields: Record<string, unknown> }> {
    return readFileSync(join(dir, "out/changes.jsonl"), "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
  }

  it("plans, syncs, diffs and mirrors with state in a schema whose name has a space and a quote", async () => {
    let p = project();
    const plan = await p.plan();
    expect(plan.syncs[0]!.counts).toEqual({ added: 3, changed: 0, removed: 0, unchanged: 0, invalid: 0 });
    const first = await p.sync();
    expect(first.syncs[0]!.status).toBe("succeeded");
    expect(first.syncs[0]!.results).toEqual({ succeeded: 3, rejected: 0, failed: 0 });
    expect(lines()).toEqual([
      { op: "upsert", key: 1, fields: { email: "a@example.com", "plan tier": "free", updated: "2024-01-02T01:04:05.000Z" } },
      { op: "upsert", key: 2, fields: { email: "b@example.com", "plan tier": "pro", updated: null } },
      { op: "upsert", key: 3, fields: { email: "c@example.com", "plan tier": `it's "team"`, updated: "2024-05-06T00:00:00.000Z" } },
    ]);
    const second = await p.sync();
    expect(second.syncs[0]!.counts).toMatchObject({ added: 0, changed: 0, unchanged: 3 });
    await p.close();

    await admin.query(`update ${q(SCHEMA)}.${q(TABLE)} set ${q(PLAN)} = 'enterprise' where ${q(KEY)} = 2;
      delete from ${q(SCHEMA)}.${q(TABLE)} where ${q(KEY)} = 3;`);
    p = project();
    const third = await p.sync();
    expect(third.syncs[0]!.counts).toMatchObject({ changed: 1, removed: 1, unchanged: 1 });
    expect(third.syncs[0]!.status).toBe("succeeded");
    expect(lines().map((l) => [l.op, l.key])).toEqual([
      ["upsert", 2],
      ["delete", 3],
    ]);
    // The values' JSON that commits and samples build from the snapshot's columns is the model's own.
    expect(third.syncs[0]!.samples.changed.map((s) => s.changes)).toEqual([[{ field: "plan tier", from: "pro", to: "enterprise" }]]);
    const state = await admin.query(
      `select s.row_key, s.row_values = json_build_object(${lit(EMAIL)}, m.${q(EMAIL)}, ${lit(PLAN)}, m.${q(PLAN)}, 'updated',
         to_char(m.updated at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))::text as same
       from ${q(STATE_SCHEMA)}.sync_state as s join ${q(SCHEMA)}.${q(TABLE)} as m on s.row_key = m.${q(KEY)}::text order by 1`,
    );
    expect(state.rows).toEqual([{ row_key: "1", same: true }, { row_key: "2", same: true }]);
    const runs = await p.runs();
    expect(runs.map((r) => r.status)).toEqual(["succeeded", "succeeded", "succeeded"]);
    await p.close();

    const { rows } = await admin.query(
      `select sync_name, count(*)::int as n from ${q(STATE_SCHEMA)}.sync_state group by sync_name`,
    );
    expect(rows).toEqual([{ sync_name: SYNC, n: 2 }]);
    const tables = await admin.query(`select table_name from information_schema.tables where table_schema = ${lit(STATE_SCHEMA)} order by 1`);
    expect(tables.rows.map((r) => r.table_name)).toEqual(["schema_migrations", "sync_columns", "sync_errors", "sync_locks", "sync_runs", "sync_state"]);
    // Nothing the names carried ran as SQL.
    const schemas = await admin.query(`select nspname from pg_namespace where nspname in ('public', ${lit(SCHEMA)})`);
    expect(schemas.rows).toHaveLength(2);
  });

  it("refuses a run while another session holds the sync's advisory lock, and runs once it is released", async () => {
    const holder = await postgresSourcePlugin.connect({ url, sslmode: "disable" }, { configDir: dir, name: "holder", logger: silentLogger });
    const release = await holder.tryLock!(`reverse-etl:${STATE_SCHEMA}:${SYNC}`);
    expect(release).toBeTypeOf("function");
    const p = project();
    try {
      const refused = await p.sync().then(
        (report) => report.syncs[0],
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(SyncLockedError);
      expect((refused as Error).message).toContain(`sync "${SYNC}" is already running in another process`);
      await release!();
      const run = await p.sync();
      expect(run.syncs[0]!.status).toBe("succeeded");
    } finally {
      await p.close();
      await holder.close();
    }
  });

  it("reports null and duplicate keys as invalid, records them in sync_errors, and never sends them", async () => {
    await admin.query(`insert into ${q(SCHEMA)}.${q(TABLE)} values
      (null, 'nokey@example.com', 'free', null), (10, 'x@example.com', 'pro', null), (10, 'y@example.com', 'pro', null);`);
    const p = project();
    try {
      const run = await p.sync();
      const report = run.syncs[0]!;
      expect(report.counts).toMatchObject({ added: 0, changed: 0, removed: 0, unchanged: 2, invalid: 3 });
      expect(report.status).toBe("succeeded");
      expect(report.results).toEqual({ succeeded: 0, rejected: 0, failed: 0 });
      expect(lines().some((line) => line.key === 10 || line.key === null)).toBe(false);
      const { rows } = await admin.query(
        `select row_key, kind, message from ${q(STATE_SCHEMA)}.sync_errors where run_id = $1 order by row_key nulls first`,
        [report.runId],
      );
      expect(rows).toEqual([
        { row_key: null, kind: "invalid", message: `primary key ${KEY} is null: row not sent` },
        { row_key: "10", kind: "invalid", message: "duplicate primary key (2 rows share it): rows not sent" },
        { row_key: "10", kind: "invalid", message: "duplicate primary key (2 rows share it): rows not sent" },
      ]);
    } finally {
      await p.close();
    }
  });
});
