import type { SyncMode } from "./config/types.js";
import type { FieldValue } from "./values/field-value.js";

/** Row counts of a plan, per class. Stable JSON contract. */
export interface PlanCounts {
  /** Rows in the model that were never synced. */
  added: number;
  /** Rows whose mapped values differ from the last synced values. */
  changed: number;
  /** Synced rows no longer in the model (deleted from the destination in mirror mode only). */
  removed: number;
  /** Rows whose mapped values equal the last synced values. */
  unchanged: number;
  /** Rows with a null or duplicate primary key: never sent. */
  invalid: number;
}

/** Counts of a plan that has counted nothing yet. */
export function noCounts(): PlanCounts {
  return { added: 0, changed: 0, removed: 0, unchanged: 0, invalid: 0 };
}

/** A field whose value changes. */
export interface FieldChange {
  /** Destination field name. */
  field: string;
  /** Last synced value (undefined when the field was not synced before). */
  from: FieldValue | undefined;
  /** Value that will be sent. */
  to: FieldValue | undefined;
}

/** A sample row of a plan class. */
export interface PlanSample {
  /** Primary key value. */
  key: FieldValue;
  /** Mapped values to send (added/changed), or last synced values (removed). */
  values?: Record<string, FieldValue>;
  /** For changed rows: what changes from what to what. */
  changes?: FieldChange[];
  /** For invalid rows: why. */
  reason?: string;
}

/** The plan of one sync. */
export interface SyncPlan {
  name: string;
  model: string;
  destination: string;
  object: string | undefined;
  mode: SyncMode;
  /** True when `--full` resends every row. */
  full: boolean;
  counts: PlanCounts;
  /** What would be sent: upserts (or updates/inserts, per mode) and deletes. */
  operations: { write: number; delete: number };
  /** Up to N sample rows per class. */
  samples: { added: PlanSample[]; changed: PlanSample[]; removed: PlanSample[]; invalid: PlanSample[] };
  /** Things the user should know (mass delete guard, unused columns...). */
  warnings: string[];
}

/** What `plan` returns. Stable JSON contract: `{ syncs: [...] }`. */
export interface PlanReport {
  syncs: SyncPlan[];
}

/** Status of a run. */
export type RunStatus = "succeeded" | "partial" | "failed";

/** The outcome of syncing one sync. */
export interface SyncRunReport extends SyncPlan {
  /** Id of the run in `sync_runs`. */
  runId: string;
  /** `succeeded`: every planned row acknowledged; `partial`: some rejected or failed; `failed`: the run stopped. */
  status: RunStatus;
  /** Row counts by outcome. */
  results: { succeeded: number; rejected: number; failed: number };
  /** Records handed to the destination (`sync_runs.sent`; less than the plan's operations when the run stopped early). */
  sent: number;
  /** False when the sync keeps rejected rows until they change (`retryRejected: false`). */
  retryRejected?: boolean;
  /** Why the run failed, when it did. */
  error?: string;
  /**
   * The kind of error that stopped the run, when there is one: `MassDeleteError`, `DestinationAuthError`
   * (credentials refused), `DestinationUnreachableError`, `FatalDestinationError`, `ConnectionError`, ...
   * Scripts and the CLI's exit code use it.
   */
  errorCode?: string;
  /** From the run's start to its end, as `sync_runs` records them (what `runs` shows). */
  durationMs: number;
}

/** What `sync` returns. Stable JSON contract: `{ syncs: [...] }`. */
export interface SyncReport {
  syncs: SyncRunReport[];
}

/** A row of `sync_runs`. */
export interface RunRecord {
  runId: string;
  sync: string;
  status: RunStatus | "running";
  startedAt: string;
  finishedAt: string | null;
  counts: PlanCounts;
  sent: number;
  succeeded: number;
  rejected: number;
  failed: number;
  error: string | null;
  /** The scheduled time a run taken from the job queue was for (ISO 8601, UTC); null otherwise. */
  scheduledFor: string | null;
}

/** A row a run did not deliver, from `sync_errors`. */
export interface RunError {
  /** Primary key value (an object of the key columns for a composite key). */
  key: unknown;
  /** `rejected` by the destination, `failed` (retries exhausted or run stopped), or `invalid` (null or duplicate key). */
  kind: "rejected" | "failed" | "invalid";
  /** The destination's message, or why the row was not sent. */
  message: string;
}

/** Progress of long work, for progress bars and logs. */
export interface ProgressEvent {
  sync: string;
  phase: "planning" | "sending" | "finishing";
  /** Rows processed so far in this phase. */
  done: number;
  /** Rows this phase will process, when known. */
  total?: number;
}
