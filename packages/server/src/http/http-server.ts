import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ServerLogger } from "../runtime/server-logger.js";
import { handleApi, rememberNotStarted, type ApiContext } from "./api-routes.js";
import { sendError, sendJson } from "./http-io.js";

/** A route handler: answers and returns true, or returns false to let the next one try. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean>;

/** Options of `startHttpServer`. */
export interface HttpServerOptions extends ApiContext {
  /** Address to listen on (loopback by default). */
  host: string;
  /** Port; 0 picks a free one. */
  port: number;
  logger: ServerLogger;
  /** More routes (metrics, dashboard), tried after the health checks and the API. */
  routes?: RouteHandler[];
}

/** A listening server. */
export interface RunningHttpServer {
  /** e.g. `http://127.0.0.1:8717` */
  url: string;
  close(): Promise<void>;
}

/**
 * The HTTP side of `start` and `ui` on node:http: `/healthz` (the process answers), `/readyz` (the state
 * in the warehouse can be read and no stop is under way), the JSON API, then the extra routes.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  options.scheduler?.onRun((event) => {
    if (event.type === "not-started") rememberNotStarted(event.run, event.error);
  });
  const routes: RouteHandler[] = [
    async (req, res, path) => {
      if (path === "/healthz") sendJson(res, 200, { status: "ok" });
      else if (path === "/readyz") await readiness(options, res);
      else return false;
      return true;
    },
    (req, res, path) => handleApi(options, req, res, path),
    ...(options.routes ?? []),
  ];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    void (async () => {
      try {
        for (const route of routes) if (await route(req, res, path)) return;
        sendError(res, 404, "NotFound", `nothing at ${path}`);
      } catch (error) {
        options.logger.error("HTTP request failed", { method: req.method, path, error: error instanceof Error ? error.message : String(error) });
        if (!res.headersSent) sendError(res, 500, "InternalError", error instanceof Error ? error.message : String(error));
        else res.end();
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function readiness(options: HttpServerOptions, res: ServerResponse): Promise<void> {
  if (options.scheduler?.stopping) {
    sendJson(res, 503, { status: "stopping" });
    return;
  }
  try {
    await options.project().runs({ limit: 1 });
    sendJson(res, 200, { status: "ready" });
  } catch (error) {
    sendJson(res, 503, { status: "not ready", error: error instanceof Error ? error.message : String(error) });
  }
}
