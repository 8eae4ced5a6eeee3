/**
 * Segment's size and rate limits, as https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/
 * states them ("Rate limits", "Max request size", "Batch", "Errors").
 */

/** "a limit of 32KB per event in the batch", and 32 KB per single-call request. */
export const MAX_EVENT_BYTES = 32 * 1024;
/** "The batch API endpoint accepts a maximum of 500KB per request". */
export const MAX_BATCH_BYTES = 500 * 1024;
/** "Each batch request can only have up to 2500 events". */
export const MAX_BATCH_EVENTS = 2500;
/** "Segment recommends you to not exceed 1,000 requests per second" per workspace. */
export const DEFAULT_REQUESTS_PER_SECOND = 1000;

/** Counters a test can assert on. */
export interface RateLimitStats {
  /** Requests admitted. */
  admitted: number;
  /** Requests answered 429. */
  limited: number;
  /** Most requests admitted within any one-second window so far; never above the limit. */
  maxInWindow: number;
}

/** A refused request: how long until one fits. */
export interface RateLimited {
  /** Whole seconds to wait, as `Retry-After` and `X-RateLimit-Reset` give them. */
  readonly retryAfterSeconds: number;
}

/**
 * Requests per rolling one-second window. Over the limit, Segment answers 429 with `Retry-After` and
 * `X-RateLimit-Reset`, "the number of seconds after which you can retry the request" (the "Rate limits"
 * section of the HTTP API page).
 */
export class EmulatorRateLimit {
  readonly stats: RateLimitStats = { admitted: 0, limited: 0, maxInWindow: 0 };
  #window: number[] = [];

  constructor(
    /** Requests allowed per second. */
    public requestsPerSecond: number,
    private readonly now: () => number,
  ) {}

  /** Count one request, or say how long until one fits. */
  admit(): RateLimited | undefined {
    const now = this.now();
    this.#window = this.#window.filter((t) => t > now - 1000);
    if (this.#window.length >= this.requestsPerSecond) {
      this.stats.limited++;
      const oldest = this.#window[this.#window.length - this.requestsPerSecond]!;
      return { retryAfterSeconds: Math.max(1, Math.ceil((oldest + 1000 - now) / 1000)) };
    }
    this.#window.push(now);
    this.stats.admitted++;
    this.stats.maxInWindow = Math.max(this.stats.maxInWindow, this.#window.length);
    return undefined;
  }

  /** Forget the requests counted so far; keeps the stats. */
  reset(): void {
    this.#window = [];
  }
}
