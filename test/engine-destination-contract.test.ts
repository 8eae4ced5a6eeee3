import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  ConfiguredProject,
  defineDestinationPlugin,
  type FlushRecordResult,
  type ReverseEtlConfig,
  type SyncConfig,
  type SyncContext,
  type WriteOperation,
} from "@reverse-etl/core";
import duckdb from "@reverse-etl/source-duckdb";
import postgres from "@reverse-etl/source-postgres";
import { duck, projectDir, seedCustomers } from "./support/warehouse.js";
import { makeWarehouse, seedCustomersIn, WAREHOUSES, type TestWarehouse } from "./support/warehouses.js";

/**
 * A destination that learns each record's outcome only at `flush()`, as a bulk job does (Salesforce Bulk
 * API 2.0: per-record successful, failed and unprocessed results once the job ends). Its records live in
 * `held`; `answer` decides each deferred record's result at flush.
 */
function bulkDestination(answer: (key: string) => FlushRecordResult | undefined, maxBatchSize = 7) {
  const held = new Map<string, Record<string, unknown>>();
  const writes: Array<{ operation: WriteOperation; keys: string[]; options: Readonly<Record<string, unknown>> }> = [];
  let job: Array<{ key: string; fields: Record<string, unknown> }> = [];
  const plugin = defineDestinationPlugin({
    name: "bulk",
    optionsSchema: { type: "object", additionalProperties: false },
    syncOptionsSchema: {
      type: "object",
      properties: { bulk: { enum: ["auto", "always", "never"], default: "auto" }, jobSize: { type: "integer", minimum: 1 } },
      additionalProperties: false,
    },
    async connect() {
      return {
        capabilities: { modes: ["upsert", "mirror"], maxBatchSize },
        async check() {},
        async describe() {
          return { object: undefined, fields: [], identifiers: [], acceptsAnyField: true };
        },
        async write(operation, records, context) {
          writes.push({ operation, keys: records.map((r) => r.key), options: context.options });
          job.push(...records.map((r) => ({ key: r.key, fields: { ...r.fields } })));
          return { type: "results", results: records.map(() => ({ status: "deferred" as const })) };
        },
        async flush(context: SyncContext) {
          // Closing the job and reading its results are two more requests.
          await context.acquireRequests(2);
          const results = new Map<string, FlushRecordResult>();
          for (const { key, fields } of job) {
            const result = answer(key);
            if (result === undefined) continue;
            results.set(key, result);
            if (result.status === "ok") held.set(key, fields);
          }
          job = [];
          return { type: "results", results };
        },
        async close() {},
      };
    },
  });
  return { plugin, held, writes };
}

const projects: ConfiguredProject[] = [];
afterEach(async () => {
  for (const p of projects.splice(0)) await p.close();
});

function open(dir: string, plugin: unknown, sync: Partial<SyncConfig> = {}, syncOptions?: Record<string, unknown>): ConfiguredProject {
  const config: ReverseEtlConfig = {
    sources: { warehouse: { plugin: "@reverse-etl/source-duckdb", path: "warehouse.duckdb" } },
    destinations: { target: { plugin: "bulk" } },
    models: { customers: { source: "warehouse", primaryKey: "id", sql: "select id, email, plan from gold.customers" } },
    syncs: { s: { model: "customers", destination: "target", fields: { email: "email", plan: "plan" }, ...sync } },
  };
  const project = new ConfiguredProject(
    { file: join(dir, "reverse-etl.config.json"), dir, config },
    {
      sources: new Map([["warehouse", { plugin: duckdb as never, options: { path: "warehouse.duckdb" }, package: "@reverse-etl/source-duckdb" }]]),
      destinations: new Map([["target", { plugin: plugin as never, options: {}, package: "bulk" }]]),
      ...(syncOptions ? { syncOptions: new Map([["s", syncOptions]]) } : {}),
    },
  );
  projects.push(project);
  return project;
}

