import {
  silentLogger,
  type DestinationPlugin,
  type PlanCounts,
  type RunRecord,
  type SourceConnection,
  type SourcePlugin,
  type StateDatabase,
  type SyncRunReport,
  type ValueKind,
} from "@reverse-etl/core";
import { Kysely, sql } from "kysely";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ContractProject, type FileLine } from "./contract-project.js";
import {
  createSeedTable,
  expectedFields,
  insertSeedRows,
  SEED_COLUMNS,
  SEED_FIELDS,
  seedRow,
  type ContractColumnType,
  type DecimalValueStyle,
  type SeedRow,
  type UnquotedNameCase,
} from "./source-contract-seed.js";

/** What the engine cycle needs from `testSourceContract`'s options. */
export interface EngineCycleSetup {
  /** The plugin under test. */
  plugin: SourcePlugin;
  /** Its options, as a config gives them. */
  pluginOptions: () => Promise<Record<string, unknown>>;
  /** The kind `describeQuery` gives each column type. */
  kinds: Readonly<Record<ContractColumnType, ValueKind>>;
  /** How the warehouse names what is written unquoted in lower case: the model's columns, the state schema and tables. */
  unquotedNames: UnquotedNameCase;
  /** How rows carry the model's decimal column. */
  decimalValues: DecimalValueStyle;
}

/** Rows of the main model: enough for every value kind and NULL to appear, few enough to stay fast. */
const SEED_ROWS = 25;
const MAIN = "main";
const INVALID = "invalid_keys";
const COMPOSITE = "composite";

/** Suites declared in this process so far: two suites on one database must not share table names. */
let cycles = 0;

const ZERO: PlanCounts = { added: 0, changed: 0, removed: 0, unchanged: 0, invalid: 0 };
const counts = (partial: Partial<PlanCounts>): PlanCounts => ({ ...ZERO, ...partial });

/** Lines in key order: the file keeps the order core sends, which the contract leaves to the warehouse. */
function byKey(lines: readonly FileLine[]): FileLine[] {
  return [...lines].sort((a, b) => (JSON.stringify(a.key) < JSON.stringify(b.key) ? -1 : JSON.stringify(a.key) > JSON.stringify(b.key) ? 1 : 0));
}


/** A run of `sync_runs` as `runs()` gives it, for a run that ended without error. */
function finishedRun(run: SyncRunReport, sync: string): RunRecord {
  const { succeeded, rejected, failed } = run.results;
  return {
    runId: run.runId,
    sync,
    status: run.status,
    startedAt: expect.any(String) as unknown as string,
    finishedAt: expect.any(String) as unknown as string,
    counts: run.counts,
    sent: succeeded + rejected + failed,
    succeeded,
    rejected,
    failed,
    error: null,
    scheduledFor: null,
  };
}

/**
 * The engine on the plugin under test, as a user runs it: a project over a config whose state lives in the
 * plugin's warehouse and whose syncs write to `@reverse-etl/destination-file`, one file per run. Each test is
 * one step of a sync's life (they run in order and share the warehouse): plan, first sync, no-op run,
 * incremental changes with mirror deletes, invalid keys, a composite key, a full resync, column kinds.
 */
