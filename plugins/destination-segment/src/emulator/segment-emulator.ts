import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { writeKeyOf } from "./emulator-auth.js";
import { dropReason } from "./emulator-calls.js";
import type { SegmentCall } from "./emulator-calls.js";
import { DEFAULT_DEDUP_WINDOW_MS, EmulatorInbox } from "./emulator-inbox.js";
import type { ReceivedMessage } from "./emulator-inbox.js";
import { DEFAULT_REQUESTS_PER_SECOND, EmulatorRateLimit, MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_EVENT_BYTES } from "./emulator-limits.js";
import type { RateLimitStats } from "./emulator-limits.js";

/** The write key the emulator accepts unless told another. */
export const DEFAULT_WRITE_KEY = "emulator-write-key";

/** Options of {@link startSegmentEmulator}. */
export interface SegmentEmulatorOptions {
  /** Port; default 0 (a free port). */
  readonly port?: number;
  /** Address to listen on. Default `127.0.0.1`. */
  readonly host?: string;
  /** The source's write key: calls with another key are answered 200 and dropped, as Segment does. Default `emulator-write-key`. */
  readonly writeKey?: string;
  /** Requests allowed per rolling second before 429. Default 1000 (Segment's documented workspace rate). */
  readonly requestsPerSecond?: number;
  /** How long a messageId is remembered for deduplication. Default 24 hours (Segment's look-back window). */
  readonly dedupWindowMs?: number;
  /** Clock, for tests that move time instead of waiting. Default `Date.now`. */
  readonly now?: () => number;
}

/** One request the emulator answered (its body and write key are not kept). */
export interface EmulatorRequest {
  readonly method: string;
  /** Path without query string. */
  readonly path: string;
  readonly status: number;
  /** Size of the body in bytes. */
  readonly bytes: number;
  /** Calls it carried (a batch's items, or 1), when its body was read. */
  readonly events: number;
  /** The client's `X-Retry-Count` header, when it sent one. */
  readonly retryCount?: number;
  /** Clock value when it arrived. */
  readonly at: number;
}

/** A running Segment emulator. */
export interface SegmentEmulator {
  /** Base URL to give the plugin (`baseUrl`) or `@segment/analytics-node` (`host`), e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** The write key it accepts. */
  readonly writeKey: string;
  /** Accepted messages, one per messageId, in arrival order: what Segment passes on to destinations. */
  readonly messages: readonly SegmentCall[];
  /** Every message that arrived, duplicates and dropped ones included, with what became of it. */
  readonly received: readonly ReceivedMessage[];
  /** Every request answered, in order (the `/_emulator` endpoints excluded). */
  readonly requests: readonly EmulatorRequest[];
  /** Rate-limit counters. */
  readonly rateLimitStats: RateLimitStats;
  /** Change the rate limit while running. */
  setRequestsPerSecond(requestsPerSecond: number): void;
  /** Forget every message and request. */
  reset(): void;
  /** Stop the server. Safe to call twice. */
  close(): Promise<void>;
}

/** An answer: status, JSON body, headers. */
interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

const OK: Answer = { status: 200, body: { success: true } };
/** Segment's answer to an oversized request or event (the HTTP API page's "Max request size"). */
const TOO_LARGE: Answer = { status: 400, body: { success: false, message: "Exceed payload limit" } };
/** Single-call endpoints (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/). */
const SINGLE_CALLS = new Set(["identify", "track", "page", "screen", "group", "alias"]);
/** Bodies past this are not read further (they are far over every limit). */
const READ_CAP_BYTES = 8 * 1024 * 1024;

/**
 * Start an in-memory emulator of Segment's HTTP Tracking API on loopback: `/v1/batch` and the single-call
 * endpoints, write-key auth, the size limits with Segment's 400 answer, per-call validation (invalid calls
 * answered 200 and dropped, as Segment does), deduplication by `messageId`, and a rate limit with 429,
 * `Retry-After` and `X-RateLimit-Reset`. `@segment/analytics-node` works against it unchanged with
 * `host: emulator.url`. What it received is readable from `messages`, `received` and `requests`, or over
 * HTTP from `GET /_emulator/messages`, `/_emulator/received` and `/_emulator/requests` (`POST /_emulator/reset`
 * forgets). Faults (5xx, lost answers, dropped connections) come from the testkit's fault proxy in front of it.
 */
