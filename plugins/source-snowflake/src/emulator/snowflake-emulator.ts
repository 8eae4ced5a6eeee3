import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { authenticate, type EmulatorUser, type LoginData } from "./emulator-auth.js";
import { SnowflakeError } from "./emulator-errors.js";
import { DEFAULT_OUTPUT_FORMATS } from "./engine/conversions.js";
import { SqlEngine } from "./engine/sql-engine.js";
import type { SqlSession } from "./engine/sql-session.js";
import type { BindValue } from "./engine/bound.js";
import { assembleRows, rowtypeOf, type StoredChunk } from "./query-response.js";

/** Options of `startSnowflakeEmulator`. */
export interface SnowflakeEmulatorOptions {
  /** Port to listen on; 0 or absent: a free one. */
  readonly port?: number;
  /** Address to listen on. Default `127.0.0.1`. */
  readonly host?: string;
  /** Account name the emulator reports. Default `emulator`. */
  readonly account?: string;
  /** The account's first database (with schema PUBLIC). Default `DEV`. */
  readonly database?: string;
  /** The account's warehouse. Default `COMPUTE_WH`. */
  readonly warehouse?: string;
  /** Users that may log in. Default: `EMULATOR` with password `emulator-secret`, role `ACCOUNTADMIN`. */
  readonly users?: readonly EmulatorUser[];
  /** Lifetime of a session token; the driver renews it with its master token. Default 3600 s, as Snowflake. */
  readonly sessionTokenValiditySeconds?: number;
  /** Lifetime of a master token (the whole session). Default 14400 s, as Snowflake. */
  readonly masterTokenValiditySeconds?: number;
  /** A query still running after this long is answered "in progress" and its result fetched later. Default 45 s. */
  readonly queryResponseTimeoutSeconds?: number;
  /** DuckDB memory limit of the emulator, e.g. `2GB`. Default `1GB`. */
  readonly memoryLimit?: string;
  /**
   * A transaction idle this long while it blocks another is aborted and rolled back, as when its client
   * died before COMMIT. Default 300 s, as Snowflake.
   */
  readonly detachedTransactionAbortSeconds?: number;
}

interface Session {
  readonly id: string;
  readonly sql: SqlSession;
  sessionToken: string;
  masterToken: string;
  sessionExpires: number;
  masterExpires: number;
  /** Statements running, by request id, to abort them. */
  readonly running: Map<string, AbortController>;
  /** Finished or running queries by id, for `/queries/<id>/result`. */
  readonly queries: Map<string, Promise<Record<string, unknown>>>;
}

/** A statement the emulator ran, as QUERY_HISTORY would show it. */
export interface QueryHistoryEntry {
  readonly queryId: string;
  readonly sessionId: string;
  readonly sqlText: string;
  /** The statement's QUERY_TAG (statement parameter, else the session's). */
  readonly queryTag: string;
  /** Snowflake error code when it failed. */
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

interface StoredResult {
  readonly chunks: StoredChunk[];
  readonly session: string;
}

type Json = Record<string, unknown>;

const MAX_RESULTS_PER_SESSION = 32;
const MAX_HISTORY = 10_000;

/**
 * A Snowflake account on loopback that the unchanged `snowflake-sdk` talks to through `accessUrl`: the
 * REST protocol its drivers speak (login, query, result chunks, token renewal, heartbeat, abort, logout),
 * answered in the JSON result format, over an in-process DuckDB that runs Snowflake SQL with Snowflake's
 * semantics (see the package README for what it supports and where it differs).
 */
export class SnowflakeEmulator {
  readonly #sessions = new Map<string, Session>();
  readonly #byToken = new Map<string, Session>();
  readonly #byMaster = new Map<string, Session>();
  readonly #results = new Map<string, StoredResult>();
  readonly #users: readonly EmulatorUser[];
  readonly #history: QueryHistoryEntry[] = [];
  #logins = 0;
  #renewals = 0;
  #server: Server | undefined;
  #url = "";
  #closed = false;
  #nextSession = 1_000_000_000_000 + Math.floor(Math.random() * 1_000_000_000);

  private constructor(
    readonly engine: SqlEngine,
    readonly options: Required<Pick<SnowflakeEmulatorOptions, "account" | "database" | "warehouse" | "sessionTokenValiditySeconds" | "masterTokenValiditySeconds" | "queryResponseTimeoutSeconds">>,
    users: readonly EmulatorUser[],
  ) {
    this.#users = users;
  }

