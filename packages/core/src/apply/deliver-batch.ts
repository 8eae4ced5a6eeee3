import { createHash } from "node:crypto";
import { DestinationAuthError, DestinationQuotaError, FatalDestinationError, withoutPrefix } from "../errors.js";
import type { DestinationConnection, OutgoingRecord, SyncContext, WriteOperation, WriteOutcome } from "../plugins/destination.js";
import { connectionFailureOf } from "../plugins/connection-failure.js";
import { secrets } from "../secrets/redactor.js";
import { sleep } from "../transport/rate-limiter.js";
import type { RequestLimiter } from "../transport/request-budget.js";
import { backoffDelay, type RetryPolicy } from "../transport/retry-policy.js";
import type { ReachWatch } from "./reach-watch.js";

/** Final outcome of one record after retries and batch splitting. */
export type DeliveryResult =
  | { readonly status: "ok" }
  | { readonly status: "deferred" }
  | { readonly status: "rejected"; readonly message: string }
  | { readonly status: "failed"; readonly message: string };

/** What delivering batches needs. */
export interface DeliveryContext {
  destination: DestinationConnection;
  limiter: RequestLimiter;
  policy: RetryPolicy;
  /** The sync and run each write call is told about; its `acquireRequests` takes from `limiter`. */
  context: SyncContext;
  /** The run is stopping: a batch in flight finishes its request but is not retried. */
  stopSignal?: AbortSignal;
  /** Stops the run when no request of it can connect. */
  reach?: ReachWatch;
  /** Called after each write call, for logs. */
  onAttempt?: (info: { records: number; outcome: WriteOutcome["type"]; attempt: number; message?: string }) => void;
  /** Called before each retry of records, for logs and metrics; `rateLimited` when the destination said so (429, Retry-After). */
  onRetry?: (info: RetryEvent) => void;
}

/** Records about to be sent again. */
export interface RetryEvent {
  records: number;
  /** The destination asked to slow down (HTTP 429 or a Retry-After), rather than failing transiently. */
  rateLimited: boolean;
  /** The attempt about to be made (2 for the first retry). */
  attempt: number;
  /** How long until it is made. */
  delayMs: number;
  /** The last answer, redacted. */
  message: string;
}

/**
 * Deliver one batch: call the destination under the rate limiter, retry transient failures with backoff
 * (honouring Retry-After), and split a batch the destination refused as a whole into halves until the bad
 * records are isolated, so one bad row never blocks the others. Returns one result per record.
 */
