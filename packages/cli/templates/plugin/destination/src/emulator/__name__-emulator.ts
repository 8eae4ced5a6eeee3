import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { EmulatorStore, OPERATIONS, type RecordAnswer, type StoredRecord } from "./__name__-emulator-objects.js";

/** API key the emulator accepts unless told another. */
export const DEFAULT_EMULATOR_API_KEY = "test-api-key";

/** Options of {@link start__Name__Emulator}. */
export interface __Name__EmulatorOptions {
  /** Port on `host`; 0 or absent: a free one. */
  readonly port?: number;
  /** Address to listen on. Default `127.0.0.1`. */
  readonly host?: string;
  /** The API key it accepts (`Authorization: Bearer <key>`). Default `test-api-key`. */
  readonly apiKey?: string;
  /** Requests per rolling second; more are answered 429 with `Retry-After`. Default 10, as __Title__'s standard plan. */
  readonly requestsPerSecond?: number;
  /** Requests per day (UTC); more are answered 429 `daily_quota_exceeded`. Default 100000. */
  readonly dailyQuota?: number;
}

/** One request the emulator answered. */
export interface EmulatorRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

/** A running emulator, with what tests need to look inside it. */
export interface __Name__Emulator {
  /** Base URL: the plugin's `baseUrl` option. */
  readonly url: string;
  /** The API key it accepts: the plugin's `apiKey` option. */
  readonly apiKey: string;
  /** Every request answered, in order. */
  readonly requests: readonly EmulatorRequest[];
  /** Records of an object, in the order they were created. */
  records(object: string): StoredRecord[];
  /** The record an identifier finds, e.g. `{ email: "ada@example.com" }`. */
  find(object: string, identifier: Readonly<Record<string, unknown>>): StoredRecord | undefined;
  /** Stop listening and drop every record. Safe to call twice. */
  close(): Promise<void>;
}

/** Most records one batch request takes: a larger one is refused whole (400 `batch_too_large`). */
export const MAX_BATCH_RECORDS = 100;
/** Largest request body read; a larger one is answered 413. */
const MAX_BODY_BYTES = 5 * 1024 * 1024;
/** Idempotency keys remembered: a batch resent after a crash is answered, not applied twice. */
const REMEMBERED_KEYS = 10_000;

/** A JSON answer. */
interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

/**
 * Start a local __Title__ API, in memory, on loopback:
 * - every request needs `Authorization: Bearer <apiKey>` (401 otherwise);
 * - `requestsPerSecond` in any rolling second, then 429 with `Retry-After` (seconds); `dailyQuota` per day,
 *   then 429 `daily_quota_exceeded`;
 * - `GET /v1/account`; `GET /v1/objects/{object}`: fields and identifiers;
 * - `POST /v1/objects/{object}/batch` `{ operation, tag?, records: [{ id, fields }] }`: at most 100 records
 *   (400 `batch_too_large`), one result per record in order (`ok` with the id, or `error` with a code), and the
 *   same `Idempotency-Key` answered again without applying the batch twice.
 */
