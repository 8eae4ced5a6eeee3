import type { Generated } from "kysely";

/**
 * Row types of the tables reverse-etl keeps in the warehouse, in the state schema (default `reverse_etl`).
 * Analysts can query them: `sync_runs` is the run history, `sync_errors` the rows that were not delivered.
 */

/** `sync_state`: what was last delivered for each row of each sync. */
export interface SyncStateRow {
  sync_name: string;
  /** Primary key rendered as text (JSON object text for composite keys). */
  row_key: string;
  /** Primary key value(s) as JSON text, for deletes and reports. */
  key_value: string;
  /** Hash of the mapping and the mapped values last delivered. */
  fingerprint: string;
  /** Mapped values last delivered, as the warehouse's JSON text keyed by model column. */
  row_values: string;
  /** `synced`, or `rejected` when the sync does not retry rejected rows. */
  status: string;
  last_run_id: string;
  synced_at: Generated<unknown>;
}

/** `sync_runs`: one row per run. */
export interface SyncRunRow {
  run_id: string;
  sync_name: string;
  /** `running`, `succeeded`, `partial`, `failed`. */
  status: string;
  full_resync: boolean;
  started_at: Generated<unknown>;
  finished_at: unknown | null;
  added: Generated<number>;
  changed: Generated<number>;
  removed: Generated<number>;
  unchanged: Generated<number>;
  invalid: Generated<number>;
  sent: Generated<number>;
  succeeded: Generated<number>;
  rejected: Generated<number>;
  failed: Generated<number>;
  error: string | null;
  /** Process that ran it, to detect runs interrupted by a crash. */
  pid: number;
  host: string;
  /** Name of the run's snapshot table while it runs. */
  pending_table: string | null;
  /** The scheduled time a queued run is for (ISO 8601 text, UTC); null for runs started otherwise. */
  scheduled_for: string | null;
}

/** `sync_errors`: rows that were not delivered, and why. */
export interface SyncErrorRow {
  run_id: string;
  sync_name: string;
  row_key: string | null;
  key_value: string | null;
  /** `rejected` (destination refused it), `failed` (not delivered: retries exhausted or run stopped), `invalid` (null or duplicate key). */
  kind: string;
  message: string;
  created_at: Generated<unknown>;
}

/** `sync_locks`: one row per sync being run. */
export interface SyncLockRow {
  sync_name: string;
  run_id: string;
  pid: number;
  host: string;
  /** When the run took the lock, or last renewed it: a lock not renewed for two minutes has lapsed. */
  acquired_at: Generated<unknown>;
}

/** `sync_columns`: the model columns (name -> warehouse type) a sync last ran with, to catch schema drift. */
export interface SyncColumnsRow {
  sync_name: string;
  /** JSON object text: column name -> warehouse type. */
  columns: string;
  recorded_at: Generated<unknown>;
}

/** `schema_migrations`: migrations applied to the state schema. */
export interface SchemaMigrationRow {
  version: number;
  name: string;
  applied_at: Generated<unknown>;
}

/** The state schema, for Kysely. */
export interface StateDatabase {
  sync_state: SyncStateRow;
  sync_runs: SyncRunRow;
  sync_errors: SyncErrorRow;
  sync_locks: SyncLockRow;
  sync_columns: SyncColumnsRow;
  schema_migrations: SchemaMigrationRow;
}
