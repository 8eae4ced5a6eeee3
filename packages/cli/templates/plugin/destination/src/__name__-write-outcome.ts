import type { OutgoingRecord, RecordResult, WriteOutcome } from "@reverse-etl/core";

/** One entry of the `results` of a 200 answer to a batch request, in the order of the records sent. */
export type __Name__RecordAnswer =
  | { readonly status: "ok"; readonly id: string }
  | { readonly status: "error"; readonly code: string; readonly message: string; readonly retryable?: boolean };

/** The body of an error answer. */
interface ErrorAnswer {
  readonly error?: string;
  readonly message?: string;
}

/** Longest part of an answer quoted in a message: bodies can be whole HTML error pages. */
const MAX_QUOTED = 500;

/**
 * Turn __Title__'s answer to a batch request into the write outcome core acts on. Every outcome of an API
 * that answers at once is here (`deferred`, for one that delivers at `flush()`, is in the README):
 * - 200: one result per record, in order: `ok` with __Title__'s id, `rejected` (a permanent error: bad value,
 *   unknown field; recorded in sync_errors, sent again when the row changes) or `retryable` (this record only);
 * - 400, 413, 422: `batch-rejected`, the batch as a whole was refused; core halves it to find the bad records;
 * - 429 for the daily quota: `stop`, the run ends as partial and the rest waits for the next run;
 * - 408, 429, 5xx: `retry`, the whole batch again after a backoff, never sooner than `Retry-After`;
 * - 401 and 403: `fatal` with `credentials` (the CLI exits 3); 404 and anything unexpected: `fatal`. Retrying cannot help: the run stops at once.
 */
export function outcomeOfResponse(status: number, retryAfter: string | null, body: string, records: readonly OutgoingRecord[]): WriteOutcome {
  if (status === 200) return resultsOf(body, records);
  const answer = parseJson<ErrorAnswer>(body) ?? {};
  const said = answer.message ?? quote(body);
  if (status === 429 && answer.error === "daily_quota_exceeded") {
    return { type: "stop", message: `[reverse-etl] [__name__] the account's daily request quota is spent (${said}); the rest is sent by the next run.` };
  }
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(retryAfter);
    return {
      type: "retry",
      message: `[reverse-etl] [__name__] __Title__ answered HTTP ${status}: ${said}`,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
  if (status === 401 || status === 403) {
    return { type: "fatal", credentials: true, message: `[reverse-etl] [__name__] __Title__ refused the API key (HTTP ${status}): check the apiKey option.` };
  }
  if (status === 404) return { type: "fatal", message: `[reverse-etl] [__name__] __Title__ has no such object (${said}): check the sync's object.` };
  if (status === 400 || status === 413 || status === 422) {
    return { type: "batch-rejected", message: `[reverse-etl] [__name__] __Title__ refused the batch (HTTP ${status}): ${said}` };
  }
  return { type: "fatal", message: `[reverse-etl] [__name__] __Title__ answered an unexpected HTTP ${status}: ${said}` };
}

/** A request that got no answer (refused, reset, timed out): the batch is retried, or was cancelled with the run. */
export function networkFailure(error: unknown, cancelled: boolean, timeoutMs: number): WriteOutcome {
  if (cancelled) return { type: "retry", message: "[reverse-etl] [__name__] the request was cancelled with the run." };
  const name = error instanceof Error ? error.name : "";
  const reason = name === "TimeoutError" ? `no answer within ${timeoutMs} ms; raise timeoutMs if __Title__ is slow` : networkReason(error);
  return { type: "retry", message: `[reverse-etl] [__name__] no answer from __Title__ (${reason}).` };
}

/** A short reason for a failed request: the system error's code (ECONNREFUSED, ...), else its message. */
export function networkReason(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) return "code" in cause && typeof cause.code === "string" ? cause.code : cause.message;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Milliseconds to wait from a `Retry-After` header: delay-seconds or an HTTP date (RFC 9110, section 10.2.3).
 * Undefined when absent or unreadable: core then backs off on its own.
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function resultsOf(body: string, records: readonly OutgoingRecord[]): WriteOutcome {
  const answers = parseJson<{ results?: __Name__RecordAnswer[] }>(body)?.results;
  // A result per record is what lets core advance each row's state: without them, nothing is known.
  if (!Array.isArray(answers) || answers.length !== records.length) {
    return {
      type: "fatal",
      message: `[reverse-etl] [__name__] __Title__ answered ${Array.isArray(answers) ? answers.length : "no"} results for ${records.length} records: ${quote(body)}`,
    };
  }
  return { type: "results", results: answers.map(recordResult) };
}

function recordResult(answer: __Name__RecordAnswer): RecordResult {
  if (answer.status === "ok") return { status: "ok", id: answer.id };
  const message = `${answer.code}: ${answer.message}`;
  return answer.retryable ? { status: "retryable", message } : { status: "rejected", message };
}

function parseJson<T>(body: string): T | undefined {
  try {
    return JSON.parse(body) as T;
  } catch {
    return undefined;
  }
}

function quote(body: string): string {
  const text = body.trim();
  if (text === "") return "(empty answer)";
  return text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}… (${text.length} characters)` : text;
}
