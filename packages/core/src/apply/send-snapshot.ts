import { sql } from "kysely";
import PQueue from "p-queue";
import type { DestinationConnection, SyncContext, WriteOperation } from "../plugins/destination.js";
import type { Logger } from "../plugins/plugin-context.js";
import type { ProgressEvent } from "../reports.js";
import { snapshotTable, type Snapshot } from "../plan/snapshot.js";
import { withoutPrefix } from "../errors.js";
import { secrets } from "../secrets/redactor.js";
import type { StateCommits } from "../state/state-commits.js";
import { requestLimiter, type SharedRequestBudget } from "../transport/request-budget.js";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "../transport/retry-policy.js";
import { deliverBatch, type RetryEvent } from "./deliver-batch.js";
import { failDeferred, settleDeferred } from "./flush-deferred.js";
import { outgoingRecord, type PendingRow } from "./outgoing-record.js";
import { ReachWatch } from "./reach-watch.js";
import { Settlements, type Tally } from "./settlement.js";

/** What sending a run's snapshot needs. */
export interface SendContext {
  snapshot: Snapshot;
  commits: StateCommits;
  destination: DestinationConnection;
  runId: string;
  /** Records the run sends (the plan's writes and deletes), for progress. */
  total: number;
  /** A run of the sync was interrupted since its last successful run (`SyncContext.interrupted`). */
  interrupted?: boolean;
  tally: Tally;
  /** Stop: no new batch starts; the batches in flight finish and commit. */
  signal?: AbortSignal;
  /** Abort the batches in flight too. */
  abortSignal?: AbortSignal;
  /** Where retry waves are logged (info). */
  logger?: Logger;
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
  // Writes see only the abort signal: a stop lets the batches in flight finish and commit.
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort(ctx.abortSignal?.reason ?? new Error("cancelled"));
  ctx.abortSignal?.addEventListener("abort", onOuterAbort, { once: true });
  const stopping = () => abort.signal.aborted || ctx.signal?.aborted === true;
  const stopReason = (): string => {
    const reason: unknown = abort.signal.aborted ? abort.signal.reason : ctx.signal?.reason;
    return reason instanceof Error ? reason.message : typeof reason === "string" ? reason : "cancelled";
  };
  // A run that stops on its own (a fatal answer, an unreachable destination) retries nothing more either.
  const halt = new AbortController();
  const stopSignal = ctx.signal ? AbortSignal.any([ctx.signal, halt.signal]) : halt.signal;
  const reach = new ReachWatch(def.destinationName);
  const policy = ctx.retryPolicy ?? DEFAULT_RETRY_POLICY;
  const retryWaves = new Set<number>();
  const onRetry = (info: RetryEvent) => {
    ctx.onRetry?.(info);
    // One line per wave (the first batch to reach attempt N), so a long outage is visible without flooding.
    if (retryWaves.has(info.attempt)) return;
    retryWaves.add(info.attempt);
    ctx.logger?.info("retrying failed batches", { sync: def.name, attempt: info.attempt, of: policy.maxAttempts, inMs: info.delayMs, reason: info.message });
  };
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
    ...(ctx.interrupted ? { interrupted: true } : {}),
    signal: abort.signal,
    acquireRequests: (count = 1) => limiter.acquire(abort.signal, count),
  };
  const writeOperation: WriteOperation = def.mode === "mirror" ? "upsert" : def.mode;
  // `interrupted`: stopped by the caller's stop signal alone; what was delivered is still flushed and committed.
  let stop: { error: string; cause?: unknown; interrupted?: boolean } | undefined;
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
      await sendQueue.onSizeLessThan(concurrency);
      enqueue(async () => {
        // The run is stopping: this batch is never sent.
        if (stop || stopping()) return settlements.fail(opCode, lo, hi, keys, `not sent: ${withoutPrefix(stop?.error ?? stopReason())}`);
        tally.sent += records.length;
        try {
          const results = await deliverBatch(
            { destination, limiter, policy, context: syncContext, stopSignal, reach, onRetry },
            op,
            records,
          );
          await settlements.settle(opCode, lo, hi, keys, results);
          // Failed rows are not done: they wait for the next run.
          done += results.filter((r) => r.status !== "failed").length;
        } catch (caught) {
          stop ??= { error: secrets.redact(caught instanceof Error ? caught.message : String(caught)), cause: caught };
          halt.abort(new Error(stop.error));
          await settlements.fail(opCode, lo, hi, keys, `not sent: ${withoutPrefix(stop.error)}`);
        }
        ctx.onProgress?.({ sync: def.name, phase: "sending", done, total: ctx.total });
      });
    };
    let batch: PendingRow[] = [];
    reading: for await (const rows of readAhead(streamSnapshot(snapshot))) {
      for (const row of rows) {
        if (stop || stopping()) break reading;
        if (batch.length > 0 && (batch.length >= batchSize || batch[0]!._retl_op !== row._retl_op)) {
          await dispatch(batch);
          batch = [];
        }
        batch.push(row);
      }
    }
    if (batch.length > 0 && !stop && !stopping()) await dispatch(batch);
    await sendQueue.onIdle();
    await settlements.idle();
    if (stopping()) stop ??= { error: stopReason(), interrupted: !abort.signal.aborted };

    const deferred = settlements.deferred;
    if (deferred.length > 0) {
      if (stop && !stop.interrupted) {
        // Deferred records were never confirmed: none of them counts as delivered.
        await failDeferred(deferredContext, deferred, `not delivered: ${stop.error}`);
      } else if (!destination.flush) {
        await failDeferred(deferredContext, deferred, "not delivered: the destination deferred records but has no flush() to confirm them (a plugin bug)");
      } else {
        ctx.onProgress?.({ sync: def.name, phase: "finishing", done, total: ctx.total });
        // A first Ctrl-C lets the batches written so far be confirmed and committed, as those in flight are.
        const error = await settleDeferred(deferredContext, deferred, await destination.flush(syncContext));
        if (error) stop = { error };
      }
    }
    if (stop) {
      const message = `not sent: ${withoutPrefix(stop.error)}`;
      tally.failed += await ctx.commits.recordUnsent(snapshot.warehouse.db, lastDispatchedSeq, message);
    }
  } catch (caught) {
    await sendQueue.onIdle().catch(() => undefined);
    await settlements.drain();
    throw caught;
  } finally {
    ctx.abortSignal?.removeEventListener("abort", onOuterAbort);
  }
  return stop ?? {};
}

