import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, ConfiguredProject, defineDestinationPlugin, type OutgoingRecord, type ReverseEtlConfig, type SyncConfig } from "@reverse-etl/core";
import duckdb from "@reverse-etl/source-duckdb";
import { duck, projectDir, seedCustomers } from "./support/warehouse.js";

/**
 * What core does for a destination like Segment's: sync options that name a model column (`columnOptions`)
 * and identifiers that `match` must name (`requiredIdentifiers`). The destination keeps what it was given.
 */
function eventDestination() {
  const written: OutgoingRecord[] = [];
  const plugin = defineDestinationPlugin({
    name: "events",
    optionsSchema: { type: "object", additionalProperties: false },
    syncOptionsSchema: {
      type: "object",
      properties: { event: { type: "string" }, eventColumn: { type: "string" } },
      additionalProperties: false,
    },
    columnOptions: ["eventColumn"],
    async connect() {
      return {
        capabilities: { modes: ["upsert", "insert"], maxBatchSize: 50 },
        async check() {},
        async describe(object) {
          return {
            object,
            fields: [],
            identifiers: ["groupId", "userId", "anonymousId"],
            acceptsAnyField: true,
            requiresMatch: true,
            requiredIdentifiers: [["groupId"], ["userId", "anonymousId"]],
          };
        },
        async write(_operation, records) {
          written.push(...records);
          return { type: "results", results: records.map(() => ({ status: "ok" as const })) };
        },
        async close() {},
      };
    },
  });
  return { plugin, written };
}

const projects: ConfiguredProject[] = [];
afterEach(async () => {
  for (const p of projects.splice(0)) await p.close();
});

function open(dir: string, plugin: unknown, sync: Partial<SyncConfig>, syncOptions: Record<string, unknown>): ConfiguredProject {
  const config: ReverseEtlConfig = {
    sources: { warehouse: { plugin: "@reverse-etl/source-duckdb", path: "warehouse.duckdb" } },
    destinations: { target: { plugin: "events" } },
    models: { customers: { source: "warehouse", primaryKey: "id", sql: "select id, email, plan, name from gold.customers" } },
    syncs: { s: { model: "customers", destination: "target", fields: { email: "email" }, options: syncOptions, ...sync } },
  };
  const project = new ConfiguredProject(
    { file: join(dir, "reverse-etl.config.json"), dir, config },
    {
      sources: new Map([["warehouse", { plugin: duckdb as never, options: { path: "warehouse.duckdb" }, package: "@reverse-etl/source-duckdb" }]]),
      destinations: new Map([["target", { plugin: plugin as never, options: {}, package: "events" }]]),
      syncOptions: new Map([["s", syncOptions]]),
    },
  );
  projects.push(project);
  return project;
}

describe("sync options that name a model column", () => {
  it("give each record the column's value by option name, and a change to that column alone resends the row", async () => {
    const dir = projectDir("segment-option-columns");
    const file = join(dir, "warehouse.duckdb");
    await seedCustomers(file, 4);
    const first = eventDestination();
    const match = { match: { groupId: "id", userId: "email" } };
    await open(dir, first.plugin, match, { eventColumn: "plan" }).sync();
    expect(first.written.map((r) => [r.key, r.optionValues])).toEqual([
      ["1", { eventColumn: "starter" }],
      ["2", { eventColumn: "pro" }],
      ["3", { eventColumn: "enterprise" }],
      ["4", { eventColumn: "free" }],
    ]);
    // The plan column is read for the option only, yet it is part of the row's fingerprint.
    await projects.splice(0)[0]!.close();
    await duck(file, "update gold.customers set plan = 'gold' where id = 3");
    const second = eventDestination();
    const run = (await open(dir, second.plugin, match, { eventColumn: "plan" }).sync()).syncs[0]!;
    expect(run.counts).toMatchObject({ changed: 1, unchanged: 3 });
    expect(second.written.map((r) => [r.key, r.fields, r.optionValues])).toEqual([["3", { email: "user3@example.com" }, { eventColumn: "gold" }]]);
  });

  it("are part of the mapping a sync records: naming another column warns that every row is sent again", async () => {
    const dir = projectDir("segment-option-mapping");
    await seedCustomers(join(dir, "warehouse.duckdb"), 3);
    const match = { match: { groupId: "id", userId: "email" } };
    await open(dir, eventDestination().plugin, match, { eventColumn: "plan" }).sync();
    await projects.splice(0)[0]!.close();
    const plan = (await open(dir, eventDestination().plugin, match, { eventColumn: "name" }).plan()).syncs[0]!;
    expect(plan.counts).toMatchObject({ changed: 3 });
    expect(plan.warnings).toEqual([
      'mapping changed since the last sync: option eventColumn now names column "name" (was "plan"); every row will be sent again, because a row\'s fingerprint covers the mapping',
    ]);
  });

  it("leave records without optionValues when the options name no column", async () => {
    const dir = projectDir("segment-option-fixed");
    await seedCustomers(join(dir, "warehouse.duckdb"), 2);
    const destination = eventDestination();
    await open(dir, destination.plugin, { match: { groupId: "id", userId: "email" } }, { event: "Signed Up" }).sync();
    expect(destination.written.map((r) => "optionValues" in r)).toEqual([false, false]);
  });

  it("refuse a column the model does not have, naming the option and the model's columns", async () => {
    const dir = projectDir("segment-option-missing");
    await seedCustomers(join(dir, "warehouse.duckdb"), 2);
    const destination = eventDestination();
    const error = await open(dir, destination.plugin, { match: { groupId: "id", userId: "email" } }, { eventColumn: "event_name" })
      .sync()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      { path: "/syncs/s/options/eventColumn", message: 'column "event_name" is not in model "customers" (its columns: id, email, plan, name)' },
    ]);
    expect(destination.written).toEqual([]);
  });
});

describe("identifiers the destination requires in match", () => {
  it("refuse a sync whose match lacks one of each required group, naming what is missing, before any write", async () => {
    const dir = projectDir("segment-required-identifiers");
    await seedCustomers(join(dir, "warehouse.duckdb"), 2);
    const destination = eventDestination();
    const error = await open(dir, destination.plugin, { match: { groupId: "id" } }, {})
      .sync()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      {
        path: "/syncs/s/match",
        message: 'the destination of destination "target" needs one of "userId", "anonymousId" in match (identifier <- column); this sync maps groupId',
      },
    ]);
    expect(destination.written).toEqual([]);
  });
});
