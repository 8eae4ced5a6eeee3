import { createHash } from "node:crypto";
import { DestinationQuotaError, FatalDestinationError } from "../errors.js";
import type { DestinationConnection, OutgoingRecord, SyncContext, WriteOperation, WriteOutcome } from "../plugins/destination.js";
import { secrets } from "../secrets/redactor.js";
import { sleep } from "../transport/rate-limiter.js";
import type { RequestLimiter } from "../transport/request-budget.js";
import { backoffDelay, type RetryPolicy } from "../transport/retry-policy.js";

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
  /** Called after each write call, for logs. */
  onAttempt?: (info: { records: number; outcome: WriteOutcome["type"]; attempt: number; message?: string }) => void;
  /** Called before each retry of records, for metrics; `rateLimited` when the destination said so (429, Retry-After). */
  onRetry?: (info: RetryEvent) => void;
}

/** Records about to be sent again. */
export interface RetryEvent {
  records: number;
  /** The destination asked to slow down (HTTP 429 or a Retry-After), rather than failing transiently. */
  rateLimited: boolean;
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
    ctx.onAttempt?.({ records: batch.length, outcome: outcome.type, attempt, message: "message" in outcome ? outcome.message : undefined });
    let retry: number[] = [];
    let retryAfterMs: number | undefined;
    let lastMessage = "";
    switch (outcome.type) {
      case "fatal":
        throw new FatalDestinationError(`destination refused the run: ${secrets.redact(outcome.message)}`);
      case "stop":
        throw new DestinationQuotaError(`destination stopped taking records: ${secrets.redact(outcome.message)}; the rest wait for the next run`);
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
      const message = `gave up after ${attempt} attempts: ${secrets.redact(lastMessage)}`;
      for (const i of retry) results[i] = { status: "failed", message };
      retry = [];
    }
    if (retry.length > 0) {
      ctx.onRetry?.({ records: retry.length, rateLimited: retryAfterMs !== undefined || /\b429\b|rate.?limit/i.test(lastMessage) });
      if (retryAfterMs) ctx.limiter.pauseUntil(Date.now() + retryAfterMs);
      await sleep(backoffDelay(ctx.policy, attempt, retryAfterMs), ctx.context.signal);
    }
    todo = retry;
  }
  return results;
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
    return { type: "retry", message: error instanceof Error ? error.message : String(error) };
  }
}

/** Same records, same operation, same sync: same key. Lets a receiver drop a batch resent after a crash. */
export function idempotencyKeyOf(sync: string, operation: WriteOperation, batch: readonly OutgoingRecord[]): string {
  const hash = createHash("sha256").update(sync).update("\0").update(operation);
  for (const record of batch) hash.update("\0").update(JSON.stringify(record));
  return hash.digest("hex").slice(0, 40);
}
