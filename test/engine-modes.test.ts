import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  ConfiguredProject,
  defineDestinationPlugin,
  type OutgoingRecord,
  type ReverseEtlConfig,
  type SyncConfig,
} from "@reverse-etl/core";
import duckdb from "@reverse-etl/source-duckdb";
import fileDestination from "@reverse-etl/destination-file";
import webhookDestination from "@reverse-etl/destination-webhook";
import { startWebhookReceiver, type WebhookReceiver } from "@reverse-etl/destination-webhook/emulator";
import { duck, projectDir, seedCustomers } from "./support/warehouse.js";

const projects: ConfiguredProject[] = [];
let receiver: WebhookReceiver | undefined;
afterEach(async () => {
  for (const p of projects.splice(0)) await p.close();
  await receiver?.close();
  receiver = undefined;
});

function open(
  dir: string,
  sync: Partial<SyncConfig>,
  destination: { plugin: unknown; options: Record<string, unknown> },
  extra: Partial<ReverseEtlConfig> = {},
  primaryKey: string | string[] = "id",
  modelSql = "select id, email, plan, ltv from gold.customers",
): ConfiguredProject {
  const config: ReverseEtlConfig = {
    sources: { warehouse: { plugin: "@reverse-etl/source-duckdb", path: "warehouse.duckdb" } },
    destinations: { target: { plugin: "target", ...destination.options } },
    models: { customers: { source: "warehouse", primaryKey, sql: modelSql } },
    syncs: { s: { model: "customers", destination: "target", fields: { email: "email", plan: "plan_tier" }, ...sync } },
    ...extra,
  };
  const project = new ConfiguredProject(
    { file: join(dir, "reverse-etl.config.json"), dir, config },
    {
      sources: new Map([["warehouse", { plugin: duckdb as never, options: { path: "warehouse.duckdb" }, package: "@reverse-etl/source-duckdb" }]]),
      destinations: new Map([["target", { plugin: destination.plugin as never, options: destination.options, package: "target" }]]),
    },
  );
  projects.push(project);
  return project;
}

