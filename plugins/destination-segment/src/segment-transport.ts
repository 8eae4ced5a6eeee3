import { connectionFailureOf, type ConnectionFailure } from "@reverse-etl/core";
import type { HTTPClient, HTTPClientRequest, HTTPResponse } from "@segment/analytics-node";
import { MAX_REQUEST_BYTES } from "./segment-requests.js";

/** What became of the one request a {@link OneRequestTransport} made. */
export type RequestRecord =
  /** Segment answered. `retryAfterMs` from `Retry-After` (or `X-RateLimit-Reset`), `message` from its JSON body. */
  | { readonly kind: "answered"; readonly status: number; readonly retryAfterMs?: number; readonly message?: string; readonly bytes: number }
  /** No answer: a network error or a timeout. */
  | { readonly kind: "no-answer"; readonly message: string; readonly bytes: number; readonly connection?: ConnectionFailure }
  /** Not sent: the body was over Segment's limit (a bug in the plugin's estimate, caught before the network). */
  | { readonly kind: "too-large"; readonly bytes: number };

/**
 * The HTTP layer `@segment/analytics-node` sends through (its `httpClient` option): plain `fetch`, which
 * records each request's answer for the plugin, refuses to send a body over 500 KB, stops with the run
 * (`signal`), and hands the client a 429 without its `Retry-After`. With `Retry-After` the client would
 * pause and retry by itself, uncounted by `maxRetries`: a second retry loop hidden beside core's, which
 * honours the wait instead (it is given `retryAfterMs`).
 */
export class OneRequestTransport implements HTTPClient {
  /** Every request the client made through this transport, in order. */
  readonly requests: RequestRecord[] = [];

  constructor(private readonly signal: AbortSignal) {}

  async makeRequest(options: HTTPClientRequest): Promise<HTTPResponse> {
    const bytes = Buffer.byteLength(options.body);
    if (bytes > MAX_REQUEST_BYTES) {
      this.requests.push({ kind: "too-large", bytes });
      throw new Error(`[reverse-etl] [segment] a batch request of ${bytes} bytes was not sent: over Segment's 500 KB limit`);
    }
    let response: Response;
    let text: string;
    try {
      const timeout = AbortSignal.timeout(options.httpRequestTimeout);
      response = await fetch(options.url, {
        method: options.method,
        headers: options.headers,
        body: options.body,
        signal: AbortSignal.any([timeout, this.signal]),
      });
      text = await response.text();
    } catch (error) {
      const message = this.signal.aborted ? "the run was cancelled" : describeFailure(error, options.httpRequestTimeout);
      const connection = this.signal.aborted ? undefined : connectionFailureOf(error);
      this.requests.push({ kind: "no-answer", message, bytes, ...(connection ? { connection } : {}) });
      throw error;
    }
    const retryAfterMs = secondsHeader(response.headers.get("retry-after")) ?? secondsHeader(response.headers.get("x-ratelimit-reset"));
    const message = messageOf(text);
    this.requests.push({
      kind: "answered",
      status: response.status,
      bytes,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      ...(message !== undefined ? { message } : {}),
    });
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      if (name !== "retry-after") headers[name] = value;
    });
    return { status: response.status, statusText: response.statusText, headers, text: async () => text };
  }
}

/** Milliseconds of a header holding seconds (`Retry-After: 2`), if it is one. */
function secondsHeader(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim()) * 1000;
}

/** The `message` of Segment's JSON answer (`{"success":false,"message":"Exceed payload limit"}`). */
function messageOf(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { message?: unknown };
    return typeof body.message === "string" ? body.message : undefined;
  } catch {
    return text.trim() === "" ? undefined : text.trim().slice(0, 200);
  }
}

/** A network failure in words, without anything from the request (its headers hold the write key). */
function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === "TimeoutError") return `no answer within ${timeoutMs} ms`;
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === "string" ? cause.code : undefined;
  return `network error${code ? ` (${code})` : error instanceof Error ? ` (${error.message})` : ""}`;
}
