import { randomBytes } from "node:crypto";
import { sql, type Kysely, type RawBuilder } from "kysely";
import PQueue from "p-queue";
import { MassDeleteError, ReverseEtlError } from "../errors.js";
import type { DestinationConnection, WriteOperation } from "../plugins/destination.js";
import type { Logger } from "../plugins/plugin-context.js";
import type { SqlFunctions } from "../plugins/source.js";
import { classesToSend, classifyJoinQuery, classifyQuery, type ClassifiedMeta, type RowClass } from "../plan/classify-query.js";
import { keysRepeat } from "../plan/count-diff.js";
import { buildPlan, massDeleteGuard, sampleOf } from "../plan/plan-sync.js";
import type { SyncDefinition } from "../plan/sync-definition.js";
import { valueKindOf } from "../project/check-mapping.js";
import type { PlanCounts, PlanSample, ProgressEvent, RunStatus, SyncPlan, SyncRunReport } from "../project/reports.js";
import { secrets } from "../secrets/redactor.js";
import type { StateStore } from "../state/state-store.js";
import { SlidingWindowLimiter } from "../transport/rate-limiter.js";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "../transport/retry-policy.js";
import { deliverBatch, type DeliveryResult } from "./deliver-batch.js";
import { GroupCommitter } from "./group-committer.js";
import { outgoingRecord, type PendingRow } from "./outgoing-record.js";

/** What running a sync needs. */
export interface ApplyContext {
  /** Kysely over the model's source, which also holds the state. */
  db: Kysely<unknown>;
  functions: SqlFunctions;
  def: SyncDefinition;
  store: StateStore;
  destination: DestinationConnection;
  full: boolean;
  allowMassDelete: boolean;
  sampleSize: number;
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
  logger: Logger;
  retryPolicy?: RetryPolicy;
}

/** A contiguous run of snapshot rows whose results are known, for set-based state commits. */
interface SettledRange {
  /** `w` for rows written, `d` for rows deleted. */
  op: "w" | "d";
  lo: number;
  hi: number;
  /** Keys in the range not to commit (rejected or failed). */
  exclude: string[];
}

/** Rows streamed from the snapshot per fetch. */
const FETCH_ROWS = 10_000;

/**
 * Run one sync: lock it, snapshot what changed into a table of the state schema, stream that snapshot to
 * the destination in batches, and after each acknowledged batch commit its rows' state in one set-based
 * statement. A crash at any point leaves state describing exactly what the destination acknowledged, so
 * the next run resends only what was not.
 */
