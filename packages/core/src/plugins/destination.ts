import type { ConnectionFailure } from "./connection-failure.js";
import type { SyncMode } from "../config/types.js";
import type { FieldValue } from "../values/field-value.js";
import type { JsonSchema, PluginContext } from "./plugin-context.js";

export type { FieldValue } from "../values/field-value.js";

/**
 * Version of the destination plugin contract. Bumped on breaking changes; core refuses other versions.
 * 2: per-sync `options`, `acquireRequests` (limits count requests), per-record results at `flush()`.
 */
export const DESTINATION_API_VERSION = 2;

/** What to do with a batch of records. Mirror mode sends `upsert` and `delete` operations. */
export type WriteOperation = "upsert" | "update" | "insert" | "delete";

/** One record to write. */
export interface OutgoingRecord {
  /** Stable identity of the model row (its primary key rendered as text). Results refer to it. */
  readonly key: string;
  /** The primary key's value: the column's value, or an object of the key columns for a composite key. */
  readonly keyValue: FieldValue;
  /** Destination identifier field -> value, from the sync's `match`. */
  readonly match: Readonly<Record<string, FieldValue>>;
  /** Destination field -> value, from the sync's `fields`. Empty for deletes. */
  readonly fields: Readonly<Record<string, FieldValue>>;
  /**
   * Values of the model columns that the sync's options name (the plugin's `columnOptions`), by option
   * name: `{ eventColumn: "Order Completed" }`. Absent when the sync's options name no column.
   */
  readonly optionValues?: Readonly<Record<string, FieldValue>>;
}

/** What a destination is told about the sync it serves, at every call of a run. */
export interface SyncContext {
  /** Name of the sync. */
  readonly sync: string;
  /** The sync's `object`, if any. */
  readonly object: string | undefined;
  /** The sync's `options`, validated against the plugin's `syncOptionsSchema` (defaults filled in); `{}` when none. */
  readonly options: Readonly<Record<string, unknown>>;
  /** Id of the run (as in `sync_runs`). */
  readonly runId: string;
  /**
   * Records this run sends (its writes and deletes), when known: a destination that picks its transport
   * by volume (a bulk API for large runs, a batch endpoint for small ones) reads it.
   */
  readonly total?: number;
  /**
   * True when a run of this sync was interrupted (its process died) since the sync's last successful run.
   * What that run sent may have landed without state recording it, so its rows are sent again: harmless
   * for idempotent writes, but a destination whose inserts are not idempotent, or whose asynchronous jobs
   * may still be running, looks for what landed before writing.
   */
  readonly interrupted?: boolean;
  /**
   * Aborted when the run must end at once (a second Ctrl-C): give up the request in flight. A first
   * Ctrl-C does not abort it: core lets the batches in flight finish and commits them.
   */
  readonly signal: AbortSignal;
  /**
   * Take `count` requests from the destination's `rateLimits`, waiting until they fit. Core takes one
   * before each `write` call; a write that costs more HTTP requests (read then archive, a bulk job's
   * create, upload, close and polls) takes the others here before making them, and `flush` takes one per
   * request it makes. Limits then count requests, so the vendor's 429 is never earned by miscounting.
   */
  acquireRequests(count?: number): Promise<void>;
}

/** Context of one `write` call. */
export interface WriteContext extends SyncContext {
  /**
   * Deterministic id of this batch (same records in the same order give the same id). Destinations that
   * support idempotency keys should send it, so a batch resent after a crash is not applied twice.
   */
  readonly idempotencyKey: string;
}

/** Outcome for one record. */
export type RecordResult =
  /** The destination accepted the record. */
  | { readonly status: "ok"; readonly id?: string }
  /** Permanently refused (bad value, unknown id): recorded in `sync_errors`, state not advanced. */
  | { readonly status: "rejected"; readonly message: string }
  /** A transient failure for this record only: core retries it. */
  | { readonly status: "retryable"; readonly message: string; readonly retryAfterMs?: number }
  /** Accepted for delivery that happens at `flush()`: state advances only when flush confirms it. */
  | { readonly status: "deferred" };

