import type { IncomingMessage, ServerResponse } from "node:http";
import { secrets } from "@reverse-etl/core";

/** Send a JSON answer, redacted of secrets. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = secrets.redact(JSON.stringify(body));
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(text);
}

/** Send an error as `{"error": {"message", "code"}}`. */
export function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { message, code } });
}

/** Send a text body (HTML, Prometheus text). */
export function sendText(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { "content-type": contentType, "cache-control": "no-store" });
  res.end(body);
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Whether a write may go ahead: with a token configured, it must come as `Authorization: Bearer TOKEN`;
 * and a browser page of another site (an `Origin` that is not this server) may never write, so a page
 * opened on the laptop running `start` cannot trigger runs through it.
 */
export function writeRefusal(req: IncomingMessage, token: string | undefined): { status: number; code: string; message: string } | undefined {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== "null") {
    let sameHost = false;
    try {
      sameHost = new URL(origin).host === req.headers.host;
    } catch {
      // an unparsable Origin is another site
    }
    if (!sameHost) return { status: 403, code: "CrossOrigin", message: `writes from another site (${origin}) are refused` };
  }
  if (token === undefined) return undefined;
  if (req.headers.authorization !== `Bearer ${token}`) {
    return { status: 401, code: "Unauthorized", message: "this API needs Authorization: Bearer <token> (the value of REVERSE_ETL_API_TOKEN) for writes" };
  }
  return undefined;
}
