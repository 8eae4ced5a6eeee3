import { sql } from "kysely";
import type { FieldValue } from "../plugins/destination.js";
import { noCounts, type FieldChange, type PlanCounts, type PlanSample, type SyncPlan } from "../reports.js";
import { classesToSend, classifyQuery, type ClassifiedMeta, type RowClass, type StateLocation } from "./classify-query.js";
import type { SyncDefinition } from "./sync-definition.js";
import type { Warehouse } from "./warehouse.js";
import { toFieldValue } from "../values/field-value.js";
import { inSyncRun } from "../runtime/sync-run-context.js";
import { countDiff, type DiffCounts } from "./count-diff.js";
import { inKeyOrder } from "./sample-order.js";

/** What planning a sync needs. */
export interface PlanContext {
  /** The model's source. */
  warehouse: Warehouse;
  def: SyncDefinition;
  /** Where the sync's state is, or null before the first sync. */
  state: StateLocation;
  full: boolean;
  sampleSize: number;
  /**
   * Rows the sync has delivered so far (for the removed rows and the mass-delete guard). A promise lets the
   * state's count run beside the diff, on a connection of its own.
   */
  syncedCount: number | Promise<number>;
}

const SAMPLED: RowClass[] = ["added", "changed", "removed", "invalid"];

/** Count each class of rows in the warehouse. */
export async function countClasses(warehouse: Warehouse, def: SyncDefinition, state: StateLocation): Promise<PlanCounts> {
  const classified = classifyQuery(warehouse, def, state, "classes");
  const result = await sql<{ cls: RowClass; n: number | bigint | string }>`
    select c._retl_class as cls, count(*) as n from (${classified}) as c group by c._retl_class`.execute(warehouse.db);
  const counts: PlanCounts = noCounts();
  for (const row of result.rows) counts[row.cls] = Number(row.n);
  return counts;
}

/**
 * Compute the plan of one sync: counts and samples, all in the warehouse. Writes nothing. The counts take
 * one pass over the model (`countDiff`) and the samples one more query over a few keys; a model whose
 * keys repeat takes the exact full diff instead, which names the invalid rows.
 */
export async function planSync(ctx: PlanContext): Promise<SyncPlan> {
  return inSyncRun({ sync: ctx.def.name }, () => planInWarehouse(ctx));
}

async function planInWarehouse(ctx: PlanContext): Promise<SyncPlan> {
  const { warehouse, def, state } = ctx;
  const counted = Promise.resolve(ctx.syncedCount);
  // Awaited below; this only keeps a diff that fails first from leaving the count's failure unhandled.
  counted.catch(() => undefined);
  const diff = await countDiff(warehouse, def, state, counted, ctx.sampleSize);
  const syncedCount = await counted;
  if (diff) return buildPlan(def, diff.counts, await fetchSamples(ctx, diff), ctx.full, syncedCount);
  const counts = await countClasses(warehouse, def, state);
  const samples: SyncPlan["samples"] = { added: [], changed: [], removed: [], invalid: [] };
  if (ctx.sampleSize > 0) {
    const classified = classifyQuery(warehouse, def, state);
    for (const cls of SAMPLED) {
      if (counts[cls as keyof PlanCounts] === 0) continue;
      // No ORDER BY: the warehouse can stop at the first rows found instead of ranking millions of them.
      const rows = await sql<ClassifiedMeta>`
        select * from (${classified}) as c where c._retl_class = ${sql.lit(cls)}
        limit ${sql.lit(ctx.sampleSize)}`.execute(warehouse.db);
      samples[cls as keyof SyncPlan["samples"]] = rows.rows.map((row) => sampleOf(def, row));
    }
  }
  return buildPlan(ctx.def, counts, samples, ctx.full, syncedCount);
}

/** The sample rows of a one-pass count, read by their keys; null keys are described, not read. */
async function fetchSamples(ctx: PlanContext, diff: DiffCounts): Promise<SyncPlan["samples"]> {
  const samples: SyncPlan["samples"] = { added: [], changed: [], removed: [], invalid: [] };
  if (ctx.sampleSize <= 0) return samples;
  const { added, changed, removed } = diff.sampleKeys;
  const keys = [...new Set([...added, ...changed, ...removed])];
  if (keys.length > 0) {
    const result = await sql<ClassifiedMeta>`
      select * from (${classifyQuery(ctx.warehouse, ctx.def, ctx.state, "rows", keys)}) as c`.execute(ctx.warehouse.db);
    const byKey = new Map(result.rows.map((row) => [row._retl_key, row]));
    for (const cls of ["added", "changed", "removed"] as const) {
      for (const key of diff.sampleKeys[cls]) {
        const row = byKey.get(key);
        // A row that changed class between the two queries (a concurrent write) is left out.
        if (row?._retl_class === cls) samples[cls].push(sampleOf(ctx.def, row));
      }
    }
  }
  const nullKeyRow = { _retl_class: "invalid", _retl_key: null, _retl_key_value: null } as ClassifiedMeta;
  if (diff.nullKeys > 0) samples.invalid.push(sampleOf(ctx.def, nullKeyRow));
  return samples;
}

