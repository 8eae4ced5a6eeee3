import { Agent, createServer, request as httpRequest } from "node:http";
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Fault, FaultAction, FaultJson, FaultRule } from "./fault-plan.js";
import { FaultPlan } from "./fault-plan.js";

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** The server to forward to, e.g. an emulator's `url`. Its path and query become the proxy's `url`'s. */
  readonly target: string;
  /** Port to listen on. Default 0: a free port, see `url`. */
  readonly port?: number;
  /** Address to listen on. Default `127.0.0.1`. */
  readonly host?: string;
  /** The fault plan to start with (default: none, every request passes). `setFaults` replaces it. */
  readonly faults?: readonly FaultRule[];
}

/** One request the proxy received. */
export interface ProxiedRequest {
  /** HTTP method. */
  readonly method: string;
  /** Path and query string. */
  readonly url: string;
  /** The fault the plan gave it, if any. */
  readonly fault: Fault | undefined;
  /** Whether it reached the target. */
  forwarded: boolean;
  /** What the client got: a status, `dropped` or `reset` (connection cut), or `pending` while in flight. */
  outcome: number | "dropped" | "reset" | "pending";
}

/** Counters of a {@link FaultProxy}. */
export interface FaultProxyStats {
  /** Requests received. */
  readonly requests: number;
  /** Requests forwarded to the target. */
  readonly forwarded: number;
  /** Requests the plan gave a fault. */
  readonly faulted: number;
}

/** A running fault proxy; see {@link startFaultProxy}. */
export interface FaultProxy {
  /** The proxy's URL, with the target's path and query: use it where the target's URL was. */
  readonly url: string;
  /** Every request, in arrival order. */
  readonly requests: readonly ProxiedRequest[];
  /** Requests received, forwarded and faulted so far. */
  readonly stats: FaultProxyStats;
  /** Replace the fault plan; its rules count requests from here on. `setFaults([])` passes everything. */
  setFaults(rules: readonly FaultRule[]): void;
  /** Stop listening and cut open connections and delayed requests. Safe to call twice. */
  close(): Promise<void>;
}

/** Hop-by-hop headers (RFC 9110 section 7.6.1): they describe one connection, so a proxy does not pass them on. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"]);

/** An answer, from the target or injected. */
interface Answer {
  readonly status: number;
  readonly headers: OutgoingHttpHeaders;
  readonly body: Buffer;
}