export function describeEngineCycle(setup: EngineCycleSetup): void {
  describe("the engine on this source, to a file destination", () => {
    const suffix = `${process.pid}_${Date.now().toString(36)}_${cycles++}`;
    const table = `contract_seed_${suffix}`;
    const invalidTable = `contract_keys_${suffix}`;
    const compositeTable = `contract_pairs_${suffix}`;
    const stateSchema = `contract_state_${suffix}`;
    const modelSql = `select ${SEED_COLUMNS.map(([column]) => column).join(", ")} from ${table}`;
    let dir: string;
    let cycle: ContractProject;
    let connection: SourceConnection | undefined;
    let db: Kysely<unknown>;
    let state: Kysely<StateDatabase>;
    /** The model's rows as the warehouse holds them now, by id. */
    const model = new Map<number, SeedRow>();
    const runs: Array<{ run: SyncRunReport; sync: string }> = [];
    /** A name the suite or core writes in lower case, as the warehouse lists it. */
    const named = (name: string) => (setup.unquotedNames === "upper" ? name.toUpperCase() : name);
    const fieldsOf = (row: SeedRow) => expectedFields(row, setup.decimalValues);
    const upsertOf = (row: SeedRow): FileLine => ({ op: "upsert", key: row.id, fields: fieldsOf(row) });

    async function sync(name: string, options: { full?: boolean } = {}): Promise<SyncRunReport> {
      const report = await cycle.with((project) => project.sync({ syncs: [name], ...options }));
      expect(report.syncs).toHaveLength(1);
      const run = report.syncs[0]!;
      runs.push({ run, sync: name });
      expect(run.error).toBeUndefined();
      return run;
    }

    async function plan(name: string) {
      const report = await cycle.with((project) => project.plan({ syncs: [name] }));
      expect(report.syncs).toHaveLength(1);
      return report.syncs[0]!;
    }

    /** `sync_state` of a sync, in key order. */
    function stateOf(name: string) {
      return state
        .withSchema(stateSchema)
        .selectFrom("sync_state")
        .select(["row_key", "status", "last_run_id"])
        .where("sync_name", "=", name)
        .orderBy("row_key")
        .execute();
    }

    /** `sync_errors` of a run. */
    function errorsOf(runId: string) {
      return state
        .withSchema(stateSchema)
        .selectFrom("sync_errors")
        .select(["sync_name", "row_key", "kind", "message"])
        .where("run_id", "=", runId)
        .orderBy("message")
        .orderBy("row_key")
        .execute();
    }

    /**
     * A step of the cycle: a test that starts from the state the previous steps left. After a failed step the
     * next ones are skipped, as their failures would only repeat it; a step on a model of its own
     * (`independent`) runs anyway.
     */
    let failedStep: string | undefined;
    function step(title: string, run: () => Promise<void>, options: { independent?: boolean } = {}): void {
      it(title, async (context) => {
        if (failedStep !== undefined && !options.independent) context.skip(`skipped: the step "${failedStep}" failed`);
        try {
          await run();
        } catch (error) {
          failedStep = title;
          throw error;
        }
      });
    }

    /** The files written since `before`: a run writes exactly one, or none when it sends nothing. */
    function newFiles(before: readonly string[]): string[] {
      return cycle.files().filter((file) => !before.includes(file));
    }

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "reverse-etl-source-contract-"));
      const filePlugin = await importFileDestination();
      cycle = new ContractProject({
        dir,
        sourcePlugin: setup.plugin,
        sourceOptions: await setup.pluginOptions(),
        filePlugin,
        stateSchema,
        models: {
          [MAIN]: { source: "warehouse", primaryKey: "id", sql: modelSql },
          [INVALID]: { source: "warehouse", primaryKey: "id", sql: `select id, name from ${invalidTable}` },
          [COMPOSITE]: { source: "warehouse", primaryKey: ["region", "id"], sql: `select region, id, name from ${compositeTable}` },
        },
        syncs: {
          [MAIN]: { model: MAIN, mode: "mirror", fields: { ...SEED_FIELDS } },
          [INVALID]: { model: INVALID, mode: "upsert", fields: { name: "name" } },
          [COMPOSITE]: { model: COMPOSITE, mode: "mirror", fields: { name: "name" } },
        },
      });
      // The seed goes through the plugin's own connection, opened with the options the project uses, so
      // the engine reads exactly what the suite wrote (DuckDB shares one database per file in a process).
      connection = await setup.plugin.connect(cycle.sourceOptions, { configDir: dir, name: "warehouse", logger: silentLogger });
      db = new Kysely<unknown>({ dialect: connection.dialect });
      state = db as unknown as Kysely<StateDatabase>;
      const rows = Array.from({ length: SEED_ROWS }, (_, i) => seedRow(i + 1));
      await createSeedTable(db, table);
      await insertSeedRows(db, table, rows);
      for (const row of rows) model.set(row.id, row);
      await db.schema.createTable(invalidTable).addColumn("id", "integer").addColumn("name", "varchar(100)").execute();
      await db.schema
        .createTable(compositeTable)
        .addColumn("region", "varchar(100)")
        .addColumn("id", "integer")
        .addColumn("name", "varchar(100)")
        .execute();
    });

    afterAll(async () => {
      if (db) {
        for (const name of [table, invalidTable, compositeTable]) await db.schema.dropTable(name).ifExists().execute();
        await db.schema.dropSchema(stateSchema).ifExists().cascade().execute();
        await db.destroy();
      }
      await connection?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    step(`plans all ${SEED_ROWS} rows of a model never synced as added, writing nothing`, async () => {
      const result = await plan(MAIN);
      expect(result.counts).toEqual(counts({ added: SEED_ROWS }));
      expect(result.operations).toEqual({ write: SEED_ROWS, delete: 0 });
      expect(result.samples.added.length).toBeGreaterThan(0);
      // A plan shows the values the destination will receive, rendered as the driver hands them over.
      for (const sample of result.samples.added) expect(sample.values).toEqual(fieldsOf(model.get(sample.key as number)!));
      expect(cycle.files()).toEqual([]);
      expect(await cycle.with((project) => project.runs())).toEqual([]);
    });

    step("syncs every row in mirror mode: the file holds exactly the model, state and run history record it", async () => {
      const run = await sync(MAIN);
      expect(run.status).toBe("succeeded");
      expect(run.counts).toEqual(counts({ added: SEED_ROWS }));
      expect(run.results).toEqual({ succeeded: SEED_ROWS, rejected: 0, failed: 0 });
      expect(cycle.files()).toEqual([cycle.fileOf(MAIN, run.runId)]);
      expect(byKey(cycle.linesOf(MAIN, run.runId))).toEqual(byKey([...model.values()].map(upsertOf)));
      const synced = await stateOf(MAIN);
      expect(synced.map((row) => row.row_key).sort()).toEqual([...model.keys()].map(String).sort());
      expect(new Set(synced.map((row) => `${row.status} ${row.last_run_id}`))).toEqual(new Set([`synced ${run.runId}`]));
      expect(await errorsOf(run.runId)).toEqual([]);
      expect(await cycle.with((project) => project.runs({ sync: MAIN }))).toEqual([finishedRun(run, MAIN)]);
    });

    step("plans every row as unchanged on the next run, and a sync with nothing to send writes no file", async () => {
      const result = await plan(MAIN);
      expect(result.counts).toEqual(counts({ unchanged: SEED_ROWS }));
      expect(result.operations).toEqual({ write: 0, delete: 0 });
      const before = cycle.files();
      const run = await sync(MAIN);
      expect(run.status).toBe("succeeded");
      expect(run.counts).toEqual(counts({ unchanged: SEED_ROWS }));
      expect(run.results).toEqual({ succeeded: 0, rejected: 0, failed: 0 });
      expect(newFiles(before)).toEqual([]);
    });

    step("plans and sends exactly the rows that changed, were added and were removed", async () => {
      const t = sql.table(table);
      // Three rows change (one of them in several columns), two arrive, one leaves, and one is rewritten with
      // its own values, which must not count as a change.
      await sql`update ${t} set name = ${"Grace → Hopper ✓"}, created_at = cast(${"2025-01-01 00:00:00.5"} as timestamp) where id = 2`.execute(db);
      await sql`update ${t} set amount = cast(${"0.01"} as decimal(12,2)) where id = 3`.execute(db);
      await sql`update ${t} set active = ${false}, day = null where id = 4`.execute(db);
      await sql`update ${t} set name = name, amount = amount where id = 5`.execute(db);
      await sql`delete from ${t} where id = 1`.execute(db);
      const added = [seedRow(26), { ...seedRow(27), name: null, cents: null, ratio: null, active: null, day: null, createdAt: null }];
      await insertSeedRows(db, table, added);
      const previous = new Map(model);
      model.set(2, { ...model.get(2)!, name: "Grace → Hopper ✓", createdAt: "2025-01-01 00:00:00.500" });
      model.set(3, { ...model.get(3)!, cents: 1 });
      model.set(4, { ...model.get(4)!, active: false, day: null });
      model.delete(1);
      for (const row of added) model.set(row.id, row);

      const result = await plan(MAIN);
      expect(result.counts).toEqual(counts({ changed: 3, added: 2, removed: 1, unchanged: SEED_ROWS - 4 }));
      expect(result.operations).toEqual({ write: 5, delete: 1 });
      expect(result.samples.changed.length).toBeGreaterThan(0);
      for (const sample of result.samples.changed) {
        const id = sample.key as number;
        const from = fieldsOf(previous.get(id)!);
        const to = fieldsOf(model.get(id)!);
        const changes = Object.keys(to)
          .filter((field) => JSON.stringify(from[field]) !== JSON.stringify(to[field]))
          .map((field) => ({ field, from: from[field], to: to[field] }));
        expect([2, 3, 4]).toContain(id);
        expect([...(sample.changes ?? [])].sort((a, b) => (a.field < b.field ? -1 : 1))).toEqual(changes.sort((a, b) => (a.field < b.field ? -1 : 1)));
      }
      expect(result.samples.removed.map((sample) => sample.key)).toEqual([1]);

      const before = cycle.files();
      const run = await sync(MAIN);
      expect(run.status).toBe("succeeded");
      expect(run.counts).toEqual(result.counts);
      expect(run.results).toEqual({ succeeded: 6, rejected: 0, failed: 0 });
      expect(newFiles(before)).toEqual([cycle.fileOf(MAIN, run.runId)]);
      expect(byKey(cycle.linesOf(MAIN, run.runId))).toEqual(
        byKey([{ op: "delete", key: 1, fields: {} }, ...[2, 3, 4, 26, 27].map((id) => upsertOf(model.get(id)!))]),
      );
      const synced = await stateOf(MAIN);
      expect(synced.map((row) => row.row_key).sort()).toEqual([...model.keys()].map(String).sort());
      expect(synced.filter((row) => row.last_run_id === run.runId).map((row) => row.row_key).sort()).toEqual(["2", "26", "27", "3", "4"]);
      expect(await plan(MAIN).then((next) => next.counts)).toEqual(counts({ unchanged: model.size }));
    });

    step("counts rows with a null or a repeated key as invalid, records them in sync_errors and never sends them", async () => {
      await db
        .insertInto(invalidTable as never)
        .values([
          { id: 1, name: "one" },
          { id: 2, name: "two, first" },
          { id: 2, name: "two, second" },
          { id: null, name: "no key" },
          { id: 3, name: "three" },
        ] as never)
        .execute();
      const result = await plan(INVALID);
      expect(result.counts).toEqual(counts({ added: 2, invalid: 3 }));
      expect(result.operations).toEqual({ write: 2, delete: 0 });
      const before = cycle.files();
      const run = await sync(INVALID);
      // Invalid rows are reported with their reason, so the run itself succeeds.
      expect(run.status).toBe("succeeded");
      expect(run.counts).toEqual(counts({ added: 2, invalid: 3 }));
      expect(run.results).toEqual({ succeeded: 2, rejected: 0, failed: 0 });
      expect(newFiles(before)).toEqual([cycle.fileOf(INVALID, run.runId)]);
      expect(byKey(cycle.linesOf(INVALID, run.runId))).toEqual([
        { op: "upsert", key: 1, fields: { name: "one" } },
        { op: "upsert", key: 3, fields: { name: "three" } },
      ]);
      expect(await errorsOf(run.runId)).toEqual([
        { sync_name: INVALID, row_key: "2", kind: "invalid", message: "duplicate primary key (2 rows share it): rows not sent" },
        { sync_name: INVALID, row_key: "2", kind: "invalid", message: "duplicate primary key (2 rows share it): rows not sent" },
        { sync_name: INVALID, row_key: null, kind: "invalid", message: "primary key id is null: row not sent" },
      ]);
      expect((await stateOf(INVALID)).map((row) => row.row_key)).toEqual(["1", "3"]);
      const history = await cycle.with((project) => project.runs({ sync: INVALID }));
      expect(history).toEqual([finishedRun(run, INVALID)]);
    }, { independent: true });

    step("syncs, diffs and mirrors a model with a composite primary key", async () => {
      const pairs = db as unknown as Kysely<Record<string, { region: string; id: number; name: string }>>;
      await pairs
        .insertInto(compositeTable)
        .values([
          { region: "eu", id: 1, name: "eu one" },
          { region: "us", id: 1, name: "us one" },
          { region: "eu", id: 2, name: "eu two" },
        ])
        .execute();
      const first = await sync(COMPOSITE);
      expect(first.status).toBe("succeeded");
      expect(first.counts).toEqual(counts({ added: 3 }));
      expect(byKey(cycle.linesOf(COMPOSITE, first.runId))).toEqual(
        byKey([
          { op: "upsert", key: { region: "eu", id: 1 }, fields: { name: "eu one" } },
          { op: "upsert", key: { region: "us", id: 1 }, fields: { name: "us one" } },
          { op: "upsert", key: { region: "eu", id: 2 }, fields: { name: "eu two" } },
        ]),
      );
      // Rows sharing one part of the key are still distinct rows.
      await pairs.updateTable(compositeTable).set({ name: "eu two, renamed" }).where("region", "=", "eu").where("id", "=", 2).execute();
      await pairs.deleteFrom(compositeTable).where("region", "=", "us").where("id", "=", 1).execute();
      const result = await plan(COMPOSITE);
      expect(result.counts).toEqual(counts({ changed: 1, removed: 1, unchanged: 1 }));
      const second = await sync(COMPOSITE);
      expect(second.status).toBe("succeeded");
      expect(second.counts).toEqual(result.counts);
      expect(second.results).toEqual({ succeeded: 2, rejected: 0, failed: 0 });
      expect(byKey(cycle.linesOf(COMPOSITE, second.runId))).toEqual(
        byKey([
          { op: "upsert", key: { region: "eu", id: 2 }, fields: { name: "eu two, renamed" } },
          { op: "delete", key: { region: "us", id: 1 }, fields: {} },
        ]),
      );
      expect((await stateOf(COMPOSITE)).map((row) => JSON.parse(row.row_key) as unknown)).toEqual([
        { id: 1, region: "eu" },
        { id: 2, region: "eu" },
      ]);
    }, { independent: true });

    step("resends every row of the model with full, then plans them unchanged", async () => {
      const before = cycle.files();
      const run = await sync(MAIN, { full: true });
      expect(run.status).toBe("succeeded");
      expect(run.full).toBe(true);
      // The rows keep their class (nothing changed), and every one of them is written again.
      expect(run.counts).toEqual(counts({ unchanged: model.size }));
      expect(run.operations).toEqual({ write: model.size, delete: 0 });
      expect(run.results).toEqual({ succeeded: model.size, rejected: 0, failed: 0 });
      expect(newFiles(before)).toEqual([cycle.fileOf(MAIN, run.runId)]);
      expect(byKey(cycle.linesOf(MAIN, run.runId))).toEqual(byKey([...model.values()].map(upsertOf)));
      expect(new Set((await stateOf(MAIN)).map((row) => row.last_run_id))).toEqual(new Set([run.runId]));
      expect(await plan(MAIN).then((next) => next.counts)).toEqual(counts({ unchanged: model.size }));
    });

    step("keeps the history of every run, newest first, and leaves no snapshot table behind", async () => {
      const history = await cycle.with((project) => project.runs());
      expect(history).toEqual(runs.map(({ run, sync: name }) => finishedRun(run, name)).reverse());
      const tables = await db.introspection.getTables();
      expect(tables.filter((t) => t.schema === named(stateSchema)).map((t) => t.name).sort()).toEqual(
        ["schema_migrations", "sync_columns", "sync_errors", "sync_locks", "sync_runs", "sync_state"].map(named),
      );
    });

    it("describes the model's columns with the kind of each", async () => {
      const columns = await connection!.describeQuery(modelSql);
      expect(columns.map((column) => [column.name, column.kind])).toEqual(SEED_COLUMNS.map(([column, type]) => [named(column), setup.kinds[type]]));
    });
  });
}

/** `@reverse-etl/destination-file`, an optional peer: only the engine cycle needs it. */
async function importFileDestination(): Promise<DestinationPlugin> {
  try {
    const module = await import("@reverse-etl/destination-file");
    return module.default as unknown as DestinationPlugin;
  } catch (error) {
    throw new Error(
      "[reverse-etl] [testkit] the source contract's engine cycle writes to @reverse-etl/destination-file, which could not be " +
        `imported (${(error as Error).message}): install it beside the testkit (npm install --save-dev @reverse-etl/destination-file)`,
      { cause: error },
    );
  }
}
