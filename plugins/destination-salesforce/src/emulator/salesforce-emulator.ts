import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { BulkIngest } from "./emulator-bulk.js";
import { handleCollections } from "./emulator-collections.js";
import type { EmulatorResponse } from "./emulator-errors.js";
import { INVALID_SESSION, jsonParserError, notFound, restError } from "./emulator-errors.js";
import { ApiUsage, DEFAULT_DAILY_API_REQUESTS, limitsBody } from "./emulator-limits.js";
import type { EmulatorClient, EmulatorRefreshToken } from "./emulator-oauth.js";
import { EmulatorSessions } from "./emulator-oauth.js";
import { EmulatorOrg } from "./emulator-org.js";
import type { FieldInput, SObjectInput } from "./emulator-schema.js";
import { QueryCursors } from "./emulator-soql.js";
import { handleSObjects } from "./emulator-sobject-rest.js";
import { emulatorDump, emulatorSeed, handleTestEndpoint, type EmulatorRequest, type SalesforceEmulator } from "./emulator-control.js";
import { API_VERSIONS, LATEST_API_VERSION, isSupportedVersion, versionsBody } from "./emulator-versions.js";

/** Options of {@link startSalesforceEmulator}. */
export interface SalesforceEmulatorOptions {
  /** Port; 0 or absent: a free one. */
  readonly port?: number;
  /** Address to listen on. Default `127.0.0.1`. */
  readonly host?: string;
  /** An access token the emulator accepts from the start (e.g. `--token` of `reverse-etl emulate`). Default: a new one. */
  readonly accessToken?: string;
  /** The connected app: consumer key. Default `emulator-client-id`. */
  readonly clientId?: string;
  /** Its consumer secret. Default `emulator-client-secret`. */
  readonly clientSecret?: string;
  /** A refresh token issued to that app. Default `emulator-refresh-token`. */
  readonly refreshToken?: string;
  /** PEM public key or certificate of that app, turning on the JWT bearer flow. */
  readonly certificate?: string;
  /** More connected apps. */
  readonly clients?: readonly EmulatorClient[];
  /** The integration user every session runs as (the JWT's `sub`). Default `integration@emulator.example.com`. */
  readonly username?: string;
  /** API requests allowed per rolling 24 hours. Default 15,000 (Developer Edition). */
  readonly dailyApiRequests?: number;
  /** Inactivity after which a session expires. Default 2 hours (Salesforce's default). */
  readonly sessionTimeoutMs?: number;
  /** Custom objects to define at start. */
  readonly objects?: readonly SObjectInput[];
  /** Custom fields to add to objects at start, by object name (standard or custom). */
  readonly fields?: Readonly<Record<string, readonly FieldInput[]>>;
  /** Milliseconds a Bulk API job waits before it starts, and each of its 10,000-record batches takes. Default 20. */
  readonly bulkProcessingMs?: number;
  /** Clock, for tests that move time. Default `Date.now`. */
  readonly now?: () => number;
}

/** A URI longer than this is refused with 414: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm */
const MAX_URI_BYTES = 16_384;

/**
 * Start an in-memory emulator of the Salesforce REST API (and the OAuth token endpoint) on loopback.
 * `@salesforce/core` and jsforce work against it unchanged when given its URL as instance and login URL.
 */