export async function startSegmentEmulator(options: SegmentEmulatorOptions = {}): Promise<SegmentEmulator> {
  const now = options.now ?? Date.now;
  const writeKey = options.writeKey ?? DEFAULT_WRITE_KEY;
  const inbox = new EmulatorInbox(options.dedupWindowMs ?? DEFAULT_DEDUP_WINDOW_MS, now);
  const limit = new EmulatorRateLimit(options.requestsPerSecond ?? DEFAULT_REQUESTS_PER_SECOND, now);
  const requests: EmulatorRequest[] = [];

  /** Take the calls of one request (already parsed and within the size limits). */
  function takeCalls(calls: SegmentCall[], types: Array<string | undefined>, key: string | undefined, request: number): void {
    // A wrong write key is answered 200 and its events vanish (Segment's "Errors": only size and JSON
    // errors get another answer), so a client cannot learn it from the answer.
    const keyProblem = key === undefined ? "no write key (Basic auth user or writeKey in the body)" : key !== writeKey ? "unknown write key" : undefined;
    const countProblem = calls.length > MAX_BATCH_EVENTS ? `a batch of ${calls.length} events is over Segment's 2,500` : undefined;
    calls.forEach((call, i) => {
      const reason = keyProblem ?? countProblem ?? dropReason(call, types[i]);
      if (reason) inbox.drop(call, reason, request);
      else inbox.take(call, request);
    });
  }

  function handle(path: string, headers: IncomingMessage["headers"], raw: Buffer, bytes: number, request: number): { answer: Answer; events: number } {
    const call = path.startsWith("/v1/") ? path.slice(4) : "";
    const isBatch = call === "batch";
    if (!isBatch && !SINGLE_CALLS.has(call)) return { answer: { status: 404, body: { success: false, message: `No route for ${path}` } }, events: 0 };
    // "a content-type header must be set to 'application/json'" (the HTTP API page's "Content-Type").
    if (!/^application\/json\b/i.test(headers["content-type"] ?? "")) {
      return { answer: { status: 400, body: { success: false, message: "Content-Type must be application/json" } }, events: 0 };
    }
    if (bytes > (isBatch ? MAX_BATCH_BYTES : MAX_EVENT_BYTES)) return { answer: TOO_LARGE, events: 0 };
    let body: unknown;
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch {
      // "If you send an event with invalid JSON, Segment returns a 400 Bad Request error." (The message is
      // the emulator's own: Segment documents the status only.)
      return { answer: { status: 400, body: { success: false, message: "Invalid JSON" } }, events: 0 };
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      return { answer: { status: 400, body: { success: false, message: "Invalid JSON: the body must be an object" } }, events: 0 };
    }
    const key = writeKeyOf(headers.authorization, body);
    if (!isBatch) {
      takeCalls([{ ...(body as SegmentCall), type: call }], [call], key, request);
      return { answer: OK, events: 1 };
    }
    const { batch, context, integrations } = body as { batch?: unknown; context?: unknown; integrations?: unknown };
    if (!Array.isArray(batch)) return { answer: { status: 400, body: { success: false, message: "batch must be an array of calls" } }, events: 0 };
    const items = batch.map((item): SegmentCall => (typeof item === "object" && item !== null && !Array.isArray(item) ? (item as SegmentCall) : { value: item }));
    // "a limit of 32KB per event in the batch": one oversized event refuses the whole request.
    if (items.some((item) => Buffer.byteLength(JSON.stringify(item)) > MAX_EVENT_BYTES)) return { answer: TOO_LARGE, events: items.length };
    // The batch's `context` and `integrations` "will be merged with any context inside each of the items".
    const merged = items.map((item): SegmentCall => ({
      ...item,
      ...(isObject(context) || isObject(item.context) ? { context: { ...(isObject(context) ? context : {}), ...(isObject(item.context) ? item.context : {}) } } : {}),
      ...(isObject(integrations) ? { integrations: { ...integrations, ...(isObject(item.integrations) ? item.integrations : {}) } } : {}),
    }));
    takeCalls(merged, merged.map((m) => (typeof m.type === "string" ? m.type : undefined)), key, request);
    return { answer: OK, events: items.length };
  }

  function testEndpoint(method: string, path: string): Answer {
    if (method === "GET" && path === "/_emulator/messages") return { status: 200, body: { messages: inbox.messages } };
    if (method === "GET" && path === "/_emulator/received") return { status: 200, body: { received: inbox.received } };
    if (method === "GET" && path === "/_emulator/requests") return { status: 200, body: { requests, rateLimit: limit.stats } };
    if (method === "POST" && path === "/_emulator/reset") {
      emulator.reset();
      return { status: 200, body: { success: true } };
    }
    return { status: 404, body: { success: false, message: `No emulator endpoint ${method} ${path}` } };
  }

  function answerApi(req: IncomingMessage, path: string, raw: Buffer, bytes: number): Answer {
    const method = req.method ?? "GET";
    const index = requests.length;
    const retryHeader = Number(req.headers["x-retry-count"]);
    const log = (status: number, events: number) =>
      requests.push({ method, path, status, bytes, events, at: now(), ...(Number.isInteger(retryHeader) ? { retryCount: retryHeader } : {}) });
    if (method !== "POST") {
      log(404, 0);
      return { status: 404, body: { success: false, message: `No route for ${method} ${path}` } };
    }
    const limited = limit.admit();
    // Segment documents the 429's headers, not its body: the body here is the emulator's own.
    if (limited) {
      log(429, 0);
      const seconds = String(limited.retryAfterSeconds);
      return { status: 429, body: { success: false, message: "Too Many Requests" }, headers: { "Retry-After": seconds, "X-RateLimit-Reset": seconds } };
    }
    const { answer, events } = handle(path, req.headers, raw, bytes, index);
    log(answer.status, events);
    return answer;
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size <= READ_CAP_BYTES) chunks.push(chunk);
    });
    req.on("end", () => {
      const path = new URL(req.url ?? "/", "http://emulator").pathname;
      const raw = size > READ_CAP_BYTES ? Buffer.alloc(0) : Buffer.concat(chunks);
      const answer = path.startsWith("/_emulator/") ? testEndpoint(req.method ?? "GET", path) : answerApi(req, path, raw, size);
      res.writeHead(answer.status, { "content-type": "application/json; charset=utf-8", ...answer.headers });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closed: Promise<void> | undefined;

  const emulator: SegmentEmulator = {
    url: `http://${host}:${address.port}`,
    writeKey,
    messages: inbox.messages,
    received: inbox.received,
    requests,
    rateLimitStats: limit.stats,
    setRequestsPerSecond(requestsPerSecond) {
      limit.requestsPerSecond = requestsPerSecond;
    },
    reset() {
      inbox.clear();
      requests.length = 0;
      limit.reset();
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
  return emulator;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
