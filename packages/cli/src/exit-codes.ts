import type { SyncReport } from "@reverse-etl/core";

/** Process exit codes of `reverse-etl`. Documented in `reverse-etl --help` and the README; keep stable. */
export const ExitCode = {
  /** Everything worked. */
  ok: 0,
  /** A sync failed, or an unexpected error. */
  failure: 1,
  /** Invalid configuration, plugins or usage (ConfigError, PluginError, SchemaDriftError). */
  invalidConfig: 2,
  /** Wrong usage (a missing argument or confirmation, a file in the way): the same code as invalid configuration. */
  usage: 2,
  /** Cannot connect to or authenticate with a source or destination (ConnectionError). */
  connection: 3,
  /** Another run of the same sync holds the lock (SyncLockedError). */
  locked: 4,
  /** Mirror mode would delete more than the sync allows (MassDeleteError). */
  massDelete: 5,
  /** Some rows were rejected or failed; they are recorded and retried next run. */
  partial: 6,
  /** Stopped by SIGINT (Ctrl-C): 128 + the signal's number, as shells report it. SIGTERM gives 143. */
  interrupted: 130,
} as const;

/** Exit code of a run stopped by `signal`: 130 for SIGINT, 143 for SIGTERM (128 + the signal's number). */
export function interruptedExitCode(signal: NodeJS.Signals): number {
  return signal === "SIGTERM" ? 143 : ExitCode.interrupted;
}

/** Errors that mean a source or destination cannot be reached or refused the credentials: exit 3. */
const CONNECTION_ERRORS = ["ConnectionError", "DestinationAuthError", "DestinationUnreachableError"];

/** Exit code for a finished `sync`: 5 (mass delete) or 3 (credentials, connection) when every failed sync failed that way, 1 when any other failed, else 6 when any was partial, else 0. */
export function exitCodeForSyncReport(report: SyncReport): number {
  const failed = report.syncs.filter((s) => s.status === "failed");
  if (failed.length > 0) {
    // One kind of failure for every failed sync: its own exit code, so scripts can tell them apart.
    const codes = new Set(failed.map((s) => s.errorCode));
    if (codes.size === 1 && codes.has("MassDeleteError")) return ExitCode.massDelete;
    if (codes.size === 1 && (CONNECTION_ERRORS.some((code) => codes.has(code)))) return ExitCode.connection;
    return ExitCode.failure;
  }
  if (report.syncs.some((s) => s.status === "partial")) return ExitCode.partial;
  return ExitCode.ok;
}