const file = (path = "out/changes.jsonl") => ({ plugin: fileDestination, options: { path } });
const lines = (dir: string) =>
  readFileSync(join(dir, "out/changes.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { op: string; key: unknown; fields: Record<string, unknown> });

describe("sync modes and options", () => {
  it("insert mode sends only new rows; --full resends every row", async () => {
    const dir = projectDir("modes-insert");
    await seedCustomers(join(dir, "warehouse.duckdb"), 20);
    let p = open(dir, { mode: "insert" }, file());
    expect((await p.sync()).syncs[0]!.results.succeeded).toBe(20);
    await p.close();
    await duck(
      join(dir, "warehouse.duckdb"),
      "update gold.customers set plan = 'x' where id <= 5; insert into gold.customers values (21, 'n@x', 'New', 'free', 1)",
    );
    p = open(dir, { mode: "insert" }, file());
    const run = (await p.sync()).syncs[0]!;
    expect(run.counts).toMatchObject({ added: 1, changed: 5 });
    expect(run.operations).toEqual({ write: 1, delete: 0 });
    expect(lines(dir)).toEqual([{ op: "insert", key: 21, fields: { email: "n@x", plan_tier: "free" } }]);
    const full = (await p.sync({ full: true })).syncs[0]!;
    expect(full.results.succeeded).toBe(21);
    expect(lines(dir)).toHaveLength(21);
  });

  it("update mode sends changes as updates; a destination that knows no such record rejects it", async () => {
    const dir = projectDir("modes-update");
    await seedCustomers(join(dir, "warehouse.duckdb"), 10);
    receiver = await startWebhookReceiver();
    receiver.rejectRecord((record, operation) => operation === "update" && Number(record.key) > 8, "RECORD_NOT_FOUND");
    const p = open(dir, { mode: "update" }, { plugin: webhookDestination, options: { url: receiver.url } });
    const run = (await p.sync()).syncs[0]!;
    expect(run.results).toEqual({ succeeded: 8, rejected: 2, failed: 0 });
    expect(receiver.requests.every((r) => r.payload?.operation === "update")).toBe(true);
  });

  it("composite primary keys: rows are keyed by every key column and the file carries the key object", async () => {
    const dir = projectDir("modes-composite");
    await duck(
      join(dir, "warehouse.duckdb"),
      `create schema gold; create table gold.customers as
         select i % 3 as region, i as id, 'u' || i || '@x' as email, 'free' as plan from range(1, 7) t(i);
       insert into gold.customers values (1, 1, 'dup@x', 'pro');`,
    );
    const p = open(dir, {}, file(), {}, ["region", "id"], "select region, id, email, plan from gold.customers");
    const run = (await p.sync()).syncs[0]!;
    expect(run.counts).toMatchObject({ added: 5, invalid: 2 });
    expect(lines(dir)[0]).toEqual({ op: "upsert", key: { region: 0, id: 3 }, fields: { email: "u3@x", plan_tier: "free" } });
    expect(run.samples.invalid.map((s) => s.key)).toEqual([{ region: 1, id: 1 }, { region: 1, id: 1 }]);
  });

  it("keeps state in a configurable schema, created by versioned migrations", async () => {
    const dir = projectDir("modes-schema");
    const warehouse = join(dir, "warehouse.duckdb");
    await seedCustomers(warehouse, 5);
    const p = open(dir, {}, file(), { state: { schema: "ops state" } });
    await p.sync();
    await p.close();
    const tables = await duck<{ table_name: string }>(
      warehouse,
      "select table_name from information_schema.tables where table_schema = 'ops state' order by 1",
    );
    expect(tables.map((t) => t.table_name)).toEqual(["schema_migrations", "sync_columns", "sync_errors", "sync_locks", "sync_runs", "sync_state"]);
    expect(await duck(warehouse, `select version, name from "ops state".schema_migrations order by version`)).toEqual([
      { version: 1, name: "create state, runs, errors and locks" },
      { version: 2, name: "remember each sync's model columns, to catch schema drift" },
      { version: 3, name: "record the scheduled time a queued run is for" },
    ]);
  });

  it("with retryRejected: false a rejected row is remembered and not resent until it changes", async () => {
    const dir = projectDir("modes-noretry");
    const warehouse = join(dir, "warehouse.duckdb");
    await seedCustomers(warehouse, 10);
    receiver = await startWebhookReceiver();
    receiver.rejectRecord((record) => record.key === "3", "billing: refused");
    let p = open(dir, { retryRejected: false }, { plugin: webhookDestination, options: { url: receiver.url } });
    expect((await p.sync()).syncs[0]!.results).toEqual({ succeeded: 9, rejected: 1, failed: 0 });
    const again = (await p.sync()).syncs[0]!;
    expect(again.counts).toMatchObject({ unchanged: 10, added: 0 });
    await p.close();
    await duck(warehouse, "update gold.customers set plan = 'pro' where id = 3");
    p = open(dir, { retryRejected: false }, { plugin: webhookDestination, options: { url: receiver.url } });
    expect((await p.sync()).syncs[0]!.counts).toMatchObject({ changed: 1 });
  });

  it("a destination whose quota is spent ends the run as partial; the rest is sent by the next run", async () => {
    const dir = projectDir("modes-quota");
    await seedCustomers(join(dir, "warehouse.duckdb"), 50);
    const delivered: OutgoingRecord[] = [];
    let quota = 3; // calls left today
    const quotaDestination = defineDestinationPlugin({
      name: "quota",
      optionsSchema: { type: "object" },
      async connect() {
        return {
          capabilities: { modes: ["upsert"], maxBatchSize: 10 },
          async check() {},
          async describe(object) {
            return { object, fields: [], identifiers: [], acceptsAnyField: true };
          },
          async write(_operation, records) {
            if (quota-- <= 0) return { type: "stop", message: "daily limit reached" };
            delivered.push(...records);
            return { type: "results", results: records.map(() => ({ status: "ok" as const })) };
          },
          async close() {},
        };
      },
    });
    const p = open(dir, {}, { plugin: quotaDestination, options: {} });
    const first = (await p.sync()).syncs[0]!;
    expect(first.status).toBe("partial");
    expect(first.errorCode).toBe("DestinationQuotaError");
    expect(first.results).toEqual({ succeeded: 30, rejected: 0, failed: 20 });
    quota = 100;
    const second = (await p.sync()).syncs[0]!;
    expect(second.counts).toMatchObject({ added: 20, unchanged: 30 });
    expect(second.status).toBe("succeeded");
    expect(new Set(delivered.map((r) => r.key)).size).toBe(50);
    expect(delivered).toHaveLength(50);
  });

  it("catches schema drift at plan time: a column whose type changed is named, a column gone fails with the fix", async () => {
    const dir = projectDir("modes-drift");
    const warehouse = join(dir, "warehouse.duckdb");
    await seedCustomers(warehouse, 5);
    let p = open(dir, {}, file());
    await p.sync();
    await p.close();
    await duck(warehouse, "alter table gold.customers alter plan type varchar(20); alter table gold.customers alter email set data type blob using encode(email)");
    p = open(dir, {}, file());
    const plan = (await p.plan()).syncs[0]!;
    expect(plan.warnings.join("\n")).toContain('schema drift: column "email" of model "customers" changed type from VARCHAR to BLOB');
    await p.close();
    await duck(warehouse, "alter table gold.customers drop column plan");
    p = open(dir, {}, file(), {}, "id", "select id, email, ltv from gold.customers");
    await expect(p.plan()).rejects.toThrow(
      /\/syncs\/s\/fields\/plan: schema drift: column "plan" \(VARCHAR\) was in model "customers" at the last sync and is gone now/,
    );
  });
});

describe("mapping changes", () => {
  const renamed = 'mapping changed since the last sync: column "plan" now maps to field "plan" (was "plan_tier"); every row will be sent again, because a row\'s fingerprint covers the mapping';

  it("records the mapping a sync ran with and says, in plan and sync, that a renamed field resends every row", async () => {
    const dir = projectDir("modes-mapping");
    const warehouse = join(dir, "warehouse.duckdb");
    await seedCustomers(warehouse, 5);
    let p = open(dir, {}, file());
    expect((await p.sync()).syncs[0]!.warnings).toEqual([]);
    await p.close();
    const [recorded] = await duck<{ columns: string }>(warehouse, "select columns from reverse_etl.sync_columns where sync_name = 's'");
    expect(JSON.parse(recorded!.columns)).toEqual({
      columns: { id: "BIGINT", email: "VARCHAR", plan: "VARCHAR" },
      mapping: { object: null, fields: { email: "email", plan: "plan_tier" }, match: {} },
    });

    p = open(dir, { fields: { email: "email", plan: "plan" } }, file());
    const plan = (await p.plan()).syncs[0]!;
    expect(plan.counts).toEqual({ added: 0, changed: 5, removed: 0, unchanged: 0, invalid: 0 });
    expect(plan.warnings).toEqual([renamed]);
    const run = (await p.sync()).syncs[0]!;
    expect(run.warnings).toEqual([renamed]);
    expect(run.results).toEqual({ succeeded: 5, rejected: 0, failed: 0 });
    // The new mapping is now the one recorded: the next plan has nothing to say about it.
    const after = (await p.plan()).syncs[0]!;
    expect(after.counts.unchanged).toBe(5);
    expect(after.warnings).toEqual([]);
  });

  it("reads columns recorded before mappings were (a bare name -> type object): drift is still caught, a mapping change is not guessed", async () => {
    const dir = projectDir("modes-mapping-old-state");
    const warehouse = join(dir, "warehouse.duckdb");
    await seedCustomers(warehouse, 5);
    let p = open(dir, {}, file());
    await p.sync();
    await p.close();
    await duck(warehouse, `update reverse_etl.sync_columns set columns = '{"id":"BIGINT","email":"BLOB","plan":"VARCHAR"}'`);
    p = open(dir, { fields: { email: "email", plan: "plan" } }, file());
    const plan = (await p.plan()).syncs[0]!;
    expect(plan.counts.changed).toBe(5);
    expect(plan.warnings).toEqual([
      'schema drift: column "email" of model "customers" changed type from BLOB to VARCHAR since the last sync; rows whose value now renders differently will be sent again',
    ]);
  });
});
