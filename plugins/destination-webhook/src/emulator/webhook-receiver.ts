import { createServer } from "node:http";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { RunningEmulator } from "@reverse-etl/core";
import type { WebhookDestinationOptions } from "../webhook-destination-options.js";

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

/** Decides whether a record is refused; receives the batch's operation too. */
export type RecordPredicate = (record: IncomingWebhookRecord, operation: IncomingWebhookPayload["operation"]) => boolean;

/** Options of {@link startWebhookReceiver}. */
export interface WebhookReceiverOptions {
  /** Headers every request must carry with these exact values; otherwise the receiver answers 401. */
  readonly requiredHeaders?: Readonly<Record<string, string>>;
  /** Batches with more records are answered 413. Default: no limit. */
  readonly maxRecords?: number;
  /** Port to listen on. Default 0: a free port, see `url`. */
  readonly port?: number;
  /** Address to listen on. Default `127.0.0.1`. */
  readonly host?: string;
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
  /** Status answered, or `dropped` when the receiver closed before answering. */
  status: number | "dropped";
  /** What happened to the batch. */
  outcome: "applied" | "replayed" | "refused" | "batch-rejected" | "pending";
}

/** A running receiver; see {@link startWebhookReceiver}. */
export interface WebhookReceiver extends RunningEmulator {
  /** URL to configure as the webhook destination's `url`. */
  readonly url: string;
  /** The webhook destination's options that point it at the receiver: `url`, and `headers` when some are required. */
  readonly options: Pick<WebhookDestinationOptions, "url" | "headers">;
  /** What the receiver holds: record key -> last applied values. Deletes remove entries. */
  readonly records: Map<string, ReceivedRecord>;
  /** Every request, in arrival order. */
  readonly requests: ReceivedRequest[];
  /** Record key -> how many times a payload carrying it was applied (replays not counted). */
  readonly deliveries: Map<string, number>;
  /** How many POSTs repeated an Idempotency-Key already applied (answered again, not re-applied). */
  readonly replays: number;
  /** Answer 200 with a per-record `results` entry rejecting matching records (they are not applied). */
  rejectRecord(predicate: RecordPredicate, message: string): void;
  /** Answer 400 for the whole batch when any record matches, applying nothing (exercises batch halving). */
  rejectBatchWhen(predicate: RecordPredicate, message: string): void;
  /** Forget every rejection rule. */
  clearRules(): void;
  /** Stop the server and drop open connections. Safe to call twice. */
  close(): Promise<void>;
}

interface StoredAnswer {
  readonly status: number;
  readonly body: string;
}

/**
 * Start a real HTTP server (127.0.0.1, a free port by default) that applies
 * `@reverse-etl/destination-webhook` payloads: upsert, update and insert set the record, delete removes it.
 * It dedups by `Idempotency-Key` (a replayed key gets the first answer again, without re-applying), counts
 * deliveries per record, and refuses what a strict receiver would: wrong credentials (401), other content
 * types (415), malformed payloads (400), oversized batches (413), and the per-record and whole-batch
 * rejections a test asks for. End-to-end tests point a sync at it and compare `records` with the model;
 * network faults come from the testkit's fault proxy (`startFaultProxy`) in front of it.
 */
export async function startWebhookReceiver(options: WebhookReceiverOptions = {}): Promise<WebhookReceiver> {
  const records = new Map<string, ReceivedRecord>();
  const requests: ReceivedRequest[] = [];
  const deliveries = new Map<string, number>();
  const answered = new Map<string, StoredAnswer>();
  let recordRules: Array<{ predicate: RecordPredicate; message: string }> = [];
  let batchRules: Array<{ predicate: RecordPredicate; message: string }> = [];
  let replays = 0;
  let closed = false;

  function answer(res: ServerResponse, entry: ReceivedRequest, status: number, body: unknown, headers: Record<string, string> = {}): void {
    entry.status = status;
    const text = typeof body === "string" ? body : JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(text);
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

  /** `GET /_emulator/records`: what the receiver holds, for people and scripts running it from the CLI. */
  function handleTestEndpoint(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? "/", "http://receiver").pathname;
    if (req.method === "GET" && path === "/_emulator/records") {
      const results = [...records].map(([key, record]) => ({ key, ...record }));
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ results }));
      return;
    }
    res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "unknown emulator endpoint" }));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if ((req.url ?? "").startsWith("/_emulator/")) return handleTestEndpoint(req, res);
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
    if (closed) {
      entry.status = "dropped";
      req.socket.destroy();
      return;
    }

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
    return answer(res, entry, result.status, result.body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`receiver error: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;

  const url = `http://${host}:${address.port}/webhook`;
  const required = options.requiredHeaders;
  return {
    url,
    options: { url, ...(required !== undefined && Object.keys(required).length > 0 ? { headers: { ...required } } : {}) },
    records,
    requests,
    deliveries,
    get replays() {
      return replays;
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
    },
    close() {
      closing ??= (async () => {
        closed = true;
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return closing;
    },
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