  /** Start an emulator; resolves once it answers requests. */
  static async start(options: SnowflakeEmulatorOptions = {}): Promise<SnowflakeEmulator> {
    const resolved = {
      account: options.account ?? "emulator",
      database: options.database ?? "DEV",
      warehouse: options.warehouse ?? "COMPUTE_WH",
      sessionTokenValiditySeconds: options.sessionTokenValiditySeconds ?? 3600,
      masterTokenValiditySeconds: options.masterTokenValiditySeconds ?? 14_400,
      queryResponseTimeoutSeconds: options.queryResponseTimeoutSeconds ?? 45,
    };
    const engine = await SqlEngine.start({ account: resolved.account, database: resolved.database, warehouse: resolved.warehouse, ...(options.memoryLimit ? { memoryLimit: options.memoryLimit } : {}), ...(options.detachedTransactionAbortSeconds !== undefined ? { detachedTransactionAbortSeconds: options.detachedTransactionAbortSeconds } : {}) });
    const users = options.users ?? [{ name: "EMULATOR", password: "emulator-secret", role: "ACCOUNTADMIN" }];
    const emulator = new SnowflakeEmulator(engine, resolved, users);
    await emulator.#listen(options.port ?? 0, options.host ?? "127.0.0.1");
    return emulator;
  }

  /** Base URL, for the driver's `accessUrl`. */
  get url(): string {
    return this.#url;
  }

  /** Sessions currently open (logged in and not logged out). */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** The statements run so far, oldest first (the last 10,000), as `QUERY_HISTORY` would list them. */
  get history(): readonly QueryHistoryEntry[] {
    return this.#history;
  }

