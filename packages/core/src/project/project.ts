import type { ConfigIssue } from "../errors.js";
import type { ReverseEtlConfig } from "../config/types.js";
import type { Logger } from "../plugins/plugin-context.js";
import type { SharedRequestBudget } from "../transport/request-budget.js";
import type { PlanReport, ProgressEvent, RunError, RunRecord, SyncReport } from "../reports.js";

/** How to find and open a project. */
export interface OpenProjectOptions {
  /** Explicit config file (`--config`). Otherwise searched from `cwd` upwards. */
  configPath?: string;
  /** Directory to search from. Default `process.cwd()`. */
  cwd?: string;
  /** Where core logs (redacted). Default: silent. */
  logger?: Logger;
  /**
   * Let sources and destinations whose options use an unset `env()` variable fail only when the command
   * connects to them (for `runs` and `state`, which use the state source alone). Default: every variable
   * must be set.
   */
  lazyEnv?: boolean;
}

/** Options of `plan`. */
export interface PlanOptions {
  /** Sync names; default all. Unknown names are a ConfigError. */
  syncs?: string[];
  /** Plan a full resync: every valid row is sent. */
  full?: boolean;
  /** Sample rows per class. Default 5. */
  sampleSize?: number;
  /** Progress of long work. */
  onProgress?: (event: ProgressEvent) => void;
}

/** Options of `sync`. */
export interface SyncOptions extends PlanOptions {
  /** Let mirror mode delete more than `maxDeleteShare` of synced records. */
  allowMassDelete?: boolean;
  /**
   * Stop cleanly (the first Ctrl-C): no new batch starts, the batches in flight finish and their state is
   * committed, the rest is recorded as not sent and waits for the next run.
   */
  signal?: AbortSignal;
  /** Abort the batches in flight too (the second Ctrl-C): their records are resent by the next run. */
  abortSignal?: AbortSignal;
  /**
   * Id to record the run under (see `newRunId`), so a caller can name the run before it ends (the API's
   * trigger answers it at once). Only with exactly one sync selected.
   */
  runId?: string;
  /** Called before records of a sync are sent again after a transient failure or a 429 (metrics). */
  onRetry?: (event: { sync: string; destination: string; records: number; rateLimited: boolean }) => void;
  /** The scheduled time the run is for (recorded in `sync_runs.scheduled_for`). Only with exactly one sync selected. */
  scheduledFor?: Date;
  /**
   * Take every request to a destination from this budget too, shared with other processes (the workers of
   * `reverse-etl start --queue`), so together they stay under the destination's rate limits.
   */
  requestBudget?: SharedRequestBudget;
}

/** Result of `validate`. */
export interface ValidationReport {
  file: string;
  offline: boolean;
  /** Per source/destination connection checks (online only). */
  connections: Array<{ kind: "source" | "destination"; name: string; ok: boolean; error?: string }>;
  /** Per sync mapping checks (online only). */
  syncs: Array<{
    name: string;
    ok: boolean;
    problems: string[];
    /** Checks that could not be made for this sync, and why (e.g. text lengths, on a source that cannot measure them). */
    notes?: string[];
  }>;
  /** What is allowed but unwise, by JSON path: secrets written literally in the config instead of with `env()`. */
  warnings: ConfigIssue[];
  ok: boolean;
}

/** A plugin the config uses. */
export interface PluginInfo {
  kind: "source" | "destination";
  /** Config names using it. */
  usedBy: string[];
  package: string;
  version: string | undefined;
  name: string;
  apiVersion: number;
}

/** An opened reverse-etl project: a loaded, validated config and its plugins. */
export interface Project {
  /** Absolute path of the config file. */
  readonly file: string;
  /** The config, env references resolved. Never print it: it holds secrets. */
  readonly config: ReverseEtlConfig;
  /** Plugins the config uses. */
  plugins(): PluginInfo[];
  /** Check connections and mappings (skipped with `offline`). */
  validate(options: { offline: boolean }): Promise<ValidationReport>;
  /** Compute what a sync would send. Writes nothing anywhere. */
  plan(options?: PlanOptions): Promise<PlanReport>;
  /** Send the changes. */
  sync(options?: SyncOptions): Promise<SyncReport>;
  /** Run history, newest first. */
  runs(options?: { sync?: string; limit?: number }): Promise<RunRecord[]>;
  /** One run by its id, or undefined. */
  run(runId: string): Promise<RunRecord | undefined>;
  /** The rows a run did not deliver (`sync_errors`), rejected and failed before invalid, up to `limit` (default 100). */
  runErrors(runId: string, limit?: number): Promise<RunError[]>;
  /** Send the `stale` alerts due now (a sync without a success for its alert's `staleAfter`), once per last success. */
  checkStale(now?: Date): Promise<void>;
  /** Forget what was synced for a sync, so the next run resends everything. */
  resetState(sync: string): Promise<{ sync: string; deleted: number }>;
  /**
   * Remove the run lock of a sync held by a process that cannot be checked (e.g. on another host). Locks
   * of dead processes on this host are taken over automatically. Returns whether a lock was removed.
   */
  unlock(sync: string): Promise<boolean>;
  /** Close every connection. */
  close(): Promise<void>;
}