/**
 * Start an HTTP proxy on loopback that forwards every request to `target` (any emulator, or any HTTP
 * server) and injects faults by a declarative plan: delays, dropped and reset connections, 429 and 5xx
 * answers with `Retry-After` and the vendor's own headers and body, answers lost after the target acted,
 * and slow bodies. Stand it in front of an emulator to test how a plugin and the engine survive the
 * network, while the emulator stays a faithful copy of the vendor's API.
 *
 * ```ts
 * const emulator = await startHubSpotEmulator();
 * const proxy = await startFaultProxy({ target: emulator.url, faults: [{ every: 5, fault: { status: 502 } }] });
 * // point the plugin at proxy.url instead of emulator.url
 * ```
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  if (target.protocol !== "http:") throw new Error(`[reverse-etl] [testkit] the fault proxy forwards to http:// targets, not ${target.protocol}//.`);
  let plan = new FaultPlan(options.faults ?? []);
  const requests: ProxiedRequest[] = [];
  const stats = { requests: 0, forwarded: 0, faulted: 0 };
  // Its own agent, so close() can end the connections to the target too.
  const agent = new Agent({ keepAlive: true });
  const sockets = new Set<Socket>();
  const waits = new Set<() => void>();
  let closed = false;

  /** Wait `ms`; close() ends the wait early. */
  function wait(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
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

  function cut(res: ServerResponse, entry: ProxiedRequest, how: "drop" | "reset"): void {
    entry.outcome = how === "drop" ? "dropped" : "reset";
    if (how === "reset") res.socket?.resetAndDestroy();
    else res.socket?.destroy();
  }

  async function send(res: ServerResponse, entry: ProxiedRequest, answer: Answer, method: string, slow: FaultAction["slowBody"]): Promise<void> {
    entry.outcome = answer.status;
    const body = method === "HEAD" ? Buffer.alloc(0) : answer.body;
    // 1xx, 204 and 304 answers have no body and no content-length (RFC 9110 section 8.6).
    const bodiless = answer.status < 200 || answer.status === 204 || answer.status === 304;
    res.writeHead(answer.status, bodiless ? answer.headers : { ...answer.headers, "content-length": String(answer.body.length) });
    if (slow === undefined || body.length === 0) {
      res.end(body);
      return;
    }
    for (let offset = 0; offset < body.length; offset += slow.chunkBytes) {
      if (offset > 0) await wait(slow.intervalMs);
      if (closed || res.destroyed) return;
      res.write(body.subarray(offset, offset + slow.chunkBytes));
    }
    res.end();
  }

  /** Forward the request to the target; resolves with its whole answer, or rejects on a network failure. */
  function forward(req: IncomingMessage, body: Buffer): Promise<Answer> {
    const headers: OutgoingHttpHeaders = { ...withoutHopByHop(req.headers), host: target.host, "content-length": String(body.length) };
    if (body.length === 0 && req.headers["content-length"] === undefined && req.headers["transfer-encoding"] === undefined) delete headers["content-length"];
    return new Promise((resolve, reject) => {
      const upstream = httpRequest(
        { protocol: target.protocol, hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("error", reject);
          response.on("end", () => resolve({ status: response.statusCode ?? 502, headers: withoutHopByHop(response.headers), body: Buffer.concat(chunks) }));
        },
      );
      upstream.on("error", reject);
      upstream.end(body);
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    const fault = plan.next(method, new URL(url, "http://proxy").pathname);
    const entry: ProxiedRequest = { method, url, fault, forwarded: false, outcome: "pending" };
    requests.push(entry);
    stats.requests++;
    if (fault !== undefined) stats.faulted++;
    const action: FaultAction = fault === "drop" || fault === "reset" ? { connection: fault } : (fault ?? {});
    const after = action.when === "after";

    if (!after) await wait(action.delayMs ?? 0);
    if (closed) return cut(res, entry, "drop");
    if (!after && action.connection !== undefined) return cut(res, entry, action.connection);
    const request = { method, url, headers: req.headers, body: Buffer.concat(chunks) };
    if (!after && action.status !== undefined) return send(res, entry, injected(action, request), method, action.slowBody);

    let answer: Answer;
    try {
      stats.forwarded++;
      entry.forwarded = true;
      // The request goes on even when the client gave up meanwhile: a server that got it still acts on it.
      answer = await forward(req, request.body);
    } catch {
      // The target cut the connection or is down: the client sees the same network failure as without the proxy.
      return cut(res, entry, "drop");
    }
    if (after) await wait(action.delayMs ?? 0);
    if (closed) return cut(res, entry, "drop");
    if (after && action.connection !== undefined) return cut(res, entry, action.connection);
    return send(res, entry, after && action.status !== undefined ? injected(action, request) : answer, method, action.slowBody);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`fault proxy error: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const suffix = `${target.pathname === "/" ? "" : target.pathname}${target.search}`;
  let closing: Promise<void> | undefined;

  return {
    url: `http://${host}:${address.port}${suffix}`,
    requests,
    stats,
    setFaults(rules) {
      plan = new FaultPlan(rules);
    },
    close() {
      closing ??= (async () => {
        closed = true;
        for (const wake of [...waits]) wake();
        for (const socket of sockets) socket.destroy();
        agent.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return closing;
    },
  };
}

/** A request as the proxy received it. */
interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** The echo of `request` (`echoRequest`): the request as text in the fields error envelopes use, and as JSON. */
function echoOf(status: number, request: ReceivedRequest): FaultJson {
  const headers = Object.entries(request.headers).map(([name, value]) => `${name}: ${Array.isArray(value) ? value.join(", ") : (value ?? "")}`);
  const text = `fault proxy echo of ${request.method} ${request.url} | ${headers.join(" | ")} | body: ${request.body.toString("utf8")}`;
  const echoedHeaders = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(", ") : (value ?? "")]));
  return {
    status: "error",
    message: text,
    error: text,
    errorCode: `ECHO_HTTP_${status}`,
    errors: [{ message: text }],
    request: { method: request.method, url: request.url, headers: echoedHeaders, body: request.body.toString("utf8") },
  };
}

/** The answer a fault with a `status` gives. */
function injected(fault: FaultAction, request: ReceivedRequest): Answer {
  const status = fault.status ?? 500;
  const body = fault.echoRequest ? echoOf(status, request) : (fault.body ?? { error: `fault proxy: injected HTTP ${status}` });
  const isText = typeof body === "string";
  return {
    status,
    headers: {
      "content-type": isText ? "text/plain; charset=utf-8" : "application/json; charset=utf-8",
      ...(fault.retryAfterSeconds !== undefined ? { "retry-after": String(fault.retryAfterSeconds) } : {}),
      ...fault.headers,
    },
    body: Buffer.from(isText ? body : JSON.stringify(body)),
  };
}

function withoutHopByHop(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name, value]) => value !== undefined && !HOP_BY_HOP.has(name.toLowerCase()) && name !== "content-length"));
}
