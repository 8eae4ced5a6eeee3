import { ConnectionError } from "@reverse-etl/core";
import type {
  DescribeContext,
  DestinationCapabilities,
  DestinationConnection,
  FieldDescription,
  Logger,
  ObjectDescription,
  OutgoingRecord,
  WriteContext,
  WriteOperation,
  WriteOutcome,
} from "@reverse-etl/core";
import type { __Name__SyncOptions } from "./__name__-destination-options.js";
import { networkFailure, networkReason, outcomeOfResponse } from "./__name__-write-outcome.js";

/** Settings of a {@link __Name__Connection}, resolved from the plugin's options. */
export interface __Name__ConnectionSettings {
  /** API host, without a trailing slash. */
  readonly baseUrl: string;
  /** API key (a secret). */
  readonly apiKey: string;
  /** Modes, batch size, concurrency and rate limits core paces writes by. */
  readonly capabilities: DestinationCapabilities;
  /** Answer timeout in milliseconds. */
  readonly timeoutMs: number;
  /** Redacted plugin logger. */
  readonly logger: Logger;
}

/** The body of `POST /v1/objects/{object}/batch`. */
export interface __Name__BatchRequest {
  /** What to do with every record. */
  readonly operation: WriteOperation;
  /** The sync's `tag` option, shown on every record written. */
  readonly tag?: string;
  /** Each record: its identifier (the sync's `match`) and its fields (empty for a delete). */
  readonly records: ReadonlyArray<{ readonly id: OutgoingRecord["match"]; readonly fields: OutgoingRecord["fields"] }>;
}

/** `GET /v1/objects/{object}`: an object's fields and identifiers. */
interface ObjectSchemaAnswer {
  readonly name: string;
  readonly identifiers: readonly string[];
  readonly fields: ReadonlyArray<{ name: string; type: string; readOnly?: boolean; options?: string[] }>;
}

/**
 * A connection to __Title__: one batch request per `write`. It never throws from `write`: every answer and
 * every network failure becomes a write outcome core acts on (see `outcomeOfResponse`).
 */
export class __Name__Connection implements DestinationConnection {
  readonly capabilities: DestinationCapabilities;
  #closed = false;

  constructor(private readonly settings: __Name__ConnectionSettings) {
    this.capabilities = settings.capabilities;
  }

  async check(): Promise<void> {
    const response = await this.#get("/v1/account", "the account details");
    await response.body?.cancel();
    if (response.status === 401 || response.status === 403) {
      throw new ConnectionError(`[reverse-etl] [__name__] __Title__ refused the API key (HTTP ${response.status}): check the apiKey option.`);
    }
    if (!response.ok) {
      throw new ConnectionError(`[reverse-etl] [__name__] __Title__ answered HTTP ${response.status} to the account details request at ${this.settings.baseUrl}.`);
    }
  }

  async describe(object: string | undefined, context?: DescribeContext): Promise<ObjectDescription> {
    if (object === undefined) {
      throw new ConnectionError("[reverse-etl] [__name__] the sync has no object: set its object to a __Title__ object, e.g. contacts.");
    }
    const response = await this.#get(`/v1/objects/${encodeURIComponent(object)}`, `the fields of ${object}`);
    if (response.status === 404) {
      await response.body?.cancel();
      throw new ConnectionError(`[reverse-etl] [__name__] __Title__ has no object "${object}": check the sync's object.`);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new ConnectionError(`[reverse-etl] [__name__] __Title__ answered HTTP ${response.status} to the request for the fields of ${object}.`);
    }
    const schema = (await response.json()) as ObjectSchemaAnswer;
    const fields: FieldDescription[] = schema.fields.map((f) => ({
      name: f.name,
      type: f.type,
      ...(f.readOnly ? { readOnly: true } : {}),
      ...(f.options ? { options: f.options } : {}),
    }));
    // Upserts, updates and deletes find records by an identifier; an insert creates them without one.
    return { object, fields, identifiers: schema.identifiers, requiresMatch: context?.mode !== "insert" };
  }

  async write(operation: WriteOperation, records: readonly OutgoingRecord[], context: WriteContext): Promise<WriteOutcome> {
    if (records.length === 0) return { type: "results", results: [] };
    if (this.#closed) return { type: "fatal", message: "[reverse-etl] [__name__] write called after close: this is a bug in the caller." };
    if (context.object === undefined) return { type: "fatal", message: "[reverse-etl] [__name__] the sync has no object: set its object, e.g. contacts." };
    // Validated against `syncOptionsSchema` by core, so the cast holds.
    const { tag } = context.options as __Name__SyncOptions;
    const body: __Name__BatchRequest = {
      operation,
      ...(tag === undefined ? {} : { tag }),
      records: records.map((record) => ({ id: record.match, fields: record.fields })),
    };
    // Core took one request of `rateLimits` before this call. A write that makes more requests (read ids,
    // then update) takes one more per request first: `await context.acquireRequests(1)`.
    const timeout = AbortSignal.timeout(this.settings.timeoutMs);
    try {
      const response = await fetch(`${this.settings.baseUrl}/v1/objects/${encodeURIComponent(context.object)}/batch`, {
        method: "POST",
        headers: {
          ...this.#headers(),
          "content-type": "application/json",
          // The same batch sent again after a crash gets the same key: __Title__ answers it without applying it twice.
          "idempotency-key": context.idempotencyKey,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.any([context.signal, timeout]),
      });
      return outcomeOfResponse(response.status, response.headers.get("retry-after"), await response.text(), records);
    } catch (error) {
      return networkFailure(error, context.signal.aborted && !timeout.aborted, this.settings.timeoutMs);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #headers(): Record<string, string> {
    return { authorization: `Bearer ${this.settings.apiKey}`, accept: "application/json" };
  }

  /** A GET for `check` and `describe`, which may throw: a `ConnectionError` saying what could not be reached. */
  async #get(path: string, what: string): Promise<Response> {
    try {
      return await fetch(`${this.settings.baseUrl}${path}`, { headers: this.#headers(), signal: AbortSignal.timeout(this.settings.timeoutMs) });
    } catch (error) {
      throw new ConnectionError(
        `[reverse-etl] [__name__] cannot reach __Title__ at ${this.settings.baseUrl} for ${what} (${networkReason(error)}): check the baseUrl option and the network.`,
      );
    }
  }
}