  /** Logins accepted and session tokens renewed so far. */
  get stats(): { readonly logins: number; readonly renewals: number } {
    return { logins: this.#logins, renewals: this.#renewals };
  }

  /** End every session, as when an administrator aborts them or their master token expires: their next request must log in again. */
  async endAllSessions(): Promise<void> {
    for (const session of [...this.#sessions.values()]) await this.#logout(session);
  }

  /** Make every session token expire now, as after an hour of use: the driver's next request renews it. */
  expireSessionTokens(): void {
    for (const s of this.#sessions.values()) s.sessionExpires = Date.now() - 1;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const server = this.#server;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    for (const s of this.#sessions.values()) for (const c of s.running.values()) c.abort();
    await this.engine.close();
    this.#sessions.clear();
    this.#results.clear();
  }

  async #listen(port: number, host: string): Promise<void> {
    const server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) send(res, 500, { success: false, code: "000603", message: String(error), data: null });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
    this.#server = server;
    const address = server.address() as AddressInfo;
    this.#url = `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://emulator");
    const path = url.pathname;
    if (req.method === "GET" && path.startsWith("/results/")) return this.#chunk(path, res);
    const body = req.method === "POST" ? await readJson(req) : {};
    if (path === "/session/v1/login-request") return send(res, 200, await this.#login(body, url.searchParams));
    if (path === "/telemetry/send") return send(res, 200, ok({}));
    const token = /Snowflake Token="([^"]*)"/.exec(req.headers.authorization ?? "")?.[1] ?? "";
    if (path === "/session/token-request") return send(res, 200, this.#renew(token, body));
    const session = this.#byToken.get(token);
    const refused = this.#tokenProblem(session);
    if (refused) return send(res, 200, refused);
    const s = session!;
    if (path === "/session/heartbeat") return send(res, 200, ok({}));
    if (path === "/session" && url.searchParams.get("delete") === "true") return send(res, 200, await this.#logout(s));
    if (path === "/queries/v1/query-request") return send(res, 200, await this.#query(s, body, url.searchParams.get("requestId") ?? randomUUID()));
    if (path === "/queries/v1/abort-request") {
      s.running.get(String(body.requestId ?? ""))?.abort();
      return send(res, 200, ok(null));
    }
    const queryPath = /^\/queries\/([^/]+)\/(result|abort-request)$/.exec(path);
    if (queryPath) {
      const [, queryId, what] = queryPath;
      if (what === "abort-request") {
        for (const [requestId, controller] of s.running) if (requestId === queryId || (controller as { queryId?: string }).queryId === queryId) controller.abort();
        return send(res, 200, ok(null));
      }
      const pending = s.queries.get(queryId!);
      if (!pending) return send(res, 200, failure(new SnowflakeError("000709", "02000", `Statement ${queryId} not found`), queryId));
      return send(res, 200, await this.#within(pending, queryId!));
    }
    send(res, 404, { success: false, code: "000404", message: `unknown endpoint ${path}`, data: null });
  }

  /** Why a request's session token is refused: gone (390111), expired (390112), or invalid (390104). */
  #tokenProblem(session: Session | undefined): Json | undefined {
    if (!session) return { data: null, code: "390104", message: "User must login again to access the service.", success: false };
    if (Date.now() > session.masterExpires) return { data: null, code: "390114", message: "Authentication token has expired.  The user must authenticate again.", success: false };
    if (Date.now() > session.sessionExpires) return { data: null, code: "390112", message: "Your session has expired. Please login again.", success: false };
    return undefined;
  }

  async #login(body: Json, params: URLSearchParams): Promise<Json> {
    const data = (body.data ?? {}) as LoginData;
    let user: EmulatorUser;
    try {
      user = authenticate(data, this.options.account, this.#users);
    } catch (error) {
      const e = error as SnowflakeError;
      return { data: { nextAction: "RETRY_LOGIN", authnMethod: "PASSWORD" }, code: e.code, message: e.message, success: false };
    }
    const requestedRole = params.get("roleName");
    if (requestedRole && requestedRole.toUpperCase() !== user.role.toUpperCase()) {
      return { data: null, code: "390189", message: `Role '${requestedRole.toUpperCase()}' specified in the connect string is not granted to this user. Contact your local system administrator, or attempt to login with another role, e.g. PUBLIC.`, success: false };
    }
    const id = String(this.#nextSession++);
    const parameters = Object.fromEntries(Object.entries(data.SESSION_PARAMETERS ?? {}).map(([k, v]) => [k.toUpperCase(), String(v)]));
    const sql = await this.engine.openSession({
      sessionId: id,
      user: user.name,
      role: user.role,
      database: params.get("databaseName") ?? this.options.database,
      schema: params.get("schemaName") ?? undefined,
      warehouse: params.get("warehouse") ?? this.options.warehouse,
      parameters,
    });
    const session: Session = {
      id,
      sql,
      sessionToken: token(),
      masterToken: token(),
      sessionExpires: Date.now() + this.options.sessionTokenValiditySeconds * 1000,
      masterExpires: Date.now() + this.options.masterTokenValiditySeconds * 1000,
      running: new Map(),
      queries: new Map(),
    };
    this.#sessions.set(id, session);
    this.#logins++;
    this.#byToken.set(session.sessionToken, session);
    this.#byMaster.set(session.masterToken, session);
    return ok({
      masterToken: session.masterToken,
      token: session.sessionToken,
      validityInSeconds: this.options.sessionTokenValiditySeconds,
      masterValidityInSeconds: this.options.masterTokenValiditySeconds,
      displayUserName: user.name,
      serverVersion: "8.40.0",
      firstLogin: false,
      remMeToken: null,
      remMeValidityInSeconds: 0,
      healthCheckInterval: 45,
      newClientForUpgrade: null,
      sessionId: Number(id),
      parameters: this.#parameters(sql),
      sessionInfo: { databaseName: sql.database ?? null, schemaName: sql.schema ?? null, warehouseName: sql.warehouse ?? null, roleName: sql.role },
      idToken: null,
      idTokenValidityInSeconds: 0,
      responseData: null,
      mfaToken: null,
      mfaTokenValidityInSeconds: 0,
    });
  }

  /** Token renewal with the master token (https://docs.snowflake.com/en/user-guide/session-policies: tokens renew until the master token expires). */
  #renew(masterToken: string, body: Json): Json {
    const session = this.#byMaster.get(masterToken);
    if (!session) return { data: null, code: "390104", message: "User must login again to access the service.", success: false };
    if (Date.now() > session.masterExpires) return { data: null, code: "390114", message: "Authentication token has expired.  The user must authenticate again.", success: false };
    if (body.oldSessionToken !== undefined && body.oldSessionToken !== session.sessionToken) {
      return { data: null, code: "390104", message: "User must login again to access the service.", success: false };
    }
    this.#byToken.delete(session.sessionToken);
    this.#renewals++;
    session.sessionToken = token();
    session.sessionExpires = Date.now() + this.options.sessionTokenValiditySeconds * 1000;
    this.#byToken.set(session.sessionToken, session);
    return ok({
      sessionToken: session.sessionToken,
      validityInSecondsST: this.options.sessionTokenValiditySeconds,
      masterToken: session.masterToken,
      validityInSecondsMT: Math.max(0, Math.round((session.masterExpires - Date.now()) / 1000)),
      sessionId: Number(session.id),
    });
  }

  async #logout(session: Session): Promise<Json> {
    this.#sessions.delete(session.id);
    this.#byToken.delete(session.sessionToken);
    this.#byMaster.delete(session.masterToken);
    for (const c of session.running.values()) c.abort();
    for (const [key, r] of this.#results) if (r.session === session.id) this.#results.delete(key);
    await this.engine.closeSession(session.sql);
    return ok(null);
  }

  #parameters(sql: SqlSession): Array<{ name: string; value: unknown }> {
    const values: Record<string, unknown> = {
      TIMEZONE: "America/Los_Angeles",
      ...DEFAULT_OUTPUT_FORMATS,
      CLIENT_PREFETCH_THREADS: 4,
      CLIENT_RESULT_CHUNK_SIZE: 16,
      CLIENT_SESSION_KEEP_ALIVE: false,
      CLIENT_SESSION_KEEP_ALIVE_HEARTBEAT_FREQUENCY: 3600,
      QUERY_CONTEXT_CACHE_SIZE: 5,
      JS_TREAT_INTEGER_AS_BIGINT: false,
    };
    for (const [name, value] of sql.parameters) values[name] = value;
    return Object.entries(values).map(([name, value]) => ({ name, value }));
  }

  async #query(session: Session, body: Json, requestId: string): Promise<Json> {
    const queryId = queryIdOf();
    const controller = new AbortController();
    (controller as { queryId?: string }).queryId = queryId;
    session.running.set(requestId, controller);
    const binds = bindsOf(body.bindings);
    const parameters = Object.fromEntries(Object.entries((body.parameters ?? {}) as Json).map(([k, v]) => [k.toUpperCase(), String(v)]));
    const run = (async (): Promise<Json> => {
      try {
        return await session.sql.execute(
          { sqlText: String(body.sqlText ?? ""), binds, parameters, describeOnly: body.describeOnly === true, signal: controller.signal },
          async (result) => {
            this.#record(session, queryId, String(body.sqlText ?? ""), parameters.QUERY_TAG);
            const rows = await assembleRows(result);
            const stored = rows.chunks.length > 0 ? this.#store(session, rows.chunks) : undefined;
            return ok({
              parameters: this.#parameters(session.sql),
              rowtype: result.columns.map(rowtypeOf),
              rowset: rows.rowset,
              total: rows.total,
              returned: rows.total,
              queryId,
              databaseProvider: null,
              finalDatabaseName: session.sql.database ?? null,
              finalSchemaName: session.sql.schema ?? null,
              finalWarehouseName: session.sql.warehouse ?? null,
              finalRoleName: session.sql.role,
              numberOfBinds: binds.length,
              arrayBindSupported: false,
              statementTypeId: result.statementTypeId,
              version: 1,
              sendResultTime: Date.now(),
              queryResultFormat: "json",
              ...(stored
                ? {
                    chunkHeaders: {},
                    chunks: rows.chunks.map((c, i) => ({ url: `${this.#url}/results/${stored}/chunks/${i}`, rowCount: c.rowCount, uncompressedSize: c.uncompressedSize, compressedSize: c.body.length })),
                  }
                : {}),
            });
          },
        );
      } catch (error) {
        const answer = failure(error, queryId);
        this.#record(session, queryId, String(body.sqlText ?? ""), parameters.QUERY_TAG, answer);
        return answer;
      } finally {
        session.running.delete(requestId);
      }
    })();
    session.queries.set(queryId, run);
    if (session.queries.size > MAX_RESULTS_PER_SESSION) session.queries.delete(session.queries.keys().next().value!);
    return this.#within(run, queryId);
  }

  /** The query's answer, or "in progress" (333334) with where to fetch it, after the response timeout. */
  async #within(run: Promise<Json>, queryId: string): Promise<Json> {
    let timer: NodeJS.Timeout | undefined;
    const progress = new Promise<Json>((resolve) => {
      timer = setTimeout(
        () => resolve({ data: { getResultUrl: `/queries/${queryId}/result`, progressDesc: null, queryAbortsAfterSecs: 300, queryId }, code: "333334", message: "Asynchronous execution in progress. Use provided query id to perform query monitoring and management.", success: true }),
        this.options.queryResponseTimeoutSeconds * 1000,
      );
    });
    try {
      return await Promise.race([run, progress]);
    } finally {
      clearTimeout(timer);
    }
  }

  #record(session: Session, queryId: string, sqlText: string, tag: string | undefined, failed?: Json): void {
    this.#history.push({
      queryId,
      sessionId: session.id,
      sqlText,
      queryTag: tag ?? session.sql.parameters.get("QUERY_TAG") ?? "",
      ...(failed ? { errorCode: String(failed.code), errorMessage: String(failed.message) } : {}),
    });
    if (this.#history.length > MAX_HISTORY) this.#history.splice(0, this.#history.length - MAX_HISTORY);
  }

