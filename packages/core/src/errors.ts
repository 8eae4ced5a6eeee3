/**
 * Errors users can act on. Each message says what went wrong, where, and what to do; each class maps to
 * a CLI exit code.
 */
export class ReverseEtlError extends Error {
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message.startsWith("[reverse-etl]") ? message : `[reverse-etl] ${message}`, options);
    this.name = new.target.name;
  }
}

/** A message of ours (or a plugin's) without its leading `[reverse-etl] `, to quote inside another message. */
export function withoutPrefix(message: string): string {
  return message.replace(/^\[reverse-etl\] /, "");
}

/** One problem in a config document. */
export interface ConfigIssue {
  /** JSON path of the offending value, e.g. `/syncs/customers/fields/plan`. */
  path: string;
  /** What is wrong and what was expected. */
  message: string;
}

/** The config is invalid; lists every problem found, not just the first. */
export class ConfigError extends ReverseEtlError {
  override readonly exitCode = 2;
  constructor(
    /** Config file the issues were found in. */
    readonly file: string | undefined,
    /** Every problem found. */
    readonly issues: readonly ConfigIssue[],
    /** What the problems are, for the first line. */
    title = "Invalid configuration",
  ) {
    const where = file ?? "config";
    const lines = issues.map((i) => `  ${where}: ${i.path || "/"}: ${i.message}`);
    super(`${title} (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n${lines.join("\n")}`);
  }
}

/** A plugin could not be found, loaded, or is incompatible. */
export class PluginError extends ReverseEtlError {
  override readonly exitCode = 2;
}

/** Could not connect to, or authenticate with, a source or destination. */
export class ConnectionError extends ReverseEtlError {
  override readonly exitCode = 3;
}

/** Another run of the same sync holds the lock. */
export class SyncLockedError extends ReverseEtlError {
  override readonly exitCode = 4;
}

/**
 * The model no longer matches the sync: a mapped or key column it last ran with is gone. A `ConfigError`
 * (exit 2) whose issues name each column and the config path to fix.
 */
export class SchemaDriftError extends ConfigError {
  constructor(file: string | undefined, issues: readonly ConfigIssue[]) {
    super(file, issues, "Schema drift");
  }
}

/** Mirror mode would delete more records than the sync allows. */
export class MassDeleteError extends ReverseEtlError {
  override readonly exitCode = 5;
}

/** The destination said retrying cannot help (an object gone, an unexpected answer): the run stops at once. */
export class FatalDestinationError extends ReverseEtlError {
  override readonly exitCode = 1;
}

/** The destination refused the credentials mid-run (HTTP 401/403): the run stops at once. */
export class DestinationAuthError extends ConnectionError {}

/** The destination will take no more for now (a quota is spent): the run ends as partial, rows wait for the next run. */
export class DestinationQuotaError extends ReverseEtlError {
  override readonly exitCode = 6;
}

/**
 * Every request of a run failed the same way before any answer (connection refused, DNS, TLS): the run
 * stops early as failed and its rows wait for the next run.
 */
export class DestinationUnreachableError extends ConnectionError {}
