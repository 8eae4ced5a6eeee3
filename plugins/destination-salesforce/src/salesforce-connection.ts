import { ConnectionError } from "@reverse-etl/core";
import type {
  DescribeContext,
  Logger,
  DestinationCapabilities,
  DestinationConnection,
  FlushOutcome,
  ObjectDescription,
  OutgoingRecord,
  SyncContext,
  WriteContext,
  WriteOperation,
  WriteOutcome,
} from "@reverse-etl/core";
import type { BulkSettings } from "./salesforce-bulk.js";
import { BulkWriter } from "./salesforce-bulk.js";
import type { SalesforceApi } from "./salesforce-api.js";
import { SalesforceApiFailure } from "./salesforce-api-error.js";
import { outcomeOfFailure, writeCollections } from "./salesforce-collections.js";
import type { DescribeAnswer, ObjectShape } from "./salesforce-describe.js";
import { objectDescription, shapeOf } from "./salesforce-describe.js";
import { insertMissing, RunRecovery } from "./salesforce-recovery.js";

/**
 * Records a run sends at which `bulk: "auto"` switches to the Bulk API: Salesforce recommends it above
 * 2,000 records: https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/asynch_api_intro.htm
 */
export const DEFAULT_BULK_THRESHOLD = 2000;
/** Attempts at reading a describe before a passing failure is reported. */
const DESCRIBE_ATTEMPTS = 5;

/**
 * A connection to one org. `check` reads the API version's resources (which proves the credentials), `describe`
 * reads an sObject's describe once per object, and `write` sends batches through sObject Collections, or
 * adds them to Bulk API 2.0 jobs whose results `flush` reads.
 */
export class SalesforceConnection implements DestinationConnection {
  readonly #shapes = new Map<string, Promise<ObjectShape>>();
  readonly #bulk: BulkWriter;
  readonly #recovery: RunRecovery;
  /** Warnings already logged, by run: once each. */
  readonly #warned = new Set<string>();
  #closed = false;

  constructor(
    private readonly api: SalesforceApi,
    readonly capabilities: DestinationCapabilities,
    private readonly destination: string,
    bulk: BulkSettings,
    private readonly logger: Logger,
  ) {
    this.#bulk = new BulkWriter(api, bulk);
    this.#recovery = new RunRecovery(api, bulk, logger);
  }

  async check(): Promise<void> {
    try {
      // The version's resources: proves the session and the version, and needs no permission beyond API
      // access (the limits resource would need "View Setup and Configuration").
      await this.api.request({ method: "GET", path: "/" }, { what: `reading the resources of API version ${this.api.base.split("/v")[1]}` });
    } catch (error) {
      throw this.#connectionError(error, "checking the connection");
    }
  }

  async describe(object: string | undefined, context?: DescribeContext): Promise<ObjectDescription> {
    try {
      return objectDescription(await this.#shape(object), context?.mode ?? "upsert");
    } catch (error) {
      throw this.#connectionError(error, `describing ${object}`, object);
    }
  }

  async write(operation: WriteOperation, records: readonly OutgoingRecord[], context: WriteContext): Promise<WriteOutcome> {
    if (records.length === 0) return { type: "results", results: [] };
    if (this.#closed) return { type: "fatal", message: "[reverse-etl] [salesforce] write called after close: this is a bug in the caller." };
    let shape: ObjectShape;
    try {
      shape = await this.#shape(context.object);
    } catch (error) {
      // A missing object stops the run; a describe that failed for a passing reason is retried.
      if (error instanceof SalesforceApiFailure && error.kind !== "not-found" && error.kind !== "refused") return outcomeOfFailure(error);
      return { type: "fatal", message: this.#connectionError(error, `describing ${context.object}`, context.object).message };
    }
    try {
      // After an interrupted run: its Bulk API jobs finish before this run writes anything.
      const stop = await this.#recovery.prepare(shape, context);
      if (stop) return { type: "stop", message: stop };
      const send = (batch: readonly OutgoingRecord[]) =>
        operation !== "delete" && usesBulk(context) ? this.#bulk.write(shape, operation, batch, context) : writeCollections({ api: this.api, shape, acquireRequests: context.acquireRequests }, operation, batch);
      // Inserts are not idempotent: what the interrupted run created is found, not created again.
      if (operation === "insert" && context.interrupted) return await insertMissing(this.api, shape, records, context, (message) => this.#warnOnce(context.runId, message), send);
      return await send(records);
    } catch (error) {
      if (error instanceof SalesforceApiFailure) return outcomeOfFailure(error);
      throw error;
    }
  }

  async flush(context: SyncContext): Promise<FlushOutcome> {
    const shape = context.object ? await this.#shape(context.object).catch(() => undefined) : undefined;
    return this.#bulk.flush(shape, context);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#bulk.discard();
  }

  #warnOnce(runId: string, message: string): void {
    const key = `${runId}\u0000${message}`;
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    this.logger.warn(message);
  }

  /** The describe of an object, read once. */
  #shape(object: string | undefined): Promise<ObjectShape> {
    if (!object) {
      return Promise.reject(new ConnectionError(`[reverse-etl] [salesforce] destination ${this.destination}: the sync has no object; set object to an sObject's API name, e.g. Contact or Thing__c.`));
    }
    let shape = this.#shapes.get(object);
    if (!shape) {
      shape = this.#describeWithRetries(object).then(shapeOf);
      this.#shapes.set(object, shape);
      shape.catch(() => this.#shapes.delete(object));
    }
    return shape;
  }

  /**
   * Read a describe, retrying a passing failure (503, a dropped connection) a few times with backoff:
   * it comes before any write, where core's retries do not reach.
   */
  async #describeWithRetries(object: string): Promise<DescribeAnswer> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.api.request<DescribeAnswer>({ method: "GET", path: `/sobjects/${encodeURIComponent(object)}/describe` }, { what: `describing ${object}` });
      } catch (error) {
        if (!(error instanceof SalesforceApiFailure) || error.kind !== "transient" || attempt >= DESCRIBE_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt * (0.5 + Math.random())));
      }
    }
  }

  /** A failure as a ConnectionError (exit 3) users can act on. */
  #connectionError(error: unknown, what: string, object?: string): ConnectionError {
    if (error instanceof ConnectionError) return error;
    if (!(error instanceof SalesforceApiFailure)) return new ConnectionError(`[reverse-etl] [salesforce] destination ${this.destination}: ${what} failed: ${String(error)}`);
    if (error.kind === "not-found" && object) {
      return new ConnectionError(
        `[reverse-etl] [salesforce] destination ${this.destination}: object "${object}" does not exist in the org, or its user cannot see it: check the sync's object (an API name such as Contact or Thing__c) and the user's permissions.`,
      );
    }
    if (error.kind === "not-found") return new ConnectionError(`[reverse-etl] [salesforce] destination ${this.destination}: ${what}: ${error.message}; check instanceUrl and apiVersion.`);
    const outcome = outcomeOfFailure(error);
    return new ConnectionError("message" in outcome ? outcome.message : error.message);
  }
}

/** Whether a sync's writes go through the Bulk API: its `bulk` option, and under `auto` the run's size. */
export function usesBulk(context: SyncContext): boolean {
  const mode = context.options.bulk ?? "auto";
  if (mode === "never") return false;
  if (mode === "always") return true;
  const threshold = typeof context.options.bulkThreshold === "number" ? context.options.bulkThreshold : DEFAULT_BULK_THRESHOLD;
  return context.total !== undefined && context.total >= threshold;
}