export async function applySync(ctx: ApplyContext): Promise<SyncRunReport> {
  const { def, store, db } = ctx;
  const started = Date.now();
  const runId = newRunId();
  const pendingTable = `pending_${runId.replace(/[^a-z0-9]/g, "_")}`;
  const release = await store.acquireLock(def.name, runId);
  const tally = { sent: 0, succeeded: 0, rejected: 0, failed: 0 };
  let plan: SyncPlan | undefined;
  let status: RunStatus = "failed";
  let error: string | undefined;
  let errorCode: string | undefined;
  try {
    const recovered = await store.recoverInterrupted(def.name, runId);
    if (recovered > 0) ctx.logger.warn("closed runs interrupted by a crash", { sync: def.name, runs: recovered });
    await store.startRun({ runId, sync: def.name, full: ctx.full, pendingTable });
    try {
      ctx.onProgress?.({ sync: def.name, phase: "planning", done: 0 });
      const phase = phaseTimer(ctx.logger, def.name);
      // One diff pass: the snapshot holds every row that is not unchanged, and the counts come from it.
      const send = classesToSend(def.mode, ctx.full);
      const synced = await store.countSynced(def.name);
      const holdsRemoved = await snapshot(ctx, pendingTable, send);
      phase("snapshotted the rows that differ", { table: pendingTable });
      const counts = await countSnapshot(ctx, pendingTable, holdsRemoved ? undefined : synced);
      phase("counted rows by class", { ...counts });
      await store.recordCounts(runId, counts);
      plan = buildPlan(def, counts, emptySamples(), ctx.full, synced);
      const guard = massDeleteGuard(def, plan.operations.delete, synced);
      if (guard && !ctx.allowMassDelete) throw new MassDeleteError(guard);

      if (counts.invalid > 0) await recordInvalidRows(ctx, runId, pendingTable);
      plan = buildPlan(def, counts, await snapshotSamples(ctx, pendingTable, holdsRemoved ? counts : { ...counts, removed: 0 }), ctx.full, synced);
      phase("recorded invalid rows and samples");
      const total = plan.operations.write + plan.operations.delete;
      ctx.onProgress?.({ sync: def.name, phase: "sending", done: 0, total });

      const outcome = await sendSnapshot(ctx, runId, pendingTable, total, tally);
      phase("sent and committed", { ...tally });
      if (await refreshState(ctx, tally.succeeded, synced)) phase("refreshed the state table");
      error = outcome.error;
      errorCode = outcome.errorCode;
      // A spent quota ends the run cleanly: what was sent is committed, the rest waits for the next run.
      status = error && errorCode !== "DestinationQuotaError" ? "failed" : tally.rejected + tally.failed > 0 || error ? "partial" : "succeeded";
    } catch (caught) {
      error = secrets.redact(caught instanceof Error ? caught.message : String(caught));
      errorCode = caught instanceof Error ? caught.name : undefined;
      if (!(caught instanceof ReverseEtlError)) ctx.logger.warn("run failed", { sync: def.name, error });
      status = "failed";
    } finally {
      await store.finishRun(runId, { status, ...tally, error: error ?? null });
      await store.dropTable(pendingTable);
    }
  } finally {
    await release();
  }
  const base = plan ?? buildPlan(def, { added: 0, changed: 0, removed: 0, unchanged: 0, invalid: 0 }, emptySamples(), ctx.full, 0);
  return {
    ...base,
    runId,
    status,
    results: { succeeded: tally.succeeded, rejected: tally.rejected, failed: tally.failed },
    ...(error ? { error } : {}),
    ...(errorCode ? { errorCode } : {}),
    durationMs: Date.now() - started,
  };
}

/**
 * After a run that wrote at least a tenth of the sync's state (a first sync, a `--full`, a large change),
 * let the warehouse refresh the state table (`SqlFunctions.refreshTable`), so the next plan's count and join
 * read it at full speed. Small runs leave it to the warehouse's own maintenance. A refusal only warns.
 */
async function refreshState(ctx: ApplyContext, written: number, stateRows: number): Promise<boolean> {
  const refresh = ctx.functions.refreshTable;
  if (!refresh || written < Math.max(1000, stateRows / 10)) return false;
  try {
    await refresh(sql.id(ctx.store.schema, "sync_state")).execute(ctx.db);
    return true;
  } catch (error) {
    ctx.logger.warn("could not refresh the state table", { sync: ctx.def.name, error: secrets.redact(String(error)) });
    return false;
  }
}

/** Logs each phase of a run with its duration, at debug level (`--log-level debug`). */
function phaseTimer(logger: Logger, sync: string): (what: string, fields?: Record<string, unknown>) => void {
  let last = performance.now();
  return (what, fields) => {
    const now = performance.now();
    logger.debug(what, { sync, ms: Math.round(now - last), ...fields });
    last = now;
  };
}

/**
 * Freeze what this run sends (and the invalid rows) into a table, numbered in send order. Returns whether
 * the table holds the removed rows too: it does unless the model's keys do not repeat and the mode deletes
 * nothing, when the snapshot takes one `LEFT JOIN` of the model with the state and no full join.
 */
async function snapshot(ctx: ApplyContext, table: string, send: { write: RowClass[]; delete: RowClass[] }): Promise<boolean> {
  const state = { schema: ctx.store.schema };
  const kept = snapshotClasses(send);
  const deletes = send.delete.includes("removed");
  // The key-repeat check runs beside the one-join snapshot it decides on: repeats are rare, and then the
  // snapshot is taken again with the exact diff.
  const [exact] = await Promise.all([
    keysRepeat(ctx.db, ctx.def),
    createSnapshot(ctx, table, send, classifyJoinQuery(ctx.functions, ctx.def, state, kept, deletes)),
  ]);
  if (exact) await createSnapshot(ctx, table, send, classifyQuery(ctx.functions, ctx.def, state));
  // Every commit reads one range of the snapshot: without an index a row store scans it all each time.
  if (ctx.functions.indexSnapshots) {
    await (ctx.db as Kysely<Record<string, PendingRow>>)
      .withSchema(ctx.store.schema)
      .schema.createIndex(`${table}_seq`)
      .on(table)
      .column("_retl_seq")
      .execute();
  }
  return exact || deletes;
}