describe("per-record results at flush", () => {
  it("commits only the records the flush confirmed; rejected and unanswered ones are recorded and sent again", async () => {
    const dir = projectDir("flush-results");
    const file = join(dir, "warehouse.duckdb");
    await seedCustomers(file, 20);
    // Keys 3, 6, ... are refused; 5 and 10 are left unprocessed; 7 gets no answer at all.
    const answer = (key: string): FlushRecordResult | undefined => {
      const id = Number(key);
      if (id === 7) return undefined;
      if (id % 3 === 0) return { status: "rejected", message: `INVALID_EMAIL: record ${id}` };
      if (id % 5 === 0) return { status: "retryable", message: "UNPROCESSED: the job timed out" };
      return { status: "ok" };
    };
    const bulk = bulkDestination(answer);
    const run = (await open(dir, bulk.plugin).sync()).syncs[0]!;

    const rejected = [3, 6, 9, 12, 15, 18];
    const failed = [5, 7, 10, 20];
    const ok = Array.from({ length: 20 }, (_, i) => i + 1).filter((id) => !rejected.includes(id) && !failed.includes(id));
    expect(run.status).toBe("partial");
    expect(run.results).toEqual({ succeeded: ok.length, rejected: rejected.length, failed: failed.length });
    expect([...bulk.held.keys()].map(Number).sort((a, b) => a - b)).toEqual(ok);
    await projects.splice(0)[0]!.close();

    const state = await duck<{ row_key: string }>(file, "select row_key from reverse_etl.sync_state where sync_name = 's' order by row_key::int");
    expect(state.map((r) => Number(r.row_key))).toEqual(ok);
    const errors = await duck<{ row_key: string; kind: string; message: string }>(
      file,
      "select row_key, kind, message from reverse_etl.sync_errors where sync_name = 's' order by row_key::int",
    );
    expect(errors).toEqual([
      { row_key: "3", kind: "rejected", message: "INVALID_EMAIL: record 3" },
      { row_key: "5", kind: "failed", message: "not delivered: UNPROCESSED: the job timed out" },
      { row_key: "6", kind: "rejected", message: "INVALID_EMAIL: record 6" },
      { row_key: "7", kind: "failed", message: "not delivered: the destination gave no result for this record at flush" },
      { row_key: "9", kind: "rejected", message: "INVALID_EMAIL: record 9" },
      { row_key: "10", kind: "failed", message: "not delivered: UNPROCESSED: the job timed out" },
      { row_key: "12", kind: "rejected", message: "INVALID_EMAIL: record 12" },
      { row_key: "15", kind: "rejected", message: "INVALID_EMAIL: record 15" },
      { row_key: "18", kind: "rejected", message: "INVALID_EMAIL: record 18" },
      { row_key: "20", kind: "failed", message: "not delivered: UNPROCESSED: the job timed out" },
    ]);

    // The next run sends exactly the records that were not confirmed, and this time all succeed.
    const retry = bulkDestination(() => ({ status: "ok" }));
    const second = (await open(dir, retry.plugin).sync()).syncs[0]!;
    expect(second.counts).toMatchObject({ added: rejected.length + failed.length, unchanged: ok.length });
    expect(retry.writes.flatMap((w) => w.keys).map(Number).sort((a, b) => a - b)).toEqual([...rejected, ...failed].sort((a, b) => a - b));
    expect(second.results).toEqual({ succeeded: 10, rejected: 0, failed: 0 });
  });

  it("remembers rejected records when the sync does not retry them", async () => {
    const dir = projectDir("flush-results-no-retry");
    const file = join(dir, "warehouse.duckdb");
    await seedCustomers(file, 6);
    const bulk = bulkDestination((key) => (key === "2" ? { status: "rejected", message: "DUPLICATE_VALUE" } : { status: "ok" }));
    const run = (await open(dir, bulk.plugin, { retryRejected: false }).sync()).syncs[0]!;
    expect(run.results).toEqual({ succeeded: 5, rejected: 1, failed: 0 });
    const plan = (await open(dir, bulkDestination(() => ({ status: "ok" })).plugin, { retryRejected: false }).plan()).syncs[0]!;
    expect(plan.counts).toMatchObject({ added: 0, changed: 0, unchanged: 6 });
  });
});

