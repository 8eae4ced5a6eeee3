import { ConnectionError, connectionFailureOf } from "@reverse-etl/core";
import type { WriteOutcome } from "@reverse-etl/core";

/**
 * How HubSpot's error answers become write outcomes. Sources:
 * https://developers.hubspot.com/docs/guides/api/error-handling (categories, 207 multi-status) and
 * https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details (429 with policyName
 * TEN_SECONDLY_ROLLING or DAILY, X-HubSpot-RateLimit-Interval-Milliseconds).
 */

/** The fields of the SDK's `ApiException` (each generated API has its own class, so it is matched by shape). */
export interface HubSpotApiError {
  readonly code: number;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
}

/** Whether a thrown value is an HTTP answer from HubSpot (rather than a network failure). */
export function isApiError(error: unknown): error is HubSpotApiError {
  return typeof error === "object" && error !== null && typeof (error as { code?: unknown }).code === "number" && "body" in error;
}

/** HubSpot's error envelope: `{status, message, category, errors[], policyName?}`. */
export interface HubSpotErrorBody {
  readonly message?: string;
  readonly category?: string;
  readonly policyName?: string;
  readonly errors?: ReadonlyArray<{ readonly message?: string; readonly context?: Record<string, readonly string[] | undefined> }>;
}

/** The body of an error as HubSpot's envelope. */
export function errorBodyOf(error: HubSpotApiError): HubSpotErrorBody {
  const body = typeof error.body === "string" ? safeParse(error.body) : error.body;
  return typeof body === "object" && body !== null ? (body as HubSpotErrorBody) : {};
}

/** Window to wait after a 429: HubSpot's interval header, else its 10-second window. */
export function retryAfterMs(error: HubSpotApiError): number {
  const header = Object.entries(error.headers ?? {}).find(([name]) => name.toLowerCase() === "x-hubspot-ratelimit-interval-milliseconds");
  const ms = Number(header?.[1]);
  return Number.isFinite(ms) && ms > 0 ? ms : 10_000;
}

/** The write outcome of a request that failed as a whole. */
export function outcomeOfFailure(error: unknown, what: string): WriteOutcome {
  if (!isApiError(error)) {
    const connection = connectionFailureOf(error);
    return { type: "retry", message: `[reverse-etl] [hubspot] ${what}: no answer from HubSpot (${networkReason(error)}).`, ...(connection ? { connection } : {}) };
  }
  const body = errorBodyOf(error);
  const detail = `HTTP ${error.code}${body.category ? ` ${body.category}` : ""}${body.message ? `: ${body.message}` : ""}`;
  if (error.code === 401) {
    return {
      type: "fatal",
      credentials: true,
      message:
        `[reverse-etl] [hubspot] ${what}: HubSpot refused the access token (${detail}). ` +
        `Check the accessToken option: a private app token, or an OAuth access token that has not expired.`,
    };
  }
  if (error.code === 403) {
    const scopes = (body.errors ?? []).flatMap((e) => e.context?.requiredGranularScopes ?? e.context?.requiredScopes ?? []);
    return {
      type: "fatal",
      credentials: true,
      message:
        `[reverse-etl] [hubspot] ${what}: the access token lacks a scope (HTTP 403 ${body.category ?? ""})` +
        `${scopes.length > 0 ? `; required: ${scopes.join(", ")}` : ""}. Grant it to the private app (or OAuth app) and rerun.`,
    };
  }
  if (error.code === 429) {
    if (body.policyName === "DAILY") {
      return {
        type: "stop",
        message: `[reverse-etl] [hubspot] ${what}: the account's daily API limit is spent (${detail}); the remaining rows go in the next run.`,
      };
    }
    return { type: "retry", message: `[reverse-etl] [hubspot] ${what}: rate limited (${detail}).`, retryAfterMs: retryAfterMs(error) };
  }
  if (error.code >= 500 || error.code === 408) return { type: "retry", message: `[reverse-etl] [hubspot] ${what}: ${detail}.` };
  // 400 VALIDATION_ERROR, 409 CONFLICT, 404 ... without per-input attribution: core halves the batch.
  return { type: "batch-rejected", message: `[reverse-etl] [hubspot] ${what}: ${detail}` };
}

/**
 * A `ConnectionError` for a lookup that failed outside a write (an object's properties, a custom object's
 * schema): HubSpot's message for a 404, else the same words a write would give (what to fix for 401/403).
 */
export function lookupFailure(error: unknown, what: string): ConnectionError {
  if (isApiError(error) && error.code === 404) {
    const body = errorBodyOf(error);
    return new ConnectionError(`[reverse-etl] [hubspot] ${what}: ${body.message ?? "not found"}; check the sync's object.`);
  }
  const outcome = outcomeOfFailure(error, what);
  return new ConnectionError("message" in outcome ? outcome.message : `[reverse-etl] [hubspot] ${what} failed.`);
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A short reason for a failed request: the error code, never the request (it holds the token). */
function networkReason(error: unknown): string {
  const cause = error instanceof Error ? ((error as { code?: unknown }).code ?? (error.cause as { code?: unknown } | undefined)?.code) : undefined;
  if (typeof cause === "string") return cause;
  const message = error instanceof Error ? error.message : String(error);
  return /bearer|authorization/i.test(message) ? "request failed" : message.replace(/https?:\/\/\S+/g, "<url>");
}