/** The classes a snapshot keeps: what the run sends, and the rest but unchanged rows, for its counts. */
function snapshotClasses(send: { write: RowClass[]; delete: RowClass[] }): RowClass[] {
  return [...send.write, ...send.delete, "added", "changed", "removed", "invalid"];
}

/** (Re)create the snapshot table from classified rows, numbered in send order. */
async function createSnapshot(
  ctx: ApplyContext,
  table: string,
  send: { write: RowClass[]; delete: RowClass[] },
  classified: RawBuilder<ClassifiedMeta>,
): Promise<void> {
  const lits = (classes: RowClass[]) => sql.join([...classes, "__none__"].map((c) => sql.lit(c)));
  // Send order: by the key's own columns where their type sorts (integers sort as numbers, and faster
  // than their text), then by the key's text, which also orders removed rows (they have no model columns)
  // and keys of types without an order (PostgreSQL's json). A stable order gives a batch resent after a
  // crash the same records, hence the same idempotency key.
  // Numbers, booleans, dates, timestamps and texts sort in every warehouse; "other" types may not.
  const sortable = ctx.def.keyColumns.filter((c) => valueKindOf(ctx.def.columnTypes?.[c]) !== "other");
  const keyOrder = sql.join([...sortable.map((c) => sql.id("c", c)), sql`c._retl_key`]);
  await ctx.store.dropTable(table);
  await sql`
    create table ${sql.id(ctx.store.schema, table)} as
    select
      row_number() over (
        order by case when c._retl_class in (${lits(send.write)}) then 0
                      when c._retl_class in (${lits(send.delete)}) then 1 else 2 end,
                 ${keyOrder}) as _retl_seq,
      case when c._retl_class in (${lits(send.write)}) then 'w'
           when c._retl_class in (${lits(send.delete)}) then 'd'
           else 'x' end as _retl_op,
      c.*
    from (${classified}) as c
    where c._retl_class in (${lits(snapshotClasses(send))})`.execute(ctx.db);
}

/**
 * Counts by class from the snapshot, which holds every row but the unchanged ones (unless `--full` sends
 * them): those are the model's rows less the others, counted without computing a fingerprint. A snapshot
 * without the removed rows counts them as the state's rows (`stateRows`) that no model row matched.
 */
async function countSnapshot(ctx: ApplyContext, table: string, stateRows?: number): Promise<PlanCounts> {
  const counts: PlanCounts = { added: 0, changed: 0, removed: 0, unchanged: 0, invalid: 0 };
  const byClass = await sql<{ cls: RowClass; n: number | string | bigint }>`
    select p._retl_class as cls, count(*) as n from ${sql.id(ctx.store.schema, table)} as p group by p._retl_class`.execute(ctx.db);
  for (const row of byClass.rows) counts[row.cls] = Number(row.n);
  if (!ctx.full) {
    const model = await sql<{ n: number | string | bigint }>`
      select count(*) as n from (${sql.raw(ctx.def.modelSql)}) as m`.execute(ctx.db);
    counts.unchanged = Number(model.rows[0]!.n) - counts.added - counts.changed - counts.invalid;
  }
  if (stateRows !== undefined) counts.removed = Math.max(0, stateRows - counts.changed - counts.unchanged);
  return counts;
}