/**
 * Rows read per query of the snapshot. One `ORDER BY` over the whole snapshot makes a column store
 * (DuckDB) sort every row to send before returning the first, and hold them (or spill them) for as long
 * as the run sends: most of a DuckDB sync's memory at 1e6 rows. A page of send order sorts this many
 * rows; the snapshot is written in send order, so min/max zone maps skip the rest of the table, and a row
 * store reads the page from its index on `_retl_seq`.
 */
const PAGE_ROWS = 50_000;

/**
 * The rows to send, in send order, with only what building records needs, read a page at a time and
 * handed over a fetch at a time: a row at a time, each row took several promises through the stream's
 * async generators (and the run context's promise hook), about a fifth of Node's CPU in a 1e6-row sync.
 */
async function* streamSnapshot(snapshot: Snapshot): AsyncIterable<readonly PendingRow[]> {
  const { db } = snapshot.warehouse;
  // The last position to send, read first: pages stop there, whatever gaps the numbering might have.
  const { last } = await db
    .selectFrom(snapshotTable(snapshot))
    .select((eb) => eb.fn.max("p._retl_seq").as("last"))
    .where("p._retl_op", "in", ["w", "d"])
    .executeTakeFirstOrThrow();
  const end = Number(last ?? 0);
  for (let lo = 1; lo <= end; lo += PAGE_ROWS) {
    const page = db
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
      .where("p._retl_seq", ">=", lo)
      .where("p._retl_seq", "<", lo + PAGE_ROWS)
      .orderBy("p._retl_seq")
      .compile();
    for await (const fetched of db.getExecutor().stream(page, FETCH_ROWS)) yield fetched.rows as PendingRow[];
  }
}

/**
 * `source`'s items, asking for the next one as soon as one is handed over: the warehouse reads the next fetch
 * of the snapshot while Node turns the current one into records. Read in turn, a 1e6-row PostgreSQL sync
 * left its reading session idle while Node worked and Node idle while it read (about 2 s of the send).
 */
async function* readAhead<T>(source: AsyncIterable<T>): AsyncIterable<T> {
  const iterator = source[Symbol.asyncIterator]();
  let next = iterator.next();
  try {
    for (;;) {
      const item = await next;
      if (item.done) return;
      next = iterator.next();
      yield item.value;
    }
  } finally {
    // Stopped early: the request in flight settles first (an async generator queues them), then the source
    // closes (its cursor with it). A failure of that last read has no reader left.
    next.catch(() => undefined);
    await iterator.return?.();
  }
}
