import type { EmulatorResponse } from "./emulator-errors.js";
import { restError } from "./emulator-errors.js";

/**
 * The org's API request allocation: every API call counts against a rolling 24-hour total; each answer
 * carries `Sforce-Limit-Info: api-usage=USED/MAX`; once the total is reached, calls are refused with 403
 * REQUEST_LIMIT_EXCEEDED. Sources:
 * https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_api.htm
 * (API request limits, 15,000 a day for Developer Edition, rolling 24 hours),
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm (Sforce-Limit-Info),
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm (403 REQUEST_LIMIT_EXCEEDED).
 */

/** Developer Edition's daily allocation. */
export const DEFAULT_DAILY_API_REQUESTS = 15_000;
const MINUTE = 60_000;
const DAY_MINUTES = 24 * 60;

/** Counts API requests over a rolling 24 hours, in one-minute buckets. */
export class ApiUsage {
  readonly #buckets: Array<{ minute: number; count: number }> = [];
  #total = 0;
  /** Requests refused because the allocation was reached. */
  refused = 0;

  constructor(
    public max: number,
    private readonly now: () => number,
  ) {}

  /** Requests counted in the last 24 hours. */
  get used(): number {
    this.#expire();
    return this.#total;
  }

  /** The `Sforce-Limit-Info` header of an answer. */
  header(): Record<string, string> {
    return { "Sforce-Limit-Info": `api-usage=${this.used}/${this.max}` };
  }

  /** Count one request, or the 403 that refuses it when the allocation is spent. */
  admit(): EmulatorResponse | undefined {
    if (this.used >= this.max) {
      this.refused++;
      return { ...restError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."), headers: this.header() };
    }
    this.add(1);
    return undefined;
  }

  /** Count `count` requests (other integrations' use of the org, in tests). */
  add(count: number): void {
    const minute = Math.floor(this.now() / MINUTE);
    const last = this.#buckets[this.#buckets.length - 1];
    if (last?.minute === minute) last.count += count;
    else this.#buckets.push({ minute, count });
    this.#total += count;
  }

  /** Forget every counted request. */
  reset(): void {
    this.#buckets.length = 0;
    this.#total = 0;
  }

  #expire(): void {
    const oldest = Math.floor(this.now() / MINUTE) - DAY_MINUTES;
    while (this.#buckets.length > 0 && this.#buckets[0]!.minute <= oldest) this.#total -= this.#buckets.shift()!.count;
  }
}

/** The `GET /limits` answer: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_limits.htm */
export function limitsBody(usage: ApiUsage, bulk: { batches: number }): Record<string, unknown> {
  const pair = (max: number, remaining: number) => ({ Max: max, Remaining: Math.max(0, remaining) });
  return {
    DailyApiRequests: pair(usage.max, usage.max - usage.used),
    DailyBulkApiBatches: pair(15_000, 15_000 - bulk.batches),
    DailyBulkV2QueryFileStorageMB: pair(976_562, 976_562),
    DailyBulkV2QueryJobs: pair(10_000, 10_000),
    DataStorageMB: pair(5, 5),
    FileStorageMB: pair(20, 20),
    HourlyODataCallout: pair(10_000, 10_000),
    SingleEmail: pair(15, 15),
  };
}