export async function deliverBatch(
  ctx: DeliveryContext,
  operation: WriteOperation,
  records: readonly OutgoingRecord[],
): Promise<DeliveryResult[]> {
  const results: DeliveryResult[] = new Array(records.length);
  let todo = records.map((_, i) => i);
  for (let attempt = 1; todo.length > 0; attempt++) {
    const batch = todo.map((i) => records[i]!);
    const outcome = await callWrite(ctx, operation, batch);
    if (outcome.type === "retry" && outcome.connection) ctx.reach?.failed(outcome.connection, outcome.message);
    else ctx.reach?.answered();
    let retry: number[] = [];
    let retryAfterMs: number | undefined;
    let lastMessage = "";
    switch (outcome.type) {
      case "fatal":
        if (outcome.credentials) throw new DestinationAuthError(`destination refused the credentials: ${quoted(outcome.message)}`);
        throw new FatalDestinationError(`destination refused the run: ${quoted(outcome.message)}`);
      case "stop":
        throw new DestinationQuotaError(`destination stopped taking records: ${quoted(outcome.message)}; the rest wait for the next run`);
      case "retry":
        retry = todo;
        retryAfterMs = outcome.retryAfterMs;
        lastMessage = outcome.message;
        break;
      case "batch-rejected":
        if (batch.length === 1) {
          results[todo[0]!] = { status: "rejected", message: secrets.redact(outcome.message) };
        } else {
          const half = Math.ceil(todo.length / 2);
          for (const part of [todo.slice(0, half), todo.slice(half)]) {
            const partResults = await deliverBatch(ctx, operation, part.map((i) => records[i]!));
            part.forEach((index, j) => (results[index] = partResults[j]!));
          }
        }
        break;
      case "results": {
        if (outcome.results.length !== batch.length) {
          const message = `destination returned ${outcome.results.length} results for ${batch.length} records (plugin bug)`;
          for (const i of todo) results[i] = { status: "failed", message };
          break;
        }
        outcome.results.forEach((result, j) => {
          const index = todo[j]!;
          if (result.status === "retryable") {
            retry.push(index);
            retryAfterMs = Math.max(retryAfterMs ?? 0, result.retryAfterMs ?? 0) || undefined;
            lastMessage = result.message;
          } else if (result.status === "rejected") {
            results[index] = { status: "rejected", message: secrets.redact(result.message) };
          } else {
            results[index] = { status: result.status };
          }
        });
        break;
      }
    }
    if (retry.length > 0 && attempt >= ctx.policy.maxAttempts) {
      const message = `gave up after ${attempt} attempts: ${quoted(lastMessage)}`;
      for (const i of retry) results[i] = { status: "failed", message };
      retry = [];
    }
    if (retry.length > 0) {
      if (retryAfterMs) ctx.limiter.pauseUntil(Date.now() + retryAfterMs);
      const stop = ctx.stopSignal;
      const delayMs = backoffDelay(ctx.policy, attempt, retryAfterMs);
      if (!stop?.aborted) {
        const rateLimited = retryAfterMs !== undefined || /\b429\b|rate.?limit/i.test(lastMessage);
        ctx.onRetry?.({ records: retry.length, rateLimited, attempt: attempt + 1, delayMs, message: secrets.redact(lastMessage) });
      }
      const waited = await sleep(delayMs, stop ? AbortSignal.any([ctx.context.signal, stop]) : ctx.context.signal).then(
        () => true,
        (error: unknown) => {
          if (ctx.context.signal.aborted) throw error;
          return false;
        },
      );
      if (!waited || stop?.aborted) {
        const message = `not retried: ${reasonOf(stop?.reason)} (last answer: ${quoted(lastMessage)})`;
        for (const i of retry) results[i] = { status: "failed", message };
        retry = [];
      }
    }
    todo = retry;
  }
  return results;
}

/** A destination's message, redacted, to quote inside one of ours. */
function quoted(message: string): string {
  return withoutPrefix(secrets.redact(message));
}

function reasonOf(reason: unknown): string {
  return reason instanceof Error ? reason.message : typeof reason === "string" ? reason : "the run is stopping";
}

async function callWrite(ctx: DeliveryContext, operation: WriteOperation, batch: readonly OutgoingRecord[]): Promise<WriteOutcome> {
  const { context } = ctx;
  // One request per write call; a write that makes more takes them itself with `acquireRequests`.
  await ctx.limiter.acquire(context.signal);
  try {
    let idempotencyKey: string | undefined;
    return await ctx.destination.write(operation, batch, {
      sync: context.sync,
      object: context.object,
      options: context.options,
      runId: context.runId,
      total: context.total,
      ...(context.interrupted ? { interrupted: true } : {}),
      signal: context.signal,
      acquireRequests: context.acquireRequests,
      // Computed on first use: destinations without idempotency support never pay for hashing the batch.
      get idempotencyKey() {
        return (idempotencyKey ??= idempotencyKeyOf(context.sync, operation, batch));
      },
    });
  } catch (error) {
    if (context.signal.aborted) throw error;
    // A plugin that throws is treated as a transient failure: it is retried, then reported per row.
    const connection = connectionFailureOf(error);
    return { type: "retry", message: error instanceof Error ? error.message : String(error), ...(connection ? { connection } : {}) };
  }
}

/** Same records, same operation, same sync: same key. Lets a receiver drop a batch resent after a crash. */
export function idempotencyKeyOf(sync: string, operation: WriteOperation, batch: readonly OutgoingRecord[]): string {
  const hash = createHash("sha256").update(sync).update("\0").update(operation);
  for (const record of batch) hash.update("\0").update(JSON.stringify(record));
  return hash.digest("hex").slice(0, 40);
}
