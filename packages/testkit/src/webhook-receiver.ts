import { createServer } from "node:http";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A JSON value as the receiver stores it. */
export type ReceivedValue = string | number | boolean | null | ReceivedValue[] | { [key: string]: ReceivedValue };

/** One record of a webhook payload, as `@reverse-etl/destination-webhook` sends it. */
export interface IncomingWebhookRecord {
  /** Identity of the record as text; the receiver stores records by it. */
  readonly key: string;
  /** The primary key's value. */
  readonly keyValue: ReceivedValue;
  /** Identifier fields from the sync's `match`. */
  readonly match: Readonly<Record<string, ReceivedValue>>;
  /** Mapped fields (empty for deletes). */
  readonly fields: Readonly<Record<string, ReceivedValue>>;
}

/** The body of a webhook POST. */
export interface IncomingWebhookPayload {
  /** Name of the sync. */
  readonly sync: string;
  /** The sync's object, or null. */
  readonly object: string | null;
  /** Id of the run. */
  readonly runId: string;
  /** What to do with every record. */
  readonly operation: "upsert" | "update" | "insert" | "delete";
  /** Same as the `Idempotency-Key` header. */
  readonly idempotencyKey: string;
  /** The batch. */
  readonly records: readonly IncomingWebhookRecord[];
}

/** What the receiver holds for a key after applying the payloads. */
export interface ReceivedRecord {
  /** The primary key's value. */
  readonly keyValue: ReceivedValue;
  /** Fields of the last applied upsert/update/insert. */
  readonly fields: Readonly<Record<string, ReceivedValue>>;
  /** Its `match`. */
  readonly match: Readonly<Record<string, ReceivedValue>>;
}

/**
 * A scripted failure for one POST, taken from the fault queue in arrival order.
 * - `{ status: 429, retryAfter: 1 }`: answer that status (with `Retry-After`) without applying anything;
 * - `{ drop: true }`: destroy the socket without an answer;
 * - `{ delayMs: 500 }`: wait, then handle the request normally (combine with a client timeout);
 * - `afterApply: true` with `status` or `drop`: apply the batch first, then fail, like an answer lost on
 *   the way back; the sender should retry with the same Idempotency-Key and the receiver replays it.
 */
export interface WebhookFault {
  /** HTTP status to answer. */
  readonly status?: number;
  /** `Retry-After` header value: seconds, or an HTTP date string. */
  readonly retryAfter?: number | string;
  /** Response body for `status`. Default: a short JSON error. */
  readonly body?: string;
  /** Destroy the connection instead of answering. */
  readonly drop?: boolean;
  /** Wait this long before handling the request. */
  readonly delayMs?: number;
  /** Apply the batch before failing with `status` or `drop`. */
  readonly afterApply?: boolean;
}

/** Decides whether a record is refused; receives the batch's operation too. */
export type RecordPredicate = (record: IncomingWebhookRecord, operation: IncomingWebhookPayload["operation"]) => boolean;

/** Options of {@link startWebhookReceiver}. */
export interface WebhookReceiverOptions {
  /** Faults for the first POSTs, in order. More can be queued with `injectFaults`. */
  readonly faults?: readonly WebhookFault[];
  /** Headers every request must carry with these exact values; otherwise the receiver answers 401. */
  readonly requiredHeaders?: Readonly<Record<string, string>>;
  /** Batches with more records are answered 413. Default: no limit. */
  readonly maxRecords?: number;
  /**
   * Background faults for soak and kill tests: when the fault queue is empty, each POST fails with one of
   * `faults` (picked in turn) with probability `rate`. `seed` makes the sequence repeatable. Default: none.
   */
  readonly randomFaults?: { readonly rate: number; readonly faults: readonly WebhookFault[]; readonly seed?: number };
  /** Port to listen on (127.0.0.1). Default 0: a free port, see `url`. */
  readonly port?: number;
}

/** One request the receiver saw. */
export interface ReceivedRequest {
  /** HTTP method. */
  readonly method: string;
  /** Path and query string. */
  readonly url: string;
  /** Request headers (lower-case names). */
  readonly headers: IncomingHttpHeaders;
  /** The `Idempotency-Key` header. */
  readonly idempotencyKey: string | undefined;
  /** Parsed body, when it was a valid payload. */
  payload: IncomingWebhookPayload | undefined;
  /** Status answered, or `dropped` when the socket was destroyed. */
  status: number | "dropped";
  /** What happened to the batch. */
  outcome: "applied" | "replayed" | "fault" | "refused" | "batch-rejected" | "pending";
}

