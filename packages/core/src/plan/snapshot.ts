import { sql, type RawBuilder } from "kysely";
import { noCounts, type PlanCounts, type PlanSample, type SyncPlan } from "../reports.js";
import { isOrderedKind } from "../values/value-kind.js";
import { classifyJoinQuery, classifyQuery, type ClassifiedMeta, type RowClass } from "./classify-query.js";
import { keysRepeat } from "./count-diff.js";
import { sampleOf } from "./plan-sync.js";
import type { SyncDefinition } from "./sync-definition.js";
import type { Warehouse } from "./warehouse.js";

/** A row of a run's snapshot table: a classified row, numbered in send order, with what to do with it. */
export type SnapshotRow = ClassifiedMeta & {
  /** Position in send order, from 1. */
  _retl_seq: number | bigint | string;
  /** `w` to write, `d` to delete, `x` kept for counts and reports only. */
  _retl_op: "w" | "d" | "x";
};

/** A run's snapshot: what it sends, frozen into a table of the state schema when the run starts. */
export interface Snapshot {
  readonly warehouse: Warehouse;
  readonly def: SyncDefinition;
  /** Schema of the state tables, which holds the snapshot table too. */
  readonly schema: string;
  /** Name of the snapshot table. */
  readonly table: string;
  /** Classes written and deleted by the run. */
  readonly send: { readonly write: RowClass[]; readonly delete: RowClass[] };
  /** `--full`: unchanged rows are sent too. */
  readonly full: boolean;
}

/**
 * Freeze what a run sends (and the invalid rows) into the snapshot table, numbered in send order. Returns
 * whether the table holds the removed rows too: it does unless the model's keys do not repeat and the mode
 * deletes nothing, when the snapshot takes one `LEFT JOIN` of the model with the state and no full join.
 */
export async function takeSnapshot(snapshot: Snapshot): Promise<boolean> {
  const { warehouse, def, schema, table, send } = snapshot;
  const state = { schema };
  const deletes = send.delete.includes("removed");
  // The key-repeat check runs beside the one-join snapshot it decides on: repeats are rare, and then the
  // snapshot is taken again with the exact diff.
  const [exact] = await Promise.all([
    keysRepeat(warehouse, def),
    createSnapshot(snapshot, classifyJoinQuery(warehouse, def, state, snapshotClasses(send), deletes)),
  ]);
  if (exact) await createSnapshot(snapshot, classifyQuery(warehouse, def, state));
  // Every commit reads one range of the snapshot: without an index a row store scans it all each time.
  if (warehouse.adapter.indexSnapshots) {
    await warehouse.db.withSchema(schema).schema.createIndex(`${table}_seq`).on(table).column("_retl_seq").execute();
  }
  return exact || deletes;
}

/** Drop a snapshot table if it exists. */
export async function dropSnapshot(warehouse: Warehouse, schema: string, table: string): Promise<void> {
  await warehouse.db.withSchema(schema).schema.dropTable(table).ifExists().execute();
}

/** The classes a snapshot keeps: what the run sends, and the rest but unchanged rows, for its counts. */
function snapshotClasses(send: Snapshot["send"]): RowClass[] {
  return [...send.write, ...send.delete, "added", "changed", "removed", "invalid"];
}

/** (Re)create the snapshot table from classified rows, numbered in send order. */
async function createSnapshot(snapshot: Snapshot, classified: RawBuilder<ClassifiedMeta>): Promise<void> {
  const { warehouse, def, schema, table, send } = snapshot;
  const lits = (classes: readonly RowClass[]) => sql.join([...classes, "__none__"].map((c) => sql.lit(c)));
  // Send order: by the key's own columns where their kind sorts (integers sort as numbers, and faster
  // than their text), then by the key's text, which also orders removed rows (they have no model columns)
  // and keys of kinds without an order (json). A stable order gives a batch resent after a crash the same
  // records, hence the same idempotency key.
  const sortable = def.keyColumns.filter((c) => isOrderedKind(def.columnKinds?.[c]));
  const keyOrder = sql.join([...sortable.map((c) => sql.id("c", c)), sql`c._retl_key`]);
  await dropSnapshot(warehouse, schema, table);
  const rows = sql`
    select
      row_number() over (
        order by case when c._retl_class in (${lits(send.write)}) then 0
                      when c._retl_class in (${lits(send.delete)}) then 1 else 2 end,
                 ${keyOrder}) as _retl_seq,
      case when c._retl_class in (${lits(send.write)}) then 'w'
           when c._retl_class in (${lits(send.delete)}) then 'd'
           else 'x' end as _retl_op,
      ${snapshotColumns(warehouse, def)}
    from (${classified}) as c
    where c._retl_class in (${lits(snapshotClasses(send))})`;
  await warehouse.adapter.createTableAs({ schema, name: table }, rows).execute(warehouse.db);
}