  #store(session: Session, chunks: StoredChunk[]): string {
    const id = randomBytes(16).toString("hex");
    this.#results.set(id, { chunks, session: session.id });
    const mine = [...this.#results].filter(([, r]) => r.session === session.id);
    if (mine.length > MAX_RESULTS_PER_SESSION) this.#results.delete(mine[0]![0]);
    return id;
  }

  /** A result chunk, gzipped, as cloud storage serves it to the driver. */
  #chunk(path: string, res: ServerResponse): void {
    const m = /^\/results\/([0-9a-f]+)\/chunks\/(\d+)$/.exec(path);
    const chunk = m ? this.#results.get(m[1]!)?.chunks[Number(m[2])] : undefined;
    if (!chunk) {
      res.writeHead(403, { "Content-Type": "application/xml" });
      res.end("<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>");
      return;
    }
    res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Encoding": "gzip", "Content-Length": chunk.body.length });
    res.end(chunk.body);
  }
}

function token(): string {
  return `ver:1-hint:${randomBytes(4).readUInt32BE()}-ETMsDgAAA${randomBytes(24).toString("base64url")}`;
}

/** Query ids look like Snowflake's: `01b9c7e2-0000-4a1f-0000-00019a2b3c4d`. */
function queryIdOf(): string {
  const hex = randomBytes(16).toString("hex");
  return `01${hex.slice(0, 6)}-0000-${hex.slice(6, 10)}-0000-${hex.slice(10, 22)}`;
}