/** Outcome of one `write` call. */
export type WriteOutcome =
  /** One result per record, in the order of the records given. */
  | { readonly type: "results"; readonly results: readonly RecordResult[] }
  /**
   * The destination refused the whole batch without saying which record was bad (e.g. an HTTP 400 for
   * the batch). Core splits the batch in halves until the bad records are isolated.
   */
  | { readonly type: "batch-rejected"; readonly message: string }
  /**
   * The whole batch failed transiently (429, 5xx, timeout, network): core retries it with backoff. Set
   * `connection` when no connection could be made (`connectionFailureOf(error)` tells from the thrown
   * error): a run whose every request fails the same such way stops early as failed, leaving its rows for
   * the next run, instead of retrying for minutes.
   */
  | { readonly type: "retry"; readonly message: string; readonly retryAfterMs?: number; readonly connection?: ConnectionFailure }
  /**
   * Retrying cannot help (bad credentials, missing scope, an object that does not exist): the run stops at
   * once. Set `credentials` when the destination refused the credentials (HTTP 401/403): the CLI then exits
   * 3 ("cannot authenticate"), else 1.
   */
  | { readonly type: "fatal"; readonly message: string; readonly credentials?: boolean }
  /**
   * The destination will take no more for now (e.g. a daily API quota is spent): the run ends cleanly as
   * `partial`, and the rows not sent stay pending for the next run.
   */
  | { readonly type: "stop"; readonly message: string };

/** What `flush()` learnt of one deferred record. */
export type FlushRecordResult =
  /** Delivered: its state advances. */
  | { readonly status: "ok"; readonly id?: string }
  /** Refused by the destination (a bulk job's failed row): recorded in `sync_errors`, state not advanced. */
  | { readonly status: "rejected"; readonly message: string }
  /** Not processed (a bulk job's unprocessed row, a timeout): recorded as failed and sent again by the next run. */
  | { readonly status: "retryable"; readonly message: string };

/** Outcome of `flush()` for the records whose results were `deferred`. */
export type FlushOutcome =
  /** Every deferred record was delivered. */
  | { readonly type: "ok" }
  /** None was: all are recorded as failed and sent again by the next run. */
  | { readonly type: "failed"; readonly message: string }
  /**
   * One result per deferred record, by its `key` (a bulk job's per-record answers). Only the `ok` records'
   * state advances; a deferred record without a result counts as failed.
   */
  | { readonly type: "results"; readonly results: ReadonlyMap<string, FlushRecordResult> };

/** A request-rate limit the destination imposes. */
export interface RateLimit {
  /** At most this many requests (one per `write` call, plus those taken with `acquireRequests`) ... */
  readonly requests: number;
  /** ... per this many milliseconds. */
  readonly perMs: number;
}

/** What a destination can do; core sizes batches and paces calls by it. */
export interface DestinationCapabilities {
  /** Modes the destination supports. */
  readonly modes: readonly SyncMode[];
  /** Largest batch one `write` call may carry. */
  readonly maxBatchSize: number;
  /** How many `write` calls may be in flight at once. Default 1. */
  readonly maxConcurrency?: number;
  /** Limits core's limiter stays under. */
  readonly rateLimits?: readonly RateLimit[];
}

/** A field of a destination object. */
export interface FieldDescription {
  /** Field name as mappings use it. */
  readonly name: string;
  /** Destination type, e.g. `string`, `number`, `datetime`, `enumeration`. */
  readonly type?: string;
  /** Values cannot be written. */
  readonly readOnly?: boolean;
  /** Allowed values for enumerations. */
  readonly options?: readonly string[];
  /**
   * The most characters a text value of this field may hold (Salesforce's describe `length`). Before any
   * write, core measures the model's text values in the warehouse and refuses longer ones, naming a row.
   */
  readonly length?: number;
  /**
   * A record cannot be created without a value for it (Salesforce's not-nillable fields without a
   * default): a sync that creates records (insert, upsert, mirror) must map it.
   */
  readonly required?: boolean;
}

