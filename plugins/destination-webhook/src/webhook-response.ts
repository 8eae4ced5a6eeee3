import type { OutgoingRecord, RecordResult, WriteOutcome } from "@reverse-etl/core";

/** Longest response text quoted in a message; bodies can be whole HTML error pages. */
const MAX_QUOTED_BODY = 1024;

/** One entry of the optional `results` array a webhook may answer with. */
export interface WebhookRecordResult {
  /** The record's `key`; when absent, entries match records by position. */
  key?: string | number;
  status: "ok" | "rejected" | "retryable";
  /** Why the record was rejected or should be retried. */
  message?: string;
  /** The receiver's id for the record. */
  id?: string | number;
}

/**
 * Turn an HTTP answer into a write outcome. `where` names the endpoint (without credentials) for messages.
 * 2xx accepts every record unless a `results` array says otherwise; 408, 429 and 5xx retry; 401 and 403
 * stop the run; any other 4xx rejects the batch (core halves it to find the bad record).
 */
export function outcomeOfResponse(
  status: number,
  retryAfter: string | null,
  body: string,
  records: readonly OutgoingRecord[],
  where: string,
): WriteOutcome {
  if (status >= 200 && status < 300) return { type: "results", results: recordResults(body, records) };
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(retryAfter);
    const wait = retryAfterMs === undefined ? "" : `, asked to wait ${retryAfterMs} ms`;
    return {
      type: "retry",
      message: `[reverse-etl] [webhook] ${where} answered HTTP ${status}${wait}${quote(body)}`,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
  if (status === 401 || status === 403) {
    return {
      type: "fatal",
      credentials: true,
      message: `[reverse-etl] [webhook] the webhook refused the credentials (HTTP ${status}): check the headers option.`,
    };
  }
  if (status >= 400) {
    return {
      type: "batch-rejected",
      message: `[reverse-etl] [webhook] ${where} rejected the batch (HTTP ${status})${quote(body)}`,
    };
  }
  return {
    type: "fatal",
    message: `[reverse-etl] [webhook] ${where} answered an unexpected HTTP ${status}: check the url option.`,
  };
}

/**
 * Milliseconds to wait from a `Retry-After` header: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Shorten a response body for a message. */
export function truncateBody(body: string): string {
  const text = body.trim();
  return text.length > MAX_QUOTED_BODY ? `${text.slice(0, MAX_QUOTED_BODY)}… (${text.length} characters)` : text;
}

function quote(body: string): string {
  const text = truncateBody(body);
  return text === "" ? "." : `: ${text}`;
}

function recordResults(body: string, records: readonly OutgoingRecord[]): RecordResult[] {
  const entries = resultEntries(body);
  if (entries === undefined) return records.map(() => ({ status: "ok" }));
  const byKey = new Map<string, WebhookRecordResult>();
  for (const entry of entries) if (entry.key !== undefined) byKey.set(String(entry.key), entry);
  return records.map((record, index) => {
    const entry = byKey.size > 0 ? byKey.get(record.key) : entries[index];
    // A 2xx without a word about this record means the receiver took it.
    return entry === undefined ? { status: "ok" } : recordResult(entry);
  });
}

function recordResult(entry: WebhookRecordResult): RecordResult {
  const message = entry.message === undefined ? undefined : truncateBody(String(entry.message));
  switch (entry.status) {
    case "ok":
      return entry.id === undefined ? { status: "ok" } : { status: "ok", id: String(entry.id) };
    case "rejected":
      return { status: "rejected", message: message ?? "rejected by the webhook (no message given)" };
    case "retryable":
      return { status: "retryable", message: message ?? "the webhook asked to retry this record" };
    default:
      return {
        status: "retryable",
        message: `the webhook answered an unknown record status ${JSON.stringify(entry.status)}; expected ok, rejected or retryable`,
      };
  }
}

function resultEntries(body: string): WebhookRecordResult[] | undefined {
  if (!body.trimStart().startsWith("{")) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || !("results" in parsed)) return undefined;
  const results = (parsed as { results: unknown }).results;
  if (!Array.isArray(results)) return undefined;
  return results.filter((r): r is WebhookRecordResult => typeof r === "object" && r !== null && "status" in r);
}
