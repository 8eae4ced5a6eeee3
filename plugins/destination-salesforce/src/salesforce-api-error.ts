/**
 * What a failed Salesforce request means for a run. Salesforce says it in the `errorCode` of its error
 * body (jsforce puts it on the error it throws): https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm
 * and https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_concepts_core_data_objects.htm#i1421192.
 */

/** How a failure is handled. */
export type FailureKind =
  /** Credentials refused, or a session that could not be renewed: the run stops (exit 3). */
  | "auth"
  /** The org's daily API allocation (or the share left to this integration) is spent: the run ends as partial. */
  | "limit"
  /** Worth retrying: 5xx, timeouts, dropped connections, a row lock, a concurrency limit. */
  | "transient"
  /** The object or resource does not exist. */
  | "not-found"
  /** Salesforce refused the request as a whole (a 4xx other than the above). */
  | "refused";

/** A failed request, with Salesforce's error code and message. Messages never hold a secret. */
export class SalesforceApiFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    /** Salesforce's `errorCode` (or the OAuth `error`), when it gave one. */
    readonly errorCode?: string,
  ) {
    super(message);
    this.name = "SalesforceApiFailure";
  }
}

/** Error codes worth retrying: the server, a row lock, a query or request that ran too long. */
const TRANSIENT_CODES = new Set(["SERVER_UNAVAILABLE", "UNKNOWN_EXCEPTION", "UNABLE_TO_LOCK_ROW", "QUERY_TIMEOUT", "REQUEST_RUNNING_TOO_LONG", "TXN_SECURITY_METERING_ERROR"]);
/** Network failures worth retrying. */
const NETWORK_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "ENETUNREACH", "EHOSTDOWN", "EAI_AGAIN", "UND_ERR_SOCKET"]);

/** The shape of what jsforce throws: `HttpApiError` (errorCode, data) or a fetch error (code). */
interface ThrownByClient {
  readonly name?: string;
  readonly message?: string;
  readonly errorCode?: string;
  readonly code?: string;
  readonly type?: string;
}

/** Whether jsforce's error says the session expired or is invalid (HTTP 401). */
export function isSessionExpired(error: unknown): boolean {
  return (error as ThrownByClient | undefined)?.errorCode === "INVALID_SESSION_ID";
}

/** Classify what a request threw; `what` says what the request did, for the message. */
export function classifyFailure(error: unknown, what: string): SalesforceApiFailure {
  if (error instanceof SalesforceApiFailure) return error;
  const thrown = (error ?? {}) as ThrownByClient;
  const code = thrown.errorCode;
  const message = (thrown.message ?? String(error)).split("\n")[0]!;
  if (code === undefined) {
    // No Salesforce answer: the network, a timeout (jsforce aborts), or the client itself.
    const transient = thrown.name === "FetchError" || thrown.name === "AbortError" || thrown.type === "aborted" || NETWORK_CODES.has(thrown.code ?? "");
    return new SalesforceApiFailure(transient ? "transient" : "refused", `${what}: ${message}`);
  }
  const detail = `${what}: ${code}: ${message}`;
  if (code === "REQUEST_LIMIT_EXCEEDED") {
    // The same code reports the concurrent long-running request limit ("ConcurrentPerOrgLongTxn Limit
    // exceeded."), which passes; only the daily total ("TotalRequests Limit exceeded.") ends the run:
    // https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_api.htm
    return new SalesforceApiFailure(/TotalRequests/i.test(message) ? "limit" : "transient", detail, code);
  }
  if (code === "INVALID_SESSION_ID") return new SalesforceApiFailure("auth", detail, code);
  if (TRANSIENT_CODES.has(code) || /^ERROR_HTTP_(5\d\d|429|420)$/.test(code)) return new SalesforceApiFailure("transient", detail, code);
  if (code === "NOT_FOUND" || code === "INVALID_TYPE" || code === "ERROR_HTTP_404") return new SalesforceApiFailure("not-found", detail, code);
  return new SalesforceApiFailure("refused", detail, code);
}
