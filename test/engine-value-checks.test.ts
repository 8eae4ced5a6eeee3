import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfiguredProject, defineDestinationPlugin, defineSourcePlugin, type OutgoingRecord, type SourcePlugin } from "@reverse-etl/core";
import duckdb, { duckDbFunctions } from "@reverse-etl/source-duckdb";
import { duck, projectDir } from "./support/warehouse.js";

const projects: ConfiguredProject[] = [];
afterEach(async () => {
  for (const p of projects.splice(0)) await p.close();
});

/** A destination whose `Person` object states text lengths, as Salesforce's describe does; it records what it is sent. */
function lengthLimitedDestination(sent: OutgoingRecord[]) {
  return defineDestinationPlugin({
    name: "limited",
    optionsSchema: { type: "object" },
    async connect() {
      return {
        capabilities: { modes: ["upsert"], maxBatchSize: 100 },
        async check() {},
        async describe(object) {
          return {
            object,
            fields: [
              { name: "Code", type: "string", length: 6 },
              { name: "Name", type: "string", length: 10 },
              { name: "Note", type: "string" },
            ],
            identifiers: ["Code"],
            requiresMatch: true,
          };
        },
        async write(_operation, records) {
          sent.push(...records);
          return { type: "results", results: records.map(() => ({ status: "ok" as const })) };
        },
        async close() {},
      };
    },
  });
}

/** DuckDB, as a source whose SQL functions cannot measure text (a warehouse plugin that predates textLength). */
const duckdbWithoutTextLength: SourcePlugin = defineSourcePlugin({
  name: "duckdb-no-length",
  optionsSchema: duckdb.optionsSchema,
  async connect(options, context) {
    const connection = await duckdb.connect(options as never, context);
    const { textLength: _unused, ...functions } = duckDbFunctions;
    return new Proxy(connection, {
      get(target, property) {
        if (property === "functions") return functions;
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  },
});

async function open(source: SourcePlugin, sent: OutgoingRecord[]): Promise<ConfiguredProject> {
  const dir = projectDir("value-checks");
  await duck(
    join(dir, "warehouse.duckdb"),
    `create schema gold;
     create table gold.people as select * from (values
       (1, 'A-1', 'Ada', 'ok'), (2, 'A-2', 'Grace Hopper!', 'ok'), (3, 'A-3', 'Ümlautßéèà', 'ok'),
       (4, 'A-4444', 'Alan', 'ok'), (5, 'A-55555', 'Edsger W. Dijkstra', 'a note as long as it likes'), (6, 'A-6', null, 'ok')
     ) t(id, code, name, note)`,
  );
  const project = new ConfiguredProject(
    {
      file: join(dir, "reverse-etl.config.json"),
      dir,
      config: {
        sources: { warehouse: { plugin: "source", path: "warehouse.duckdb" } },
        destinations: { target: { plugin: "limited" } },
        models: { people: { source: "warehouse", primaryKey: "id", sql: "select id, code, name, note from gold.people" } },
        syncs: { people: { model: "people", destination: "target", object: "Person", mode: "upsert", match: { Code: "code" }, fields: { name: "Name", note: "Note" } } },
      },
    },
    {
      sources: new Map([["warehouse", { plugin: source as never, options: { path: "warehouse.duckdb" }, package: "source" }]]),
      destinations: new Map([["target", { plugin: lengthLimitedDestination(sent) as never, options: {}, package: "limited" }]]),
    },
  );
  projects.push(project);
  return project;
}

describe("texts longer than a destination field, found in the warehouse before any write", () => {
  it("validate names the field, object, limit, a row key and the longest length; counts characters, not bytes; plan and sync warn", async () => {
    const sent: OutgoingRecord[] = [];
    const project = await open(duckdb as never, sent);
    const report = await project.validate({ offline: false });
    expect(report.ok).toBe(false);
    expect(report.syncs[0]).toEqual({
      name: "people",
      ok: false,
      problems: [
        '/syncs/people/fields/name: column "name" holds text longer than field "Name" of object "Person" takes (10 characters): 2 rows (e.g. key "2") have up to 18 characters; shorten them in the model\'s SQL (e.g. left(name, 10))',
        '/syncs/people/match/Code: column "code" holds text longer than field "Code" of object "Person" takes (6 characters): 1 row (key "5") has up to 7 characters; shorten them in the model\'s SQL (e.g. left(code, 6))',
      ],
    });
    expect(sent).toEqual([]);

    const plan = (await project.plan()).syncs[0]!;
    expect(plan.warnings).toEqual(expect.arrayContaining([expect.stringContaining('field "Name" of object "Person" takes (10 characters): 2 rows (e.g. key "2")')]));
    const run = (await project.sync()).syncs[0]!;
    expect(run.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/field "Code" .* 1 row \(key "5"\) .*; those rows will be rejected$/)]));
  });

  it("a source without textLength still validates, and says the lengths were not checked", async () => {
    const project = await open(duckdbWithoutTextLength, []);
    const report = await project.validate({ offline: false });
    expect(report.ok).toBe(true);
    expect(report.syncs[0]).toEqual({
      name: "people",
      ok: true,
      problems: [],
      notes: [
        'lengths not checked: source "warehouse" cannot measure text in SQL (its SqlFunctions have no textLength); values longer than "Name", "Code" are refused by the destination when sent',
      ],
    });
    expect((await project.plan()).syncs[0]!.warnings).toEqual(expect.arrayContaining([expect.stringContaining("lengths not checked")]));
  });
});
