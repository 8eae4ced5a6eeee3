import { sql } from "kysely";
import PQueue from "p-queue";
import type { DestinationConnection, SyncContext, WriteOperation } from "../plugins/destination.js";
import type { ProgressEvent } from "../reports.js";
import { snapshotTable, type Snapshot } from "../plan/snapshot.js";
import { secrets } from "../secrets/redactor.js";
import type { StateCommits } from "../state/state-commits.js";
import { requestLimiter, type SharedRequestBudget } from "../transport/request-budget.js";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "../transport/retry-policy.js";
import { deliverBatch, type RetryEvent } from "./deliver-batch.js";
import { failDeferred, settleDeferred } from "./flush-deferred.js";
import { outgoingRecord, type PendingRow } from "./outgoing-record.js";
import { Settlements, type Tally } from "./settlement.js";

/** What sending a run's snapshot needs. */
export interface SendContext {
  snapshot: Snapshot;
  commits: StateCommits;
  destination: DestinationConnection;
  runId: string;
  /** Records the run sends (the plan's writes and deletes), for progress. */
  total: number;
  tally: Tally;
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
  retryPolicy?: RetryPolicy;
  /** Called before records are sent again. */
  onRetry?: (event: RetryEvent) => void;
  /** The destination's request budget shared with other processes, if any. */
  requestBudget?: SharedRequestBudget;
}

/** Rows streamed from the snapshot per fetch. */
const FETCH_ROWS = 10_000;

/**
 * Stream the snapshot in send order, deliver batches through a bounded queue under the destination's
 * rate limits, commit state after each acknowledged batch, and settle deferred records at `flush()`.
 * Returns the error that stopped the run, if any: its redacted message, and what was thrown.
 */
export async function sendSnapshot(ctx: SendContext): Promise<{ error?: string; cause?: unknown }> {
  const { snapshot, destination, tally } = ctx;
  const { def } = snapshot;
  const caps = destination.capabilities;
  const batchSize = Math.max(1, caps.maxBatchSize);
  const concurrency = Math.max(1, caps.maxConcurrency ?? 1);
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort(ctx.signal?.reason ?? new Error("cancelled"));
  ctx.signal?.addEventListener("abort", onOuterAbort, { once: true });
  const limiter = requestLimiter(def.destinationName, caps.rateLimits ?? [], ctx.requestBudget);
  const sendQueue = new PQueue({ concurrency });
  const deferredContext = { db: snapshot.warehouse.db, commits: ctx.commits, tally, retryRejected: def.retryRejected };
  const settlements = new Settlements(deferredContext);
  const syncContext: SyncContext = {
    sync: def.name,
    object: def.object,
    options: def.options,
    runId: ctx.runId,
    total: ctx.total,
    signal: abort.signal,
    acquireRequests: (count = 1) => limiter.acquire(abort.signal, count),
  };
  const writeOperation: WriteOperation = def.mode === "mirror" ? "upsert" : def.mode;
  let stop: { error: string; cause?: unknown } | undefined;
  let lastDispatchedSeq = 0;
  let done = 0;

  try {
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
        // The run is stopping: this batch is never sent.
        if (stop) return settlements.fail(opCode, lo, hi, keys, `not sent: ${stop.error}`);
        try {
          const results = await deliverBatch({ destination, limiter, policy: ctx.retryPolicy ?? DEFAULT_RETRY_POLICY, context: syncContext, onRetry: ctx.onRetry }, op, records);
          await settlements.settle(opCode, lo, hi, keys, results);
        } catch (caught) {
          stop ??= { error: secrets.redact(caught instanceof Error ? caught.message : String(caught)), cause: caught };
          await settlements.fail(opCode, lo, hi, keys, `not sent: ${stop.error}`);
        }
        done += keys.length;
        ctx.onProgress?.({ sync: def.name, phase: "sending", done, total: ctx.total });
      });
    };
    let batch: PendingRow[] = [];
    for await (const row of streamSnapshot(snapshot)) {
      if (stop || abort.signal.aborted) break;
      if (batch.length > 0 && (batch.length >= batchSize || batch[0]!._retl_op !== row._retl_op)) {
        await dispatch(batch);
        batch = [];
      }
      batch.push(row);
    }
    if (batch.length > 0 && !stop && !abort.signal.aborted) await dispatch(batch);
    await sendQueue.onIdle();
    await settlements.idle();
    if (abort.signal.aborted) stop ??= { error: "cancelled" };

    const deferred = settlements.deferred;
    if (deferred.length > 0) {
      if (stop) {
        // Deferred records were never confirmed: none of them counts as delivered.
        await failDeferred(deferredContext, deferred, `not delivered: ${stop.error}`);
      } else if (!destination.flush) {
        await failDeferred(deferredContext, deferred, "not delivered: the destination deferred records but has no flush() to confirm them (a plugin bug)");
      } else {
        ctx.onProgress?.({ sync: def.name, phase: "finishing", done, total: ctx.total });
        const error = await settleDeferred(deferredContext, deferred, await destination.flush(syncContext));
        if (error) stop = { error };
      }
    }
    if (stop) {
      const message = `not sent: ${stop.error}`;
      tally.failed += await ctx.commits.recordUnsent(snapshot.warehouse.db, lastDispatchedSeq, message);
    }
  } catch (caught) {
    await sendQueue.onIdle().catch(() => undefined);
    await settlements.drain();
    throw caught;
  } finally {
    ctx.signal?.removeEventListener("abort", onOuterAbort);
  }
  return stop ?? {};
}

/** The rows to send, in send order, with only what building records needs. */
function streamSnapshot(snapshot: Snapshot): AsyncIterable<PendingRow> {
  return snapshot.warehouse.db
    .selectFrom(snapshotTable(snapshot))
    .select((eb) => [
      "p._retl_seq",
      "p._retl_op",
      "p._retl_key",
      // The JSON texts are read for deletes alone.
      eb.case().when("p._retl_op", "=", "d").then(eb.ref("p._retl_key_value")).end().as("_retl_key_value"),
      eb.case().when("p._retl_op", "=", "d").then(eb.ref("p._retl_state_values")).end().as("_retl_state_values"),
      // Model column names may hold dots or spaces: quote them as identifiers, never parse them.
      ...snapshot.def.columns.map((column) => sql<unknown>`${sql.id("p", column)}`.as(column)),
    ])
    .where("p._retl_op", "in", ["w", "d"])
    .orderBy("p._retl_seq")
    .stream(FETCH_ROWS) as AsyncIterable<PendingRow>;
}