async function recordInvalidRows(ctx: ApplyContext, runId: string, table: string): Promise<void> {
  const keyCols = ctx.def.keyColumns.join(", ");
  await sql`
    insert into ${sql.id(ctx.store.schema, "sync_errors")} (run_id, sync_name, row_key, key_value, kind, message)
    select ${sql.lit(runId)}, ${sql.lit(ctx.def.name)}, p._retl_key, p._retl_key_value, 'invalid',
      case when p._retl_key is null then ${sql.lit(`primary key ${keyCols} is null: row not sent`)}
           else ${sql.lit(`duplicate primary key (`)} || ${ctx.functions.toText(sql`p._retl_n`)} || ${sql.lit(" rows share it): rows not sent")} end
    from ${sql.id(ctx.store.schema, table)} as p where p._retl_class = 'invalid'`.execute(ctx.db);
}

async function snapshotSamples(ctx: ApplyContext, table: string, counts: PlanCounts): Promise<SyncPlan["samples"]> {
  const samples = emptySamples();
  if (ctx.sampleSize <= 0) return samples;
  for (const cls of ["added", "changed", "removed", "invalid"] as const) {
    // A class with no rows in the snapshot is not looked for: the search would read all of it in send order.
    if (counts[cls] === 0) continue;
    const rows = await sql<ClassifiedMeta>`
      select * from ${sql.id(ctx.store.schema, table)} as p where p._retl_class = ${sql.lit(cls)}
      order by p._retl_seq limit ${sql.lit(ctx.sampleSize)}`.execute(ctx.db);
    samples[cls] = rows.rows.map((row): PlanSample => sampleOf(ctx.def, row));
  }
  return samples;
}

function emptySamples(): SyncPlan["samples"] {
  return { added: [], changed: [], removed: [], invalid: [] };
}

/**
 * Stream the snapshot in send order, deliver batches through a bounded queue, and commit state after
 * each acknowledged batch. Returns the error that stopped the run, if any.
 */
async function sendSnapshot(
  ctx: ApplyContext,
  runId: string,
  table: string,
  total: number,
  tally: { sent: number; succeeded: number; rejected: number; failed: number },
): Promise<{ error?: string; errorCode?: string }> {
  const { def, destination, store } = ctx;
  const caps = destination.capabilities;
  const batchSize = Math.max(1, caps.maxBatchSize);
  const concurrency = Math.max(1, caps.maxConcurrency ?? 1);
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort(ctx.signal?.reason ?? new Error("cancelled"));
  ctx.signal?.addEventListener("abort", onOuterAbort, { once: true });
  const limiter = new SlidingWindowLimiter(caps.rateLimits ?? []);
  const sendQueue = new PQueue({ concurrency });
  // State commits are serialised and grouped: one writer at a time keeps every warehouse happy.
  const committer = new GroupCommitter<Settlement>(
    (items) => commitSettlements(ctx, runId, table, items),
    MAX_KEYS_PER_COMMIT,
    (item) => 1 + item.notOk.length + item.remembered.length + item.errors.length,
  );
  const deferred: SettledRange[] = [];
  const writeOperation: WriteOperation = def.mode === "mirror" ? "upsert" : def.mode;
  let stopError: string | undefined;
  let stopCode: string | undefined;
  let lastDispatchedSeq = 0;
  let done = 0;

  const settle = (op: "w" | "d", lo: number, hi: number, keys: string[], results: DeliveryResult[]) => {
    const settlement: Settlement = { op, lo, hi, ok: 0, notOk: [], remembered: [], errors: [] };
    const notDeferred: string[] = [];
    results.forEach((result, i) => {
      const key = keys[i]!;
      if (result.status === "ok") settlement.ok++;
      else settlement.notOk.push(key);
      if (result.status !== "deferred") notDeferred.push(key);
      if (result.status === "ok") tally.succeeded++;
      if (result.status === "rejected") {
        tally.rejected++;
        settlement.errors.push({ rowKey: key, kind: "rejected", message: result.message });
        if (!def.retryRejected) settlement.remembered.push(key);
      }
      if (result.status === "failed") {
        tally.failed++;
        settlement.errors.push({ rowKey: key, kind: "failed", message: result.message });
      }
    });
    if (notDeferred.length < keys.length) deferred.push({ op, lo, hi, exclude: notDeferred });
    // The sender waits for its commit, so at most `concurrency` acknowledged batches are ever uncommitted
    // (a kill can only make those few be sent again); batches settling together share one commit.
    return committer.add(settlement).catch(() => undefined);
  };

  try {
    const rows = (ctx.db as Kysely<Record<string, PendingRow>>)
      .withSchema(store.schema)
      .selectFrom(table)
      // Only what building records needs: the JSON texts are read for deletes alone.
      .select((eb) => [
        "_retl_seq",
        "_retl_op",
        "_retl_key",
        eb.case().when("_retl_op", "=", "d").then(eb.ref("_retl_key_value")).end().as("_retl_key_value"),
        eb.case().when("_retl_op", "=", "d").then(eb.ref("_retl_state_values")).end().as("_retl_state_values"),
        // Model column names may hold dots or spaces: quote them as identifiers, never parse them.
        ...def.columns.map((column) => sql<unknown>`${sql.id(column)}`.as(column)),
      ])
      .where("_retl_op", "in", ["w", "d"])
      .orderBy("_retl_seq")
      .stream(FETCH_ROWS);
    let batch: PendingRow[] = [];
    // p-queue keeps up to 100 finished tasks referenced until it compacts its array: hand it a thunk whose
    // scope holds nothing but the task, dropped once run, so memory stays flat whatever the batch size.
    const enqueue = (task: () => Promise<void>) => {
      let pendingTask: (() => Promise<void>) | undefined = task;
      void sendQueue.add(() => {
        const run = pendingTask!;
        pendingTask = undefined;
        return run();
      });
    };
    const dispatch = async (pending: PendingRow[]) => {
      const opCode = pending[0]!._retl_op;
      const op: WriteOperation = opCode === "d" ? "delete" : writeOperation;
      const lo = Number(pending[0]!._retl_seq);
      const hi = Number(pending[pending.length - 1]!._retl_seq);
      const records = pending.map((row) => outgoingRecord(def, row));
      const keys = records.map((r) => r.key);
      lastDispatchedSeq = hi;
      tally.sent += records.length;
      await sendQueue.onSizeLessThan(concurrency);
      enqueue(async () => {
        if (stopError) {
          // The run is stopping: this batch was never sent.
          return settle(opCode, lo, hi, keys, keys.map(() => ({ status: "failed", message: `not sent: ${stopError}` })));
        }
        try {
          const results = await deliverBatch(
            { destination, limiter, policy: ctx.retryPolicy ?? DEFAULT_RETRY_POLICY, signal: abort.signal, sync: def.name, object: def.object, runId },
            op,
            records,
          );
          await settle(opCode, lo, hi, keys, results);
        } catch (caught) {
          if (!stopError) stopCode = caught instanceof Error ? caught.name : undefined;
          stopError ??= secrets.redact(caught instanceof Error ? caught.message : String(caught));
          await settle(opCode, lo, hi, keys, keys.map(() => ({ status: "failed", message: `not sent: ${stopError}` })));
        }
        done += keys.length;
        ctx.onProgress?.({ sync: def.name, phase: "sending", done, total });
      });
    };
    for await (const streamed of rows) {
      const row = streamed as PendingRow;
      if (stopError || abort.signal.aborted) break;
      if (batch.length > 0 && (batch.length >= batchSize || batch[0]!._retl_op !== row._retl_op)) {
        await dispatch(batch);
        batch = [];
      }
      batch.push(row);
    }
    if (batch.length > 0 && !stopError && !abort.signal.aborted) await dispatch(batch);
    await sendQueue.onIdle();
    await committer.idle();
    if (committer.error) throw committer.error;
    if (abort.signal.aborted) stopError ??= "cancelled";

    if (!stopError && deferred.length > 0 && destination.flush) {
      ctx.onProgress?.({ sync: def.name, phase: "finishing", done, total });
      const flushed = await destination.flush({ sync: def.name, object: def.object, runId });
      if (flushed.type === "ok") {
        await ctx.db.transaction().execute(async (trx) => {
          for (const group of chunkRanges(deferred)) await commitState(trx, ctx, runId, table, group);
        });
      } else {
        stopError = `destination did not confirm delivery: ${secrets.redact(flushed.message)}`;
      }
    }
    if (stopError && deferred.length > 0) {
      // Deferred records were never confirmed: none of them counts as delivered.
      await ctx.db.transaction().execute(async (trx) => {
        for (const range of deferred) {
          tally.failed += await recordRangeFailed(trx, ctx, runId, table, range, `not delivered: ${stopError}`);
        }
      });
    } else {
      for (const range of deferred) tally.succeeded += range.hi - range.lo + 1 - range.exclude.length;
    }
    if (stopError) {
      tally.failed += await recordUnsent(ctx, runId, table, lastDispatchedSeq, `not sent: ${stopError}`);
    }
  } catch (caught) {
    await sendQueue.onIdle().catch(() => undefined);
    await committer.idle().catch(() => undefined);
    throw caught;
  } finally {
    ctx.signal?.removeEventListener("abort", onOuterAbort);
  }
  return stopError ? { error: stopError, ...(stopCode ? { errorCode: stopCode } : {}) } : {};
}

type Trx = Kysely<unknown>;

/** The outcome of one delivered batch, waiting to be committed. */
interface Settlement {
  op: "w" | "d";
  lo: number;
  hi: number;
  /** Rows acknowledged now. */
  ok: number;
  /** Keys of the range not acknowledged now (rejected, failed or deferred). */
  notOk: string[];
  /** Rejected keys whose state is recorded anyway (`retryRejected: false`). */
  remembered: string[];
  errors: Array<{ rowKey: string; kind: "rejected" | "failed"; message: string }>;
}

/** Keys per commit statement at most (bind parameters are limited on some warehouses). */
const MAX_KEYS_PER_COMMIT = 5000;

/** Commit a group of settled batches in one transaction: a few set-based statements for all of them. */
async function commitSettlements(ctx: ApplyContext, runId: string, table: string, items: Settlement[]): Promise<void> {
  const acknowledged = items.filter((i) => i.ok > 0).map((i) => ({ op: i.op, lo: i.lo, hi: i.hi, exclude: i.notOk }));
  const remembered = items.flatMap((i) => i.remembered);
  const errors = items.flatMap((i) => i.errors);
  await ctx.db.transaction().execute(async (trx) => {
    if (acknowledged.length > 0) await commitState(trx, ctx, runId, table, acknowledged);
    if (remembered.length > 0) await upsertState(trx, ctx, runId, table, sql`p._retl_key in (${sql.join(remembered)})`, "rejected");
    if (errors.length > 0) await recordRowErrors(trx, ctx, runId, table, errors);
  });
}

/** A WHERE condition selecting the snapshot rows of some seq ranges, less their excluded keys. */
function rangesWhere(ranges: readonly SettledRange[]): RawBuilder<unknown> {
  const sorted = [...ranges].sort((a, b) => a.lo - b.lo);
  const merged: Array<{ lo: number; hi: number }> = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    if (last && r.lo === last.hi + 1) last.hi = r.hi;
    else merged.push({ lo: r.lo, hi: r.hi });
  }
  const inRanges = sql.join(merged.map((r) => sql`p._retl_seq between ${r.lo} and ${r.hi}`), sql` or `);
  const exclude = ranges.flatMap((r) => r.exclude);
  return exclude.length > 0 ? sql`(${inRanges}) and p._retl_key not in (${sql.join(exclude)})` : sql`(${inRanges})`;
}