/** The classified columns a snapshot keeps: all of them, less the values' JSON where commits build it. */
function snapshotColumns(warehouse: Warehouse, def: SyncDefinition): RawBuilder<unknown> {
  if (!warehouse.adapter.valuesAtCommit) return sql`c.*`;
  const meta = ["_retl_class", "_retl_key", "_retl_key_value", "_retl_fp", "_retl_state_values", "_retl_n"];
  return sql.join([...meta, ...def.columns].map((c) => sql.id("c", c)));
}

/**
 * A snapshot row's mapped values as JSON text (the snapshot `p`): its `_retl_values`, or where the snapshot
 * leaves that out (`valuesAtCommit`), the same JSON built from its columns, which hold the model's values
 * with the model's types.
 */
export function snapshotValues(snapshot: Pick<Snapshot, "warehouse" | "def">): RawBuilder<string | null> {
  const { warehouse, def } = snapshot;
  if (!warehouse.adapter.valuesAtCommit) return sql<string | null>`p._retl_values`;
  return warehouse.functions.jsonObject(def.mappedColumns.map((c) => [c, sql.id("p", c), def.columnTypes?.[c]] as const));
}

/**
 * Counts by class from the snapshot, which holds every row but the unchanged ones (unless `--full` sends
 * them): those are the model's rows less the others, counted without computing a fingerprint. A snapshot
 * without the removed rows counts them as the state's rows (`stateRows`) that no model row matched.
 */
export async function countSnapshot(snapshot: Snapshot, stateRows?: number): Promise<PlanCounts> {
  const { warehouse, def } = snapshot;
  const counts: PlanCounts = noCounts();
  const byClass = await warehouse.db
    .selectFrom(snapshotTable(snapshot))
    .select((eb) => ["p._retl_class as cls", eb.fn.countAll().as("n")])
    .groupBy("p._retl_class")
    .execute();
  for (const row of byClass) counts[row.cls] = Number(row.n);
  if (!snapshot.full) {
    const model = await sql<{ n: number | string | bigint }>`
      select count(*) as n from (${sql.raw(def.modelSql)}) as m`.execute(warehouse.db);
    counts.unchanged = Number(model.rows[0]!.n) - counts.added - counts.changed - counts.invalid;
  }
  if (stateRows !== undefined) counts.removed = Math.max(0, stateRows - counts.changed - counts.unchanged);
  return counts;
}

/** Up to `sampleSize` rows of each class, first in send order. */
export async function snapshotSamples(snapshot: Snapshot, counts: PlanCounts, sampleSize: number): Promise<SyncPlan["samples"]> {
  const samples = emptySamples();
  if (sampleSize <= 0) return samples;
  for (const cls of ["added", "changed", "removed", "invalid"] as const) {
    // A class with no rows in the snapshot is not looked for: the search would read all of it in send order.
    if (counts[cls] === 0) continue;
    const rows = await snapshot.warehouse.db
      .selectFrom(snapshotTable(snapshot))
      .selectAll()
      .$if(snapshot.warehouse.adapter.valuesAtCommit === true, (q) => q.select(snapshotValues(snapshot).as("_retl_values")))
      .where("p._retl_class", "=", sql.lit(cls))
      .orderBy("p._retl_seq")
      .limit(sql.lit(sampleSize))
      .execute();
    samples[cls] = rows.map((row): PlanSample => sampleOf(snapshot.def, row));
  }
  return samples;
}

/** A plan's samples, none yet. */
export function emptySamples(): SyncPlan["samples"] {
  return { added: [], changed: [], removed: [], invalid: [] };
}

/** The snapshot table as a typed Kysely table, aliased `p`. */
export function snapshotTable(snapshot: Pick<Snapshot, "schema" | "table">) {
  return sql<SnapshotRow>`${sql.id(snapshot.schema, snapshot.table)}`.as("p");
}