export async function startSalesforceEmulator(options: SalesforceEmulatorOptions = {}): Promise<SalesforceEmulator> {
  const now = options.now ?? Date.now;
  const org = new EmulatorOrg(now);
  for (const object of options.objects ?? []) org.defineObject(object);
  for (const [object, fields] of Object.entries(options.fields ?? {})) for (const field of fields) org.defineField(object, field);
  let url = "";
  const username = options.username ?? "integration@emulator.example.com";
  const clientId = options.clientId ?? "emulator-client-id";
  const clientSecret = options.clientSecret ?? "emulator-client-secret";
  const refreshToken = options.refreshToken ?? "emulator-refresh-token";
  const sessions = new EmulatorSessions(
    { orgId: org.orgId, userId: org.userId, username, url: () => url, timeoutMs: options.sessionTimeoutMs ?? 2 * 3_600_000, now },
    [{ clientId, clientSecret, ...(options.certificate ? { certificate: options.certificate } : {}) }, ...(options.clients ?? [])],
    [{ token: refreshToken, clientId } satisfies EmulatorRefreshToken],
  );
  const accessToken = sessions.issue(options.accessToken);
  const usage = new ApiUsage(options.dailyApiRequests ?? DEFAULT_DAILY_API_REQUESTS, now);
  const cursors = new QueryCursors();
  const state = { faults: [] as number[], locks: 0 };
  const lockFault = () => state.locks > 0 && state.locks-- > 0;
  const bulk = new BulkIngest({ org, lockFault, now, processingMs: options.bulkProcessingMs ?? 20 });
  const requestLog: EmulatorRequest[] = [];

  function api(method: string, version: string, rest: string[], query: URLSearchParams, body: unknown, text: string, headers: IncomingMessage["headers"]): EmulatorResponse {
    const [resource, ...more] = rest;
    if (resource === undefined) {
      if (method !== "GET") return notFound();
      const base = `/services/data/v${version}`;
      return { status: 200, body: Object.fromEntries(["sobjects", "query", "limits", "composite", "jobs"].map((r) => [r, `${base}/${r}`])) };
    }
    if (resource === "limits" && more.length === 0 && method === "GET") return { status: 200, body: limitsBody(usage, { batches: bulk.batches }) };
    // Bulk API 2.0 from API version 41.0: https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/bulk_api_2_0.htm
    if (resource === "jobs" && more[0] === "ingest" && Number(version) >= 41) return bulk.handle(method, more.slice(1), version, body, text, header(headers, "content-type"));
    if (resource === "sobjects") return handleSObjects(org, version, method, more, body);
    // sObject Collections from API 42.0, their upsert by external id from 46.0.
    if (resource === "composite" && more[0] === "sobjects" && Number(version) >= 42 && (more.length < 3 || Number(version) >= 46)) {
      return handleCollections({ org, lockFault }, method, more.slice(1), query, body);
    }
    if (resource === "query" && method === "GET") {
      if (more.length === 0) return cursors.run(org, version, query.get("q"), header(headers, "sforce-query-options"));
      if (more.length === 1) return cursors.more(version, more[0]!);
    }
    return notFound();
  }

  function route(method: string, path: string, query: URLSearchParams, text: string, headers: IncomingMessage["headers"]): EmulatorResponse {
    const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
    if (parts[0] === "services" && parts[1] === "oauth2") {
      if (method === "POST" && parts[2] === "token") return sessions.token(new URLSearchParams(text));
      if (method === "POST" && parts[2] === "revoke") {
        sessions.revoke(new URLSearchParams(text).get("token") ?? query.get("token") ?? "");
        return { status: 200 };
      }
      if (method === "GET" && parts[2] === "userinfo") return authorized(headers) ? { status: 200, body: sessions.identity() } : INVALID_SESSION;
      return notFound();
    }
    if (parts[0] === "id" && parts.length === 3 && method === "GET") return authorized(headers) ? { status: 200, body: sessions.identity() } : INVALID_SESSION;
    if (parts[0] !== "services" || parts[1] !== "data") return notFound();
    // The versions list needs no session and carries no Sforce-Limit-Info.
    if (parts.length === 2) return method === "GET" ? { status: 200, body: versionsBody() } : notFound();
    const version = /^v(\d+\.\d)$/.exec(parts[2] ?? "")?.[1];
    if (!version || !isSupportedVersion(version)) return notFound();
    if (!authorized(headers)) return INVALID_SESSION;
    const fault = state.faults.shift();
    if (fault !== undefined) {
      return { ...restError(fault, fault === 503 ? "SERVER_UNAVAILABLE" : "UNKNOWN_EXCEPTION", "Injected by the emulator: the server is unavailable"), headers: usage.header() };
    }
    const refused = usage.admit();
    if (refused) return refused;
    let body: unknown;
    if (text !== "" && /json/i.test(header(headers, "content-type") ?? "application/json")) {
      try {
        body = JSON.parse(text);
      } catch (error) {
        return { ...jsonParserError(`Unexpected character in the request body: ${(error as Error).message}`), headers: usage.header() };
      }
    }
    const answer = api(method, version, parts.slice(3), query, body, text, headers);
    return { ...answer, headers: { ...usage.header(), ...answer.headers } };
  }

  /** Bearer (or the older `OAuth`) token of a live session: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/quickstart_oauth.htm */
  function authorized(headers: IncomingMessage["headers"]): boolean {
    const match = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(header(headers, "authorization") ?? "");
    return match !== null && sessions.check(match[1]!.trim()) !== undefined;
  }

  const server = createServer({ maxHeaderSize: 65_536 }, (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const method = req.method ?? "GET";
      const rawUrl = req.url ?? "/";
      const target = new URL(rawUrl, "http://emulator");
      const isTest = target.pathname.startsWith("/_emulator/");
      let answer: EmulatorResponse;
      if (Buffer.byteLength(rawUrl) > MAX_URI_BYTES) answer = { status: 414, body: [{ errorCode: "URI_TOO_LONG", message: "The request URI is too long" }] };
      else if (Buffer.byteLength(rawUrl) + req.rawHeaders.reduce((n, h) => n + Buffer.byteLength(h) + 2, 0) > MAX_URI_BYTES) {
        answer = { status: 431, body: [{ errorCode: "REQUEST_HEADER_FIELDS_TOO_LARGE", message: "The request URI and headers are too large" }] };
      } else {
        const text = Buffer.concat(chunks).toString("utf8");
        answer = isTest ? handleTestEndpoint(emulator, method, target.pathname, text) : route(method, target.pathname, target.searchParams, text, req.headers);
      }
      if (!isTest) {
        const records = recordsIn(Buffer.concat(chunks).toString("utf8"), header(req.headers, "content-type"));
        requestLog.push({ method, path: target.pathname, status: answer.status, at: now(), ...(records !== undefined ? { records } : {}) });
      }
      const headers: Record<string, string> = { ...answer.headers };
      let payload: string | undefined;
      if (answer.text) {
        headers["content-type"] = answer.text.contentType;
        payload = answer.text.content;
      } else if (answer.body !== undefined) {
        headers["content-type"] = "application/json;charset=UTF-8";
        payload = JSON.stringify(answer.body);
      }
      res.writeHead(answer.status, headers);
      res.end(payload);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  url = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
  let closed: Promise<void> | undefined;

  const emulator: SalesforceEmulator = {
    url,
    apiVersion: LATEST_API_VERSION,
    apiVersions: API_VERSIONS,
    orgId: org.orgId,
    username,
    accessToken,
    clientId,
    clientSecret,
    refreshToken,
    requestLog,
    org,
    get apiUsage() {
      return { used: usage.used, max: usage.max, refused: usage.refused };
    },
    defineObject: (input) => org.defineObject(input).name,
    defineField: (object, field) => void org.defineField(object, field),
    seed: (object, records) => emulatorSeed(org, object, records),
    dump: (object) => emulatorDump(org, object),
    setDailyApiRequests: (max) => void (usage.max = max),
    useApiRequests: (count) => usage.add(count),
    resetApiUsage: () => usage.reset(),
    expireSessions: () => sessions.expireAll(),
    issueAccessToken: () => sessions.issue(),
    failNext: (count, status = 503) => void state.faults.push(...Array<number>(count).fill(status)),
    lockNextRecords: (count) => void (state.locks += count),
    close() {
      bulk.stop();
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
  return emulator;
}

/** Records a request carries, for the request log: a collections body's `records`, or a CSV upload's rows. */
function recordsIn(text: string, contentType: string | undefined): number | undefined {
  if (text === "") return undefined;
  if (/^text\/csv/i.test(contentType ?? "")) return Math.max(0, text.split("\n").filter((line) => line !== "").length - 1);
  try {
    const body = JSON.parse(text) as { records?: unknown };
    return Array.isArray(body.records) ? body.records.length : undefined;
  } catch {
    return undefined;
  }
}

function header(headers: IncomingMessage["headers"], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

