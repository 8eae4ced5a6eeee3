import { randomBytes } from "node:crypto";
import { DestinationQuotaError, MassDeleteError, ReverseEtlError } from "../errors.js";
import type { DestinationConnection } from "../plugins/destination.js";
import type { Logger } from "../plugins/plugin-context.js";
import { classesToSend } from "../plan/classify-query.js";
import { buildPlan, massDeleteGuard, massDeleteOverShare } from "../plan/plan-sync.js";
import { countSnapshot, dropSnapshot, emptySamples, snapshotSamples, takeSnapshot, type Snapshot } from "../plan/snapshot.js";
import type { SyncDefinition } from "../plan/sync-definition.js";
import type { Warehouse } from "../plan/warehouse.js";
import { noCounts, type ProgressEvent, type RunStatus, type SyncPlan, type SyncRunReport } from "../reports.js";
import { inSyncRun } from "../runtime/sync-run-context.js";
import { secrets } from "../secrets/redactor.js";
import { StateCommits } from "../state/state-commits.js";
import type { StateStore } from "../state/state-store.js";
import type { SharedRequestBudget } from "../transport/request-budget.js";
import type { RetryPolicy } from "../transport/retry-policy.js";
import type { RetryEvent } from "./deliver-batch.js";
import { sendSnapshot } from "./send-snapshot.js";
import type { Tally } from "./settlement.js";

/** What running a sync needs. */
export interface ApplyContext {
  /** The model's source, which also holds the state. */
  warehouse: Warehouse;
  def: SyncDefinition;
  store: StateStore;
  destination: DestinationConnection;
  full: boolean;
  allowMassDelete: boolean;
  sampleSize: number;
  /** Stops the run after the batches in flight (they finish and commit). */
  signal?: AbortSignal;
  /** Aborts the batches in flight as well. */
  abortSignal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
  logger: Logger;
  retryPolicy?: RetryPolicy;
  /** Called before records are sent again (metrics of retries and 429s). */
  onRetry?: (event: RetryEvent) => void;
  /** Id the run is recorded under; default a new one. A scheduler picks it first, to answer it before the run ends. */
  runId?: string;
  /** The scheduled time this run is for (a queue's job), recorded in `sync_runs.scheduled_for`. */
  scheduledFor?: Date;
  /** The destination's request budget shared with other processes (several workers), if any. */
  requestBudget?: SharedRequestBudget;
}

/**
 * Run one sync: lock it, snapshot what changed into a table of the state schema, stream that snapshot to
 * the destination in batches, and after each acknowledged batch commit its rows' state in one set-based
 * statement. A crash at any point leaves state describing exactly what the destination acknowledged, so
 * the next run resends only what was not.
 */
export async function applySync(ctx: ApplyContext): Promise<SyncRunReport> {
  const runId = ctx.runId ?? newRunId();
  // Plugins that label their requests (Snowflake's QUERY_TAG) read the sync and run from here.
  return inSyncRun({ sync: ctx.def.name, runId }, () => runSync(ctx, runId));
}

