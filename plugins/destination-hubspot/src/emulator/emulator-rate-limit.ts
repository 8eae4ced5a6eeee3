/**
 * HubSpot's API limits: a rolling 10-second window per app and a daily limit per account.
 * Source: https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details (limits by tier; a 429
 * with `policyName` TEN_SECONDLY_ROLLING or DAILY; the X-HubSpot-RateLimit-* headers).
 */

/** Limits of one emulator; defaults are a Free/Starter private app: 100 per 10 s, 250,000 per day. */
export interface EmulatorLimits {
  /** Requests allowed per rolling interval. Default 100. */
  readonly requestsPerInterval: number;
  /** Length of the rolling interval. Default 10000 ms. */
  readonly intervalMs: number;
  /** Requests allowed per day (UTC). Default 250000. */
  readonly daily: number;
}

/** Counters a test can assert on. */
export interface RateLimitStats {
  /** Requests admitted (not answered 429). */
  admitted: number;
  /** Requests answered 429 because of the rolling window. */
  rejectedInterval: number;
  /** Requests answered 429 because of the daily limit. */
  rejectedDaily: number;
  /** Most requests admitted within any rolling interval so far; never above the limit. */
  maxInInterval: number;
}

/** Outcome of admitting one request. */
export type Admission =
  | { readonly ok: true; readonly headers: Record<string, string> }
  | { readonly ok: false; readonly policy: "TEN_SECONDLY_ROLLING" | "DAILY"; readonly headers: Record<string, string> };

/** Counts requests per rolling window and per day. */
export class EmulatorRateLimit {
  readonly stats: RateLimitStats = { admitted: 0, rejectedInterval: 0, rejectedDaily: 0, maxInInterval: 0 };
  #window: number[] = [];
  #day = -1;
  #dailyUsed = 0;

  constructor(
    public limits: EmulatorLimits,
    private readonly now: () => number,
  ) {}

  /** Forget the counts (windows and day); keeps the stats. */
  reset(): void {
    this.#window = [];
    this.#dailyUsed = 0;
  }

  /** Count one request, or refuse it when a limit is spent. */
  admit(): Admission {
    const now = this.now();
    const day = Math.floor(now / 86_400_000);
    if (day !== this.#day) {
      this.#day = day;
      this.#dailyUsed = 0;
    }
    this.#window = this.#window.filter((t) => t > now - this.limits.intervalMs);
    if (this.#dailyUsed >= this.limits.daily) {
      this.stats.rejectedDaily++;
      return { ok: false, policy: "DAILY", headers: this.#headers() };
    }
    if (this.#window.length >= this.limits.requestsPerInterval) {
      this.stats.rejectedInterval++;
      return { ok: false, policy: "TEN_SECONDLY_ROLLING", headers: this.#headers() };
    }
    this.#window.push(now);
    this.#dailyUsed++;
    this.stats.admitted++;
    this.stats.maxInInterval = Math.max(this.stats.maxInInterval, this.#window.length);
    return { ok: true, headers: this.#headers() };
  }

  #headers(): Record<string, string> {
    return {
      "X-HubSpot-RateLimit-Daily": String(this.limits.daily),
      "X-HubSpot-RateLimit-Daily-Remaining": String(Math.max(0, this.limits.daily - this.#dailyUsed)),
      "X-HubSpot-RateLimit-Interval-Milliseconds": String(this.limits.intervalMs),
      "X-HubSpot-RateLimit-Max": String(this.limits.requestsPerInterval),
      "X-HubSpot-RateLimit-Remaining": String(Math.max(0, this.limits.requestsPerInterval - this.#window.length)),
    };
  }
}
