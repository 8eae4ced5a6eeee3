import { Client } from "@hubspot/api-client";
import { ConnectionError } from "@reverse-etl/core";
import type {
  DescribeContext,
  DestinationCapabilities,
  DestinationConnection,
  FieldDescription,
  Logger,
  ObjectDescription,
  OutgoingRecord,
  RecordResult,
  WriteContext,
  WriteOperation,
  WriteOutcome,
} from "@reverse-etl/core";
import { isApiError, outcomeOfFailure } from "./hubspot-api-error.js";
import { HubSpotArchives } from "./hubspot-archives.js";
import { batchInputs } from "./hubspot-batch-inputs.js";
import { HubSpotBatchWrites } from "./hubspot-batch-writes.js";
import { HubSpotObjectTypes } from "./hubspot-object-types.js";
import { HubSpotProperties } from "./hubspot-properties.js";
import type { ObjectProperties } from "./hubspot-properties.js";
import { RequestMeter } from "./hubspot-request-meter.js";

/** Settings of a {@link HubSpotConnection}, resolved from the plugin options. */
export interface HubSpotConnectionSettings {
  /** Access token (secret). */
  readonly accessToken: string;
  /** API host without trailing slash. */
  readonly baseUrl: string;
  /** Batch size, concurrency and rate limits. */
  readonly capabilities: DestinationCapabilities;
  /** Redacted plugin logger. */
  readonly logger: Logger;
}

/**
 * A connection to one HubSpot account through the official SDK, with the SDK's own retries and limiter
 * off: core batches, paces and retries. `write` throws only when the run is cancelled while it waits for
 * core's rate limiter; every answer of HubSpot becomes a write outcome.
 */
export class HubSpotConnection implements DestinationConnection {
  readonly capabilities: DestinationCapabilities;
  readonly #client: Client;
  readonly #objectTypes: HubSpotObjectTypes;
  readonly #properties: HubSpotProperties;
  readonly #writes: HubSpotBatchWrites;
  readonly #archives: HubSpotArchives;
  readonly #requests = new RequestMeter();
  #closed = false;

  constructor(private readonly settings: HubSpotConnectionSettings) {
    this.capabilities = settings.capabilities;
    this.#client = new Client({ accessToken: settings.accessToken, basePath: settings.baseUrl, numberOfApiCallRetries: 0 });
    // The SDK decorates its APIs when first used, from a process-wide setting that the last Client built
    // decides; taking them now keeps this connection's APIs free of SDK retries and limiter.
    const batchApi = this.#client.crm.objects.batchApi;
    this.#objectTypes = new HubSpotObjectTypes(this.#client.crm.schemas.coreApi);
    this.#properties = new HubSpotProperties(this.#client.crm.properties.coreApi);
    this.#writes = new HubSpotBatchWrites(batchApi);
    this.#archives = new HubSpotArchives(batchApi);
  }

  async check(): Promise<void> {
    let status: number;
    await this.#requests.outsideWrite();
    try {
      const response = await this.#client.apiRequest({ method: "GET", path: "/account-info/v3/details" });
      status = response.status;
      await response.text();
    } catch (error) {
      if (!isApiError(error)) {
        throw new ConnectionError(
          `[reverse-etl] [hubspot] cannot reach HubSpot at ${this.settings.baseUrl}: check the baseUrl option and the network.`,
        );
      }
      status = error.code;
    }
    if (status === 401) {
      throw new ConnectionError(
        "[reverse-etl] [hubspot] HubSpot refused the access token (HTTP 401): check the accessToken option (a private app token, or an OAuth access token that has not expired).",
      );
    }
    if (status >= 400) {
      throw new ConnectionError(`[reverse-etl] [hubspot] HubSpot answered HTTP ${status} to the account details request at ${this.settings.baseUrl}.`);
    }
  }

  async describe(object: string | undefined, context?: DescribeContext): Promise<ObjectDescription> {
    const objectType = await this.#objectTypes.of(object, this.#requests.outsideWrite);
    const { shapes, identifiers } = await this.#properties.of(objectType, object, this.#requests.outsideWrite);
    const fields: FieldDescription[] = [...shapes.values()].map((p) => ({
      name: p.name,
      type: p.type,
      ...(p.readOnly ? { readOnly: true } : {}),
      ...(p.options.length > 0 ? { options: p.options } : {}),
    }));
    // HubSpot's batch upsert, update and archive endpoints address records by a unique property (or the
    // record id), so upsert, update and mirror syncs need one; batch create (insert) needs none. Without a
    // mode (an older core), ask for one.
    const requiresMatch = context?.mode !== "insert";
    return { object, fields, identifiers: [...identifiers], requiresMatch };
  }

  async write(operation: WriteOperation, records: readonly OutgoingRecord[], context: WriteContext): Promise<WriteOutcome> {
    if (records.length === 0) return { type: "results", results: [] };
    if (this.#closed) return { type: "fatal", message: "[reverse-etl] [hubspot] write called after close: this is a bug in the caller." };
    // Every request this write makes is counted in core's limiter: the lookups (when not cached yet), the
    // batch request, a mirror delete's read and archive.
    const beforeRequest = this.#requests.forWrite(context);
    let objectType: string;
    let properties: ObjectProperties;
    try {
      objectType = await this.#objectTypes.of(context.object, beforeRequest);
      properties = await this.#properties.of(objectType, context.object, beforeRequest);
    } catch (error) {
      // Cancelled while waiting for the limiter: core ends the run.
      if (context.signal.aborted) throw error;
      if (error instanceof ConnectionError) return { type: "fatal", credentials: true, message: error.message };
      return outcomeOfFailure(error, `reading the properties of ${context.object}`);
    }
    const what = `${operation} of ${records.length} ${context.object} records`;
    const results: Array<RecordResult | undefined> = records.map(() => undefined);
    // Each record is converted and checked first; those that cannot be sent are rejected here.
    const inputs = batchInputs(operation, records, properties.shapes, objectType, results);
    if (inputs.length > 0) {
      const outcome =
        operation === "delete"
          ? await this.#archives.archive(objectType, inputs, results, what, beforeRequest)
          : await this.#writes.send(operation, objectType, inputs, results, what, beforeRequest);
      if (outcome) return outcome;
    }
    return {
      type: "results",
      results: results.map(
        (r) => r ?? { status: "retryable", message: `[reverse-etl] [hubspot] ${what}: HubSpot returned no result for this record.` },
      ),
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}