/** A running receiver; see {@link startWebhookReceiver}. */
export interface WebhookReceiver {
  /** URL to configure as the webhook destination's `url`. */
  readonly url: string;
  /** What the receiver holds: record key -> last applied values. Deletes remove entries. */
  readonly records: Map<string, ReceivedRecord>;
  /** Every request, in arrival order. */
  readonly requests: ReceivedRequest[];
  /** Record key -> how many times a payload carrying it was applied (replays not counted). */
  readonly deliveries: Map<string, number>;
  /** How many POSTs repeated an Idempotency-Key already applied (answered again, not re-applied). */
  readonly replays: number;
  /** Queue faults for the next POSTs, after those already queued. */
  injectFaults(...faults: WebhookFault[]): void;
  /** Faults still queued. */
  readonly pendingFaults: number;
  /** Answer 200 with a per-record `results` entry rejecting matching records (they are not applied). */
  rejectRecord(predicate: RecordPredicate, message: string): void;
  /** Answer 400 for the whole batch when any record matches, applying nothing (exercises batch halving). */
  rejectBatchWhen(predicate: RecordPredicate, message: string): void;
  /** Forget every rejection rule and queued fault. */
  clearRules(): void;
  /** Stop the server and drop open connections. Safe to call twice. */
  close(): Promise<void>;
}

interface StoredAnswer {
  readonly status: number;
  readonly body: string;
}

/**
 * Start a real HTTP server on 127.0.0.1 (free port) that applies `@reverse-etl/destination-webhook`
 * payloads: upsert, update and insert set the record, delete removes it. It dedups by `Idempotency-Key`
 * (a replayed key gets the first answer again, without re-applying), counts deliveries per record, and
 * injects faults on request: scripted 429/5xx answers, drops, delays, per-record and whole-batch
 * rejections. End-to-end tests point a sync at it and compare `records` with the model.
 */