export async function start__Name__Emulator(options: __Name__EmulatorOptions = {}): Promise<__Name__Emulator> {
  const apiKey = options.apiKey ?? DEFAULT_EMULATOR_API_KEY;
  const requestsPerSecond = options.requestsPerSecond ?? 10;
  const dailyQuota = options.dailyQuota ?? 100_000;
  const store = new EmulatorStore();
  const requests: EmulatorRequest[] = [];
  const answered = new Map<string, Answer>();
  let window: number[] = [];
  let day = -1;
  let usedToday = 0;

  /** Count a request against the limits; the 429 to answer when over one. */
  function overLimit(now: number): Answer | undefined {
    const today = Math.floor(now / 86_400_000);
    if (today !== day) [day, usedToday] = [today, 0];
    if (usedToday >= dailyQuota) {
      const untilMidnight = Math.ceil(((today + 1) * 86_400_000 - now) / 1000);
      return { status: 429, body: { error: "daily_quota_exceeded", message: `${dailyQuota} requests a day` }, headers: { "retry-after": String(untilMidnight) } };
    }
    window = window.filter((at) => at > now - 1000);
    if (window.length >= requestsPerSecond) {
      // Seconds until the oldest request of the window leaves it, at least 1 (Retry-After counts whole seconds).
      const retryAfter = Math.max(1, Math.ceil((window[0]! + 1000 - now) / 1000));
      return { status: 429, body: { error: "rate_limited", message: `${requestsPerSecond} requests per second` }, headers: { "retry-after": String(retryAfter) } };
    }
    window.push(now);
    usedToday++;
    return undefined;
  }

  async function answer(request: IncomingMessage, path: string): Promise<Answer> {
    if (request.headers.authorization !== `Bearer ${apiKey}`) {
      return { status: 401, body: { error: "unauthorized", message: "missing or invalid API key" } };
    }
    const limited = overLimit(Date.now());
    if (limited) return limited;
    if (request.method === "GET" && path === "/v1/account") return { status: 200, body: { name: "__Title__ emulator" } };
    const route = /^\/v1\/objects\/([^/]+)(\/batch)?$/.exec(path);
    const describing = route !== null && route[2] === undefined && request.method === "GET";
    const writing = route !== null && route[2] !== undefined && request.method === "POST";
    if (!describing && !writing) return { status: 404, body: { error: "not_found", message: `no route ${request.method} ${path}` } };
    const name = decodeURIComponent(route![1]!);
    const object = store.objects.get(name);
    if (!object) return { status: 404, body: { error: "not_found", message: `no object ${name}` } };
    if (describing) return { status: 200, body: object };

    const key = request.headers["idempotency-key"];
    const previous = typeof key === "string" ? answered.get(key) : undefined;
    if (previous) return previous;
    const text = await readBody(request);
    if (text === undefined) return { status: 413, body: { error: "too_large", message: `bodies of at most ${MAX_BODY_BYTES} bytes` } };
    let batch: { operation?: unknown; tag?: unknown; records?: unknown };
    try {
      batch = JSON.parse(text) as typeof batch;
    } catch {
      return { status: 400, body: { error: "invalid_json", message: "the body is not JSON" } };
    }
    if (!OPERATIONS.includes(batch.operation as (typeof OPERATIONS)[number]) || !Array.isArray(batch.records)) {
      return { status: 400, body: { error: "invalid_request", message: `give an operation (${OPERATIONS.join(", ")}) and a records array` } };
    }
    if (batch.tag !== undefined && typeof batch.tag !== "string") return { status: 400, body: { error: "invalid_request", message: "tag must be a string" } };
    if (batch.records.length > MAX_BATCH_RECORDS) {
      return { status: 400, body: { error: "batch_too_large", message: `at most ${MAX_BATCH_RECORDS} records per batch` } };
    }
    const operation = batch.operation as (typeof OPERATIONS)[number];
    const results: RecordAnswer[] = batch.records.map((input) => store.apply(object, operation, input, batch.tag as string | undefined));
    const done: Answer = { status: 200, body: { results } };
    if (typeof key === "string") {
      answered.set(key, done);
      if (answered.size > REMEMBERED_KEYS) answered.delete(answered.keys().next().value!);
    }
    return done;
  }

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? "/", "http://emulator").pathname;
    answer(request, path)
      .catch((error: unknown): Answer => ({ status: 500, body: { error: "internal", message: String(error) } }))
      .then(({ status, body, headers }) => {
        requests.push({ method: request.method ?? "", path, status });
        response.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    apiKey,
    requests,
    records: (object) => store.records(object),
    find: (object, identifier) => store.find(object, identifier),
    close() {
      closed ??= new Promise<void>((resolve) => {
        store.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

/** The request body as text, or undefined when it exceeds `MAX_BODY_BYTES`. */
async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