/** Split ranges into groups with a bounded number of excluded keys. */
function chunkRanges(ranges: readonly SettledRange[]): SettledRange[][] {
  const groups: SettledRange[][] = [];
  let current: SettledRange[] = [];
  let keys = 0;
  for (const r of ranges) {
    if (current.length > 0 && (keys + r.exclude.length > MAX_KEYS_PER_COMMIT || current.length >= 200)) {
      groups.push(current);
      current = [];
      keys = 0;
    }
    current.push(r);
    keys += r.exclude.length;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** Commit acknowledged ranges: written rows get their new fingerprint, deleted rows lose their state. */
async function commitState(trx: Trx, ctx: ApplyContext, runId: string, table: string, ranges: SettledRange[]): Promise<void> {
  const writes = ranges.filter((r) => r.op === "w");
  const deletes = ranges.filter((r) => r.op === "d");
  // Each statement only when it has rows: a delete probes the whole state table, an upsert the index.
  if (writes.length > 0) await upsertState(trx, ctx, runId, table, rangesWhere(writes), "synced");
  if (deletes.length > 0) {
    await sql`
      delete from ${sql.id(ctx.store.schema, "sync_state")}
      where sync_name = ${ctx.def.name} and row_key in (
        select p._retl_key from ${sql.id(ctx.store.schema, table)} as p where p._retl_op = 'd' and ${rangesWhere(deletes)})`.execute(trx);
  }
}

/** Insert or update the state of written snapshot rows matching `where`. */
async function upsertState(trx: Trx, ctx: ApplyContext, runId: string, table: string, where: RawBuilder<unknown>, status: string): Promise<void> {
  const schema = ctx.store.schema;
  await sql`
    insert into ${sql.id(schema, "sync_state")} (sync_name, row_key, key_value, fingerprint, row_values, status, last_run_id, synced_at)
    select ${ctx.def.name}, p._retl_key, p._retl_key_value, p._retl_fp, p._retl_values, ${status}, ${runId}, current_timestamp
    from ${sql.id(schema, table)} as p
    where p._retl_op = 'w' and ${where}
    on conflict (sync_name, row_key) do update set
      key_value = excluded.key_value, fingerprint = excluded.fingerprint, row_values = excluded.row_values,
      status = excluded.status, last_run_id = excluded.last_run_id, synced_at = excluded.synced_at`.execute(trx);
}

async function recordRowErrors(
  trx: Trx,
  ctx: ApplyContext,
  runId: string,
  table: string,
  errors: Array<{ rowKey: string; kind: string; message: string }>,
): Promise<void> {
  const schema = ctx.store.schema;
  for (let i = 0; i < errors.length; i += 500) {
    const slice = errors.slice(i, i + 500);
    const values = sql.join(slice.map((e) => sql`(${e.rowKey}, ${e.kind}, ${e.message})`));
    await sql`
      insert into ${sql.id(schema, "sync_errors")} (run_id, sync_name, row_key, key_value, kind, message)
      select ${runId}, ${ctx.def.name}, e.row_key, p._retl_key_value, e.kind, e.message
      from (values ${values}) as e (row_key, kind, message)
      left join ${sql.id(schema, table)} as p on p._retl_key = e.row_key and p._retl_op <> 'x'`.execute(trx);
  }
}

async function recordRangeFailed(trx: Trx, ctx: ApplyContext, runId: string, table: string, range: SettledRange, message: string): Promise<number> {
  const schema = ctx.store.schema;
  const excluded = range.exclude.length > 0 ? sql`and p._retl_key not in (${sql.join(range.exclude)})` : sql``;
  const result = await sql`
    insert into ${sql.id(schema, "sync_errors")} (run_id, sync_name, row_key, key_value, kind, message)
    select ${runId}, ${ctx.def.name}, p._retl_key, p._retl_key_value, 'failed', ${message}
    from ${sql.id(schema, table)} as p
    where p._retl_op in ('w', 'd') and p._retl_seq between ${range.lo} and ${range.hi} ${excluded}`.execute(trx);
  return Number(result.numAffectedRows ?? 0);
}

/** Record every snapshot row after `afterSeq` as not sent, with the reason. */
async function recordUnsent(ctx: ApplyContext, runId: string, table: string, afterSeq: number, message: string): Promise<number> {
  const schema = ctx.store.schema;
  const result = await sql`
    insert into ${sql.id(schema, "sync_errors")} (run_id, sync_name, row_key, key_value, kind, message)
    select ${runId}, ${ctx.def.name}, p._retl_key, p._retl_key_value, 'failed', ${message}
    from ${sql.id(schema, table)} as p
    where p._retl_op in ('w', 'd') and p._retl_seq > ${afterSeq}`.execute(ctx.db);
  return Number(result.numAffectedRows ?? 0);
}

/** Time-ordered, unique run id, e.g. `20261126t010203z-3f9a1c` (lower case: it names a table). */
export function newRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+/, "");
  return `${stamp}-${randomBytes(3).toString("hex")}`.toLowerCase();
}
