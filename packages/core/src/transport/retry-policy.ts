/** How core retries transient failures (429, 5xx, timeouts). */
export interface RetryPolicy {
  /** Attempts per batch, the first included. */
  maxAttempts: number;
  /** First backoff. */
  baseDelayMs: number;
  /** Longest backoff (a Retry-After larger than this is still honoured). */
  maxDelayMs: number;
}

/** Defaults: 8 attempts, 500 ms doubling to at most 30 s. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 500, maxDelayMs: 30_000 };

/**
 * Delay before retry number `attempt` (1 = first retry): exponential backoff with equal jitter (between half and all of the step), never
 * shorter than the destination's Retry-After.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, retryAfterMs?: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  return Math.max(Math.round(jittered), retryAfterMs ?? 0);
}
