import type { ConnectionFailure } from "@reverse-etl/core";
import type { RequestRecord } from "./segment-transport.js";

/** What one batch request's answer means for its calls. */
export type AnswerOutcome =
  /** Segment took the request. */
  | { readonly type: "accepted" }
  /** Segment refused it whole (400: over a size limit, or invalid JSON). */
  | { readonly type: "refused"; readonly message: string }
  /** Transient (429, 5xx, no answer): core retries, no sooner than `retryAfterMs`. */
  | { readonly type: "retry"; readonly message: string; readonly retryAfterMs?: number; readonly connection?: ConnectionFailure }
  /** Retrying cannot help (the credentials or the host are wrong). */
  | { readonly type: "fatal"; readonly message: string; readonly credentials?: boolean };

const PREFIX = "[reverse-etl] [segment]";

/**
 * Classify the answer to one batch request. Segment answers 200 to everything but oversized requests and
 * invalid JSON, which get 400 (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/#errors),
 * and 429 with `Retry-After` over its rate limit ("Rate limits" on the same page). The statuses retried are
 * those `@segment/analytics-node` retries itself: 5xx but 501 and 505, 408, 410, 429 and 460.
 */
export function outcomeOfAnswer(request: RequestRecord | undefined, what: string, baseUrl: string): AnswerOutcome {
  // No request: the client refused every call before sending (each is answered on its own).
  if (request === undefined) return { type: "accepted" };
  if (request.kind === "too-large") {
    return { type: "refused", message: `${PREFIX} ${what}: the request would be ${request.bytes} bytes, over Segment's 500 KB limit, and was not sent` };
  }
  if (request.kind === "no-answer") {
    return { type: "retry", message: `${PREFIX} ${what}: ${request.message}`, ...(request.connection ? { connection: request.connection } : {}) };
  }
  const { status } = request;
  const said = request.message !== undefined ? `: ${request.message}` : "";
  if (status >= 200 && status < 400) return { type: "accepted" };
  if (status === 429) {
    return { type: "retry", message: `${PREFIX} ${what}: rate limited by Segment (HTTP 429)`, ...(request.retryAfterMs !== undefined ? { retryAfterMs: request.retryAfterMs } : {}) };
  }
  if ((status >= 500 && status !== 501 && status !== 505) || status === 408 || status === 410 || status === 460) {
    return { type: "retry", message: `${PREFIX} ${what}: HTTP ${status}${said}` };
  }
  if (status === 401 || status === 403) {
    return { type: "fatal", credentials: true, message: `${PREFIX} Segment refused the credentials (HTTP ${status}${said}): check the writeKey option.` };
  }
  if (status === 404 || status === 405 || status === 501 || status === 505) {
    return { type: "fatal", message: `${PREFIX} ${baseUrl}/v1/batch answered HTTP ${status}: check that baseUrl is Segment's Tracking API host.` };
  }
  return { type: "refused", message: `${PREFIX} Segment refused the request (HTTP ${status}${said})` };
}