/** The shape of a destination object, used to check mappings before any write. */
export interface ObjectDescription {
  /** Object name. */
  readonly object: string | undefined;
  /** Fields that exist. Ignored when `acceptsAnyField` is true. */
  readonly fields: readonly FieldDescription[];
  /** Fields that can identify a record in `match`. */
  readonly identifiers: readonly string[];
  /** Schemaless destinations (files, webhooks) accept any field name. */
  readonly acceptsAnyField?: boolean;
  /** The destination needs `match` to be set for this object. */
  readonly requiresMatch?: boolean;
  /**
   * Identifiers `match` must name, as groups of which one each is needed: Segment's group call needs
   * `[["groupId"], ["userId", "anonymousId"]]`. Validation refuses a sync that lacks one, naming it.
   */
  readonly requiredIdentifiers?: ReadonlyArray<readonly string[]>;
}

/** The sync a `describe` call checks. */
export interface DescribeContext {
  /** The sync's mode. */
  readonly mode: SyncMode;
  /** The sync's validated `options` (`{}` when none). */
  readonly options?: Readonly<Record<string, unknown>>;
}

/** An open connection to a destination. */
export interface DestinationConnection {
  /** What the destination can do. */
  readonly capabilities: DestinationCapabilities;
  /** Verify credentials and reachability. Throws a `ConnectionError` naming what is wrong. */
  check(): Promise<void>;
  /**
   * Describe an object's fields and identifiers. `context` is the sync being checked: its `mode`, for
   * destinations whose needs differ by mode (an insert needs no identifier to match on), and its
   * validated `options`.
   */
  describe(object: string | undefined, context?: DescribeContext): Promise<ObjectDescription>;
  /** Write one batch (at most `maxBatchSize` records, all with the same operation). Should not throw. */
  write(operation: WriteOperation, records: readonly OutgoingRecord[], context: WriteContext): Promise<WriteOutcome>;
  /**
   * Optional: called once at the end of a run; delivers everything written and confirms the records whose
   * results were `deferred`. Not called when the run is aborted.
   */
  flush?(context: SyncContext): Promise<FlushOutcome>;
  /** Release resources; discards undelivered deferred records. Safe to call twice. */
  close(): Promise<void>;
}

/** A business-tool plugin: the default export of a destination package. */
export interface DestinationPlugin<Options = Record<string, unknown>> {
  readonly kind: "destination";
  /** Short name used in messages, e.g. `webhook`. */
  readonly name: string;
  /** The contract version the plugin was built against: `DESTINATION_API_VERSION` of its core. */
  readonly apiVersion: number;
  /** JSON schema of the plugin's own options (everything beside `plugin`). */
  readonly optionsSchema: JsonSchema;
  /**
   * Optional: JSON schema of a sync's `options` (Segment's event name, Salesforce's Bulk API choice), or a
   * function of the sync's `object` giving it, for options that differ by object (`undefined`: that object
   * takes none). Without it, a sync that sets `options` is refused. Validated with the same messages as
   * plugin options; schema defaults are filled in.
   */
  readonly syncOptionsSchema?: JsonSchema | ((object: string | undefined) => JsonSchema | undefined);
  /**
   * Optional: the sync options whose value names a model column (Segment's `eventColumn`). Core reads the
   * columns they name with the mapped ones: it checks that they are in the model, fingerprints them, and
   * gives their values to every record in `optionValues`.
   */
  readonly columnOptions?: readonly string[];
  /** Open a connection. Options have been validated against `optionsSchema`, env references resolved. */
  connect(options: Options, context: PluginContext): Promise<DestinationConnection>;
}

/** Declare a destination plugin; the package's default export. */
export function defineDestinationPlugin<Options>(
  plugin: Omit<DestinationPlugin<Options>, "kind" | "apiVersion"> & { apiVersion?: number },
): DestinationPlugin<Options> {
  return { apiVersion: DESTINATION_API_VERSION, ...plugin, kind: "destination" };
}
