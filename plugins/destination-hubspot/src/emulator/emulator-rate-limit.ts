import { randomUUID } from "node:crypto";

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

/** The policy a 429 names: HubSpot's rolling 10-second window, or the account's daily limit. */
export type RateLimitPolicy = "TEN_SECONDLY_ROLLING" | "DAILY";

/** HubSpot's defaults for a Free/Starter private app: 100 per 10 s, 250,000 per day. */
export const DEFAULT_LIMITS: EmulatorLimits = { requestsPerInterval: 100, intervalMs: 10_000, daily: 250_000 };

/** Outcome of admitting one request. */
export type Admission =
  | { readonly ok: true; readonly headers: Record<string, string> }
  | { readonly ok: false; readonly policy: RateLimitPolicy; readonly headers: Record<string, string> };

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
    return rateLimitHeaders(this.limits, { daily: this.#dailyUsed, inInterval: this.#window.length });
  }
}

/** The `X-HubSpot-RateLimit-*` headers HubSpot sends with every answer, for limits and the requests used so far. */
export function rateLimitHeaders(limits: EmulatorLimits, used: { readonly daily: number; readonly inInterval: number }): Record<string, string> {
  return {
    "X-HubSpot-RateLimit-Daily": String(limits.daily),
    "X-HubSpot-RateLimit-Daily-Remaining": String(Math.max(0, limits.daily - used.daily)),
    "X-HubSpot-RateLimit-Interval-Milliseconds": String(limits.intervalMs),
    "X-HubSpot-RateLimit-Max": String(limits.requestsPerInterval),
    "X-HubSpot-RateLimit-Remaining": String(Math.max(0, limits.requestsPerInterval - used.inInterval)),
  };
}

/** The body of HubSpot's 429 for a policy (message, errorType RATE_LIMIT, policyName), as its usage guidelines show it. */
export function rateLimitBody(policy: RateLimitPolicy): Record<string, string> {
  return {
    status: "error",
    message: policy === "DAILY" ? "You have reached your daily limit." : "You have reached your ten_secondly_rolling limit.",
    errorType: "RATE_LIMIT",
    correlationId: randomUUID(),
    policyName: policy,
    requestId: randomUUID(),
  };
}

/** A 429 exactly as HubSpot answers it: status, `X-HubSpot-RateLimit-*` headers and body. */
export interface HubSpotRateLimitAnswer {
  readonly status: 429;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Readonly<Record<string, string>>;
}

/**
 * HubSpot's 429 for `policy`, for a fault proxy to answer in HubSpot's words when a test wants a burst of
 * rate limiting on top of the emulator's own counting: the headers show the limit spent
 * (`X-HubSpot-RateLimit-Remaining: 0` for the window, `-Daily-Remaining: 0` for the day). `limits` default to a Free/Starter app's; a short
 * `intervalMs` makes a client that waits the window HubSpot names retry soon.
 *
 * ```ts
 * startFaultProxy({ target: emulator.url, faults: [{ nth: [2, 3], fault: hubspotRateLimitAnswer("TEN_SECONDLY_ROLLING", { intervalMs: 200 }) }] });
 * ```
 */
export function hubspotRateLimitAnswer(policy: RateLimitPolicy = "TEN_SECONDLY_ROLLING", limits: Partial<EmulatorLimits> = {}): HubSpotRateLimitAnswer {
  const all = { ...DEFAULT_LIMITS, ...limits };
  const used = policy === "DAILY" ? { daily: all.daily, inInterval: 0 } : { daily: 0, inInterval: all.requestsPerInterval };
  return { status: 429, headers: rateLimitHeaders(all, used), body: rateLimitBody(policy) };
}
