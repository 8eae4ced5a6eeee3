import { ConnectionError, connectionFailureOf } from "@reverse-etl/core";
import type {
  DestinationCapabilities,
  DestinationConnection,
  Logger,
  ObjectDescription,
  OutgoingRecord,
  WriteContext,
  WriteOperation,
  WriteOutcome,
} from "@reverse-etl/core";
import { outcomeOfResponse } from "./webhook-response.js";

/** Settings of a {@link WebhookConnection}, resolved from the plugin options. */
export interface WebhookConnectionSettings {
  /** Endpoint, credentials already moved into `headers`. */
  readonly url: URL;
  /** Headers of every request (secrets). */
  readonly headers: Readonly<Record<string, string>>;
  /** Batch size, concurrency and rate limit from the options. */
  readonly capabilities: DestinationCapabilities;
  /** Response timeout. */
  readonly timeoutMs: number;
  /** Redacted plugin logger. */
  readonly logger: Logger;
}

/** The JSON body of every POST. */
export interface WebhookPayload {
  /** Name of the sync. */
  readonly sync: string;
  /** The sync's `object`, or null. */
  readonly object: string | null;
  /** Id of the run, as in `sync_runs`. */
  readonly runId: string;
  /** What to do with every record of the batch. */
  readonly operation: WriteOperation;
  /** Same as the `Idempotency-Key` header: a receiver that already applied it should answer 2xx again. */
  readonly idempotencyKey: string;
  /** The records: `key` (text identity), `keyValue` (primary key value), `match` and `fields`. */
  readonly records: ReadonlyArray<Pick<OutgoingRecord, "key" | "keyValue" | "match" | "fields">>;
}

/**
 * A connection of the webhook destination: one POST per batch. It never throws from `write`: every HTTP
 * answer and network failure becomes a write outcome that core acts on.
 */
export class WebhookConnection implements DestinationConnection {
  readonly capabilities: DestinationCapabilities;
  /** The endpoint as messages show it: no credentials, no query string (either may carry a token). */
  readonly #where: string;
  #closed = false;

  constructor(private readonly settings: WebhookConnectionSettings) {
    this.capabilities = settings.capabilities;
    this.#where = `${settings.url.origin}${settings.url.pathname}`;
  }

  async check(): Promise<void> {
    let response: Response;
    try {
      response = await fetch(this.settings.url, {
        method: "HEAD",
        headers: this.settings.headers,
        redirect: "manual",
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
    } catch (error) {
      throw new ConnectionError(
        `[reverse-etl] [webhook] cannot reach the webhook at ${this.#where} (${networkReason(error, this.settings.timeoutMs)}): ` +
          `check the url option and that the server is running.`,
      );
    }
    await response.body?.cancel();
    // Any HTTP answer proves the endpoint is reachable; many receivers only implement POST.
    if (response.status === 401 || response.status === 403) {
      this.settings.logger.warn(
        `[reverse-etl] [webhook] ${this.#where} answered HEAD with HTTP ${response.status}: if writes fail, check the headers option.`,
      );
    }
  }

  async describe(object: string | undefined): Promise<ObjectDescription> {
    return { object, fields: [], identifiers: [], acceptsAnyField: true };
  }

  async write(operation: WriteOperation, records: readonly OutgoingRecord[], context: WriteContext): Promise<WriteOutcome> {
    if (records.length === 0) return { type: "results", results: [] };
    if (this.#closed) return { type: "fatal", message: "[reverse-etl] [webhook] write called after close: this is a bug in the caller." };
    const payload: WebhookPayload = {
      sync: context.sync,
      object: context.object ?? null,
      runId: context.runId,
      operation,
      idempotencyKey: context.idempotencyKey,
      records: records.map(({ key, keyValue, match, fields }) => ({ key, keyValue, match, fields })),
    };
    const timeout = AbortSignal.timeout(this.settings.timeoutMs);
    try {
      const response = await fetch(this.settings.url, {
        method: "POST",
        headers: {
          ...this.settings.headers,
          "content-type": "application/json",
          "idempotency-key": context.idempotencyKey,
        },
        body: JSON.stringify(payload),
        // Following a 301/302 would turn the POST into a GET and drop the batch while answering 2xx.
        redirect: "manual",
        signal: AbortSignal.any([context.signal, timeout]),
      });
      const body = await response.text();
      if (response.status >= 300 && response.status < 400) return this.#redirected(response);
      return outcomeOfResponse(response.status, response.headers.get("retry-after"), body, records, this.#where);
    } catch (error) {
      if (context.signal.aborted && !timeout.aborted) {
        return { type: "retry", message: `[reverse-etl] [webhook] the request to ${this.#where} was cancelled with the run.` };
      }
      const connection = connectionFailureOf(error);
      return {
        type: "retry",
        message: `[reverse-etl] [webhook] no answer from ${this.#where} (${networkReason(error, this.settings.timeoutMs)}).`,
        ...(connection ? { connection } : {}),
      };
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #redirected(response: Response): WriteOutcome {
    const location = response.headers.get("location");
    let target = "another address";
    if (location !== null) {
      try {
        const url = new URL(location, this.settings.url);
        target = `${url.origin}${url.pathname}`;
      } catch {
        // An unreadable Location: say nothing more about it.
      }
    }
    return {
      type: "fatal",
      message:
        `[reverse-etl] [webhook] ${this.#where} redirects (HTTP ${response.status}) to ${target}: ` +
        `set the url option to the final address (redirects are not followed, so no batch is sent twice or lost).`,
    };
  }
}

/**
 * A short reason for a failed request, from the error code; never the request itself (it holds headers)
 * nor the full URL (its query string may hold a token).
 */
function networkReason(error: unknown, timeoutMs: number): string {
  const reason = rawReason(error, timeoutMs);
  return /https?:\/\//i.test(reason) ? "request failed" : reason;
}

function rawReason(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `no response within ${timeoutMs} ms; raise timeoutMs if the receiver is slow`;
  }
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) {
    const code = "code" in cause && typeof cause.code === "string" ? cause.code : undefined;
    return code ?? cause.message;
  }
  return error instanceof Error ? error.message : String(error);
}