/** Assemble a SyncPlan from counts and samples. */
export function buildPlan(
  def: SyncDefinition,
  counts: PlanCounts,
  samples: SyncPlan["samples"],
  full: boolean,
  syncedCount: number,
): SyncPlan {
  const send = classesToSend(def.mode, full);
  const sum = (classes: RowClass[]) => classes.reduce((n, c) => n + counts[c as keyof PlanCounts], 0);
  const warnings: string[] = [];
  const deletes = sum(send.delete);
  const guard = massDeleteGuard(def, deletes, syncedCount);
  if (guard) warnings.push(guard);
  if (counts.invalid > 0) warnings.push(`${counts.invalid} row(s) have a null or duplicate primary key and will not be sent.`);
  if (def.mode !== "mirror" && counts.removed > 0) {
    warnings.push(`${counts.removed} synced row(s) left the model; mode "${def.mode}" leaves them in the destination (use mode "mirror" to delete them).`);
  }
  return {
    name: def.name,
    model: def.modelName,
    destination: def.destinationName,
    object: def.object,
    mode: def.mode,
    full,
    counts,
    operations: { write: sum(send.write), delete: deletes },
    samples: inKeyOrder(samples),
    warnings,
  };
}

/** A message when mirror mode would delete more than `maxDeleteShare` of the synced rows, else undefined. */
export function massDeleteGuard(def: SyncDefinition, deletes: number, syncedCount: number): string | undefined {
  const over = massDeleteOverShare(def, deletes, syncedCount);
  return over && `${over} Check the model; if this is intended, run with --allow-mass-delete.`;
}

/** How far mirror mode's deletes exceed `maxDeleteShare` (without advice), else undefined. */
export function massDeleteOverShare(def: SyncDefinition, deletes: number, syncedCount: number): string | undefined {
  if (deletes === 0 || syncedCount === 0) return undefined;
  const share = deletes / syncedCount;
  if (share <= def.maxDeleteShare) return undefined;
  return (
    `sync "${def.name}" would delete ${deletes} of ${syncedCount} synced records (${(share * 100).toFixed(1)} %), ` +
    `more than maxDeleteShare ${(def.maxDeleteShare * 100).toFixed(0)} %.`
  );
}

/** Turn a classified row into a plan sample with destination field names. */
export function sampleOf(def: SyncDefinition, row: ClassifiedMeta): PlanSample {
  const key = keyValueOf(def, row._retl_key_value);
  const current = parseJson(row._retl_values);
  const previous = parseJson(row._retl_state_values);
  switch (row._retl_class) {
    case "invalid": {
      const isNull = row._retl_key === null;
      return {
        key,
        reason: isNull
          ? `primary key ${def.keyColumns.join(", ")} is null`
          : `duplicate primary key: ${Number(row._retl_n)} rows share it`,
      };
    }
    case "removed":
      return { key, values: toFields(def, previous) };
    case "changed": {
      // Which fields changed is decided on the warehouse's JSON of both sides (the same rendering); what
      // is shown as the new value is the value as it will be sent.
      const typed = typedValues(def, row);
      const changes = fieldChanges(def, previous, current).map((c) => ({ ...c, to: typed[c.field] ?? c.to }));
      return { key, values: typed, changes };
    }
    default:
      return { key, values: typedValues(def, row) };
  }
}

/** Mapped values of a classified row as the destination receives them. */
function typedValues(def: SyncDefinition, row: ClassifiedMeta): Record<string, FieldValue> {
  const columns = row as unknown as Record<string, unknown>;
  const out: Record<string, FieldValue> = {};
  for (const [field, column] of def.match) out[field] = toFieldValue(columns[column]);
  for (const [column, field] of def.fields) out[field] = toFieldValue(columns[column]);
  return out;
}

/** The primary key value from its JSON object text: the value itself for one column, else the object. */
export function keyValueOf(def: SyncDefinition, keyJson: string | null): FieldValue {
  const parsed = parseJson(keyJson);
  if (def.keyColumns.length === 1) return parsed[def.keyColumns[0]!] ?? null;
  return parsed;
}

function toFields(def: SyncDefinition, values: Record<string, FieldValue>): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const [field, column] of def.match) out[field] = values[column] ?? null;
  for (const [column, field] of def.fields) out[field] = values[column] ?? null;
  return out;
}

function fieldChanges(def: SyncDefinition, before: Record<string, FieldValue>, after: Record<string, FieldValue>): FieldChange[] {
  const changes: FieldChange[] = [];
  const targets = [...def.match.map(([f, c]) => [c, f] as const), ...def.fields];
  for (const [column, field] of targets) {
    const from = column in before ? before[column] : undefined;
    const to = after[column];
    if (JSON.stringify(from) !== JSON.stringify(to)) changes.push({ field, from, to });
  }
  return changes;
}

function parseJson(text: string | null): Record<string, FieldValue> {
  if (!text) return {};
  try {
    return JSON.parse(text) as Record<string, FieldValue>;
  } catch {
    return {};
  }
}