/** A sync of `gold.customers` on `warehouse` to `plugin`, through the warehouse's own source plugin. */
function openOn(dir: string, warehouse: TestWarehouse, plugin: unknown, sync: Partial<SyncConfig> = {}): ConfiguredProject {
  const { plugin: pluginPackage, ...sourceOptions } = warehouse.source as { plugin: string } & Record<string, unknown>;
  const config: ReverseEtlConfig = {
    sources: { warehouse: warehouse.source as ReverseEtlConfig["sources"][string] },
    destinations: { target: { plugin: "bulk" } },
    models: { customers: { source: "warehouse", primaryKey: "id", sql: "select id, email, plan from gold.customers" } },
    syncs: { s: { model: "customers", destination: "target", fields: { email: "email", plan: "plan" }, ...sync } },
  };
  const project = new ConfiguredProject(
    { file: join(dir, "reverse-etl.config.json"), dir, config },
    {
      sources: new Map([["warehouse", { plugin: (warehouse.kind === "duckdb" ? duckdb : postgres) as never, options: sourceOptions, package: pluginPackage }]]),
      destinations: new Map([["target", { plugin: plugin as never, options: {}, package: "bulk" }]]),
    },
  );
  projects.push(project);
  return project;
}

describe.each(WAREHOUSES)("per-record results at flush, in bulk, on %s", (kind) => {
  it("commits and remembers thousands of keys answered at flush (more than one statement binds), and only those", async () => {
    const dir = projectDir(`flush-results-bulk-${kind}`);
    const warehouse = await makeWarehouse(kind, dir);
    await seedCustomersIn(warehouse, 12_000);
    // Over 5,000 keys each way: PostgreSQL stages them (adapter.textValues), DuckDB binds each slice as one LIST.
    const bulk = bulkDestination((key) => (Number(key) % 2 === 0 ? { status: "rejected", message: "DUPLICATE_VALUE" } : { status: "ok" }), 1000);
    const run = (await openOn(dir, warehouse, bulk.plugin, { retryRejected: false }).sync()).syncs[0]!;
    expect(run.results).toEqual({ succeeded: 6000, rejected: 6000, failed: 0 });
    await projects.splice(0)[0]!.close();

    const state = await warehouse.query<{ status: string; n: string | number; odd: string | number }>(
      "select status, count(*) as n, sum(cast(row_key as integer) % 2) as odd from reverse_etl.sync_state where sync_name = 's' group by status order by status",
    );
    expect(state.map((r) => [r.status, Number(r.n), Number(r.odd)])).toEqual([
      ["rejected", 6000, 0],
      ["synced", 6000, 6000],
    ]);
    const plan = (await openOn(dir, warehouse, bulkDestination(() => ({ status: "ok" })).plugin, { retryRejected: false }).plan()).syncs[0]!;
    expect(plan.counts).toMatchObject({ added: 0, changed: 0, unchanged: 12_000 });
  });
});

describe("sync options", () => {
  it("reach every write as validated, with the schema's defaults", async () => {
    const dir = projectDir("sync-options");
    await seedCustomers(join(dir, "warehouse.duckdb"), 3);
    const bulk = bulkDestination(() => ({ status: "ok" }));
    await open(dir, bulk.plugin, { options: { jobSize: 50 } }, { bulk: "auto", jobSize: 50 }).sync();
    expect(bulk.writes).toEqual([{ operation: "upsert", keys: ["1", "2", "3"], options: { bulk: "auto", jobSize: 50 } }]);
  });
});