export async function startWebhookReceiver(options: WebhookReceiverOptions = {}): Promise<WebhookReceiver> {
  const records = new Map<string, ReceivedRecord>();
  const requests: ReceivedRequest[] = [];
  const deliveries = new Map<string, number>();
  const answered = new Map<string, StoredAnswer>();
  const faults: WebhookFault[] = [...(options.faults ?? [])];
  let recordRules: Array<{ predicate: RecordPredicate; message: string }> = [];
  let batchRules: Array<{ predicate: RecordPredicate; message: string }> = [];
  let replays = 0;
  let closed = false;
  const random = seededRandom(options.randomFaults?.seed ?? 1);
  let randomFaultTurn = 0;

  function nextFault(): WebhookFault | undefined {
    const queued = faults.shift();
    if (queued !== undefined) return queued;
    const background = options.randomFaults;
    if (background === undefined || background.faults.length === 0 || random() >= background.rate) return undefined;
    return background.faults[randomFaultTurn++ % background.faults.length];
  }
  const waits = new Set<() => void>();

  function delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        waits.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waits.add(done);
    });
  }

  function answer(res: ServerResponse, entry: ReceivedRequest, status: number, body: unknown, headers: Record<string, string> = {}): void {
    entry.status = status;
    const text = typeof body === "string" ? body : JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(text);
  }

  function drop(req: IncomingMessage, entry: ReceivedRequest): void {
    entry.status = "dropped";
    req.socket.destroy();
  }

  function apply(payload: IncomingWebhookPayload): { status: number; body: string } {
    const results: Array<{ key: string; status: "ok" | "rejected"; message?: string }> = [];
    for (const record of payload.records) {
      const rule = recordRules.find((r) => r.predicate(record, payload.operation));
      if (rule) {
        results.push({ key: record.key, status: "rejected", message: rule.message });
        continue;
      }
      if (payload.operation === "delete") records.delete(record.key);
      else records.set(record.key, { keyValue: record.keyValue, fields: record.fields, match: record.match });
      deliveries.set(record.key, (deliveries.get(record.key) ?? 0) + 1);
      results.push({ key: record.key, status: "ok" });
    }
    // Per-record results only when something was refused, so plain 2xx answers are exercised too.
    const body = results.some((r) => r.status !== "ok") ? { results } : { ok: true, applied: payload.records.length };
    return { status: 200, body: JSON.stringify(body) };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawKey = req.headers["idempotency-key"];
    const entry: ReceivedRequest = {
      method: req.method ?? "GET",
      url: req.url ?? "/",
      headers: req.headers,
      idempotencyKey: Array.isArray(rawKey) ? rawKey[0] : rawKey,
      payload: undefined,
      status: 0,
      outcome: "pending",
    };
    requests.push(entry);

    const required = Object.entries(options.requiredHeaders ?? {});
    const authorized = required.every(([name, value]) => req.headers[name.toLowerCase()] === value);
    if (entry.method === "HEAD" || entry.method === "OPTIONS") {
      entry.outcome = "refused";
      entry.status = authorized ? 204 : 401;
      res.writeHead(entry.status, entry.method === "OPTIONS" ? { allow: "POST, HEAD, OPTIONS" } : {});
      res.end();
      return;
    }
    if (entry.method !== "POST") {
      entry.outcome = "refused";
      return answer(res, entry, 405, { error: "only POST is supported" }, { allow: "POST, HEAD, OPTIONS" });
    }

    const fault = nextFault();
    if (fault?.delayMs !== undefined) await delay(fault.delayMs);
    if (closed) return drop(req, entry);
    if (fault && !fault.afterApply && (fault.drop || fault.status !== undefined)) {
      entry.outcome = "fault";
      if (fault.drop) return drop(req, entry);
      return answerFault(res, entry, fault);
    }

    if (!authorized) {
      entry.outcome = "refused";
      return answer(res, entry, 401, { error: "missing or wrong credentials" });
    }
    if (!String(req.headers["content-type"] ?? "").startsWith("application/json")) {
      entry.outcome = "refused";
      return answer(res, entry, 415, { error: "content-type must be application/json" });
    }
    const payload = parsePayload(Buffer.concat(chunks).toString("utf8"));
    if (typeof payload === "string") {
      entry.outcome = "refused";
      return answer(res, entry, 400, { error: payload });
    }
    entry.payload = payload;

    const previous = entry.idempotencyKey === undefined ? undefined : answered.get(entry.idempotencyKey);
    if (previous) {
      replays++;
      entry.outcome = "replayed";
      return answer(res, entry, previous.status, previous.body, { "idempotent-replayed": "true" });
    }
    if (options.maxRecords !== undefined && payload.records.length > options.maxRecords) {
      entry.outcome = "refused";
      return answer(res, entry, 413, { error: `at most ${options.maxRecords} records per request` });
    }
    for (const record of payload.records) {
      const rule = batchRules.find((r) => r.predicate(record, payload.operation));
      if (rule) {
        entry.outcome = "batch-rejected";
        return answer(res, entry, 400, { error: rule.message, key: record.key });
      }
    }

    const result = apply(payload);
    entry.outcome = "applied";
    if (entry.idempotencyKey !== undefined) answered.set(entry.idempotencyKey, result);
    if (fault?.afterApply && fault.drop) return drop(req, entry);
    if (fault?.afterApply && fault.status !== undefined) return answerFault(res, entry, fault);
    return answer(res, entry, result.status, result.body);
  }

  function answerFault(res: ServerResponse, entry: ReceivedRequest, fault: WebhookFault): void {
    const headers: Record<string, string> = fault.retryAfter === undefined ? {} : { "retry-after": String(fault.retryAfter) };
    answer(res, entry, fault.status ?? 500, fault.body ?? { error: `injected fault: HTTP ${fault.status}` }, headers);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`receiver error: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/webhook`,
    records,
    requests,
    deliveries,
    get replays() {
      return replays;
    },
    get pendingFaults() {
      return faults.length;
    },
    injectFaults(...more) {
      faults.push(...more);
    },
    rejectRecord(predicate, message) {
      recordRules.push({ predicate, message });
    },
    rejectBatchWhen(predicate, message) {
      batchRules.push({ predicate, message });
    },
    clearRules() {
      recordRules = [];
      batchRules = [];
      faults.length = 0;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const wake of [...waits]) wake();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** mulberry32: a small PRNG, so a seed replays the same faults. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OPERATIONS = new Set(["upsert", "update", "insert", "delete"]);

/** The payload, or what is wrong with it. */
function parsePayload(text: string): IncomingWebhookPayload | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "body is not JSON";
  }
  if (typeof value !== "object" || value === null) return "body must be a JSON object";
  const payload = value as Partial<IncomingWebhookPayload>;
  if (typeof payload.operation !== "string" || !OPERATIONS.has(payload.operation)) {
    return "operation must be upsert, update, insert or delete";
  }
  if (!Array.isArray(payload.records)) return "records must be an array";
  for (const [i, record] of payload.records.entries()) {
    if (typeof record !== "object" || record === null || typeof record.key !== "string") {
      return `records[${i}].key must be a string`;
    }
    if (typeof record.fields !== "object" || record.fields === null) return `records[${i}].fields must be an object`;
  }
  return payload as IncomingWebhookPayload;
}