async function runSync(ctx: ApplyContext, runId: string): Promise<SyncRunReport> {
  const { def, store } = ctx;
  const started = Date.now();
  const snapshot: Snapshot = {
    warehouse: ctx.warehouse,
    def,
    schema: store.schema,
    table: `pending_${runId.replace(/[^a-z0-9]/g, "_")}`,
    send: classesToSend(def.mode, ctx.full),
    full: ctx.full,
  };
  const tally: Tally = { sent: 0, succeeded: 0, rejected: 0, failed: 0 };
  let plan: SyncPlan | undefined;
  let status: RunStatus = "failed";
  let error: string | undefined;
  let errorCode: string | undefined;
  let durationMs: number | undefined;
  const release = await store.acquireLock(def.name, runId);
  try {
    const recovered = await store.recoverInterrupted(def.name, runId);
    if (recovered > 0) ctx.logger.warn("closed runs interrupted by a crash", { sync: def.name, runs: recovered });
    const interrupted = await store.interruptedSinceSuccess(def.name);
    await store.startRun({ runId, sync: def.name, full: ctx.full, pendingTable: snapshot.table, scheduledFor: ctx.scheduledFor });
    try {
      const phase = phaseTimer(ctx.logger, def.name);
      ctx.onProgress?.({ sync: def.name, phase: "planning", done: 0 });
      // 1. Snapshot: one diff pass; the snapshot holds every row but the unchanged, and the counts come from it.
      // The state's count runs beside the snapshot, on a connection of its own: both read the whole state.
      const [synced, holdsRemoved] = await Promise.all([store.countSynced(def.name), takeSnapshot(snapshot)]);
      phase("snapshotted the rows that differ", { table: snapshot.table });
      const counts = await countSnapshot(snapshot, holdsRemoved ? undefined : synced);
      phase("counted rows by class", { ...counts });
      await store.recordCounts(runId, counts);

      // 2. Report invalid rows to sync_errors.
      const commits = new StateCommits(snapshot, runId, counts);
      if (counts.invalid > 0) await commits.recordInvalid(ctx.warehouse.db);

      // 3. Guard: mirror mode refuses to delete too much before anything is sent; every row it held back
      // is recorded in sync_errors, saying why.
      plan = buildPlan(def, counts, emptySamples(), ctx.full, synced);
      const guard = massDeleteGuard(def, plan.operations.delete, synced);
      if (guard && !ctx.allowMassDelete) {
        plan = withGuard(plan, guard);
        tally.failed += await commits.recordUnsent(ctx.warehouse.db, 0, `not sent: ${guard.replace(/\.$/, "")}`);
        throw new MassDeleteError(guard);
      }

      // 4. Samples to the plan.
      const samples = await snapshotSamples(snapshot, holdsRemoved ? counts : { ...counts, removed: 0 }, ctx.sampleSize);
      const allowed = ctx.allowMassDelete ? massDeleteOverShare(def, plan.operations.delete, synced) : undefined;
      plan = withGuard(buildPlan(def, counts, samples, ctx.full, synced), guard, allowed);
      phase("recorded invalid rows and samples");

      // 5. Send and commit.
      const total = plan.operations.write + plan.operations.delete;
      ctx.onProgress?.({ sync: def.name, phase: "sending", done: 0, total });
      const outcome = await sendSnapshot({ ...ctx, snapshot, commits, runId, total, tally, interrupted });
      phase("sent and committed", { ...tally });
      if (await refreshState(ctx, tally.succeeded, synced)) phase("refreshed the state table");
      error = outcome.error;
      errorCode = outcome.cause instanceof Error ? outcome.cause.name : undefined;
      // A spent quota ends the run cleanly: what was sent is committed, the rest waits for the next run.
      const quota = outcome.cause instanceof DestinationQuotaError;
      status = error && !quota ? "failed" : tally.rejected + tally.failed > 0 || error ? "partial" : "succeeded";
    } catch (caught) {
      error = secrets.redact(caught instanceof Error ? caught.message : String(caught));
      errorCode = caught instanceof Error ? caught.name : undefined;
      if (!(caught instanceof ReverseEtlError)) ctx.logger.warn("run failed", { sync: def.name, error });
      status = "failed";
    } finally {
      // The duration as sync_runs records it, so that `runs` and the summary agree.
      durationMs = await store.finishRun(runId, { status, ...tally, error: error ?? null });
      await dropSnapshot(ctx.warehouse, store.schema, snapshot.table);
    }
  } finally {
    await release();
  }
  const base = plan ?? buildPlan(def, noCounts(), emptySamples(), ctx.full, 0);
  return {
    ...base,
    runId,
    status,
    results: { succeeded: tally.succeeded, rejected: tally.rejected, failed: tally.failed },
    sent: tally.sent,
    ...(error ? { error } : {}),
    ...(errorCode ? { errorCode } : {}),
    durationMs: durationMs ?? Date.now() - started,
    retryRejected: def.retryRejected,
  };
}

/**
 * The plan of a run with the mass-delete guard's text said once: a run the guard stops says it as its error;
 * a run told `--allow-mass-delete` says the deletes were allowed, not to pass the flag.
 */
function withGuard(plan: SyncPlan, guard: string | undefined, allowed?: string): SyncPlan {
  if (!guard) return plan;
  const warnings = plan.warnings.filter((w) => w !== guard);
  if (allowed) warnings.unshift(`${allowed} Allowed by --allow-mass-delete.`);
  return { ...plan, warnings };
}

/**
 * After a run that wrote at least a tenth of the sync's state (a first sync, a `--full`, a large change),
 * let the warehouse refresh the state table (`SourceAdapter.refreshTable`), so the next plan's count and
 * join read it at full speed. Small runs leave it to the warehouse's own maintenance. A refusal only warns.
 */
async function refreshState(ctx: ApplyContext, written: number, stateRows: number): Promise<boolean> {
  const { adapter, db } = ctx.warehouse;
  if (!adapter.refreshTable || written < Math.max(1000, stateRows / 10)) return false;
  try {
    await adapter.refreshTable({ schema: ctx.store.schema, name: "sync_state" }).execute(db);
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

/** Time-ordered, unique run id, e.g. `20261126t010203z-3f9a1c` (lower case: it names a table). */
export function newRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+/, "");
  return `${stamp}-${randomBytes(3).toString("hex")}`.toLowerCase();
}