function bindsOf(bindings: unknown): BindValue[] {
  if (!bindings || typeof bindings !== "object") return [];
  const entries = Object.entries(bindings as Record<string, { type: string; value: unknown }>).sort((a, b) => Number(a[0]) - Number(b[0]));
  return entries.map(([, b]) => {
    if (Array.isArray(b.value)) throw new SnowflakeError("002040", "0A000", "SQL compilation error:\nUnsupported feature 'array binding' (not implemented by the reverse-etl Snowflake emulator).");
    return { type: b.type, value: b.value === null || b.value === undefined ? null : String(b.value) };
  });
}

function ok(data: unknown): Json {
  return { data, code: null, message: null, success: true };
}

function failure(error: unknown, queryId: string | undefined): Json {
  const e = error instanceof SnowflakeError ? error : new SnowflakeError("000603", "XX000", `SQL execution internal error (reverse-etl Snowflake emulator): ${(error as Error)?.message ?? String(error)}`);
  return {
    data: { internalError: false, errorCode: e.code, age: 0, sqlState: e.sqlState, queryId, line: -1, pos: -1, type: "COMPILATION" },
    code: e.code,
    message: e.message,
    success: false,
  };
}

async function readJson(req: IncomingMessage): Promise<Json> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  let raw = Buffer.concat(parts);
  if ((req.headers["content-encoding"] ?? "").includes("gzip")) raw = gunzipSync(raw);
  if (raw.length === 0) return {};
  return JSON.parse(raw.toString("utf8")) as Json;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}
