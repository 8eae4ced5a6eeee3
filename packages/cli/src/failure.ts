import { ReverseEtlError, secrets } from "@reverse-etl/core";
import { ExitCode } from "./exit-codes.js";

/** What the CLI prints and exits with for an error. */
export interface Failure {
  /** Redacted message, prefixed `[reverse-etl]`. */
  message: string;
  /** Stable machine-readable code: the error class name, e.g. `ConfigError`. */
  code: string;
  /** Process exit code. */
  exitCode: number;
  /** For config errors: every problem found, with its JSON path. */
  issues?: Array<{ path: string; message: string }>;
}

/**
 * Map any thrown value to what the user sees: our errors keep their message and exit code; oclif's
 * usage errors keep theirs; anything else is an unexpected failure (exit 1). Secrets are always redacted.
 */
export function describeFailure(error: unknown): Failure {
  if (error instanceof ReverseEtlError) {
    const issues = (error as { issues?: unknown }).issues;
    return {
      message: secrets.redact(error.message),
      code: error.name,
      exitCode: error.exitCode,
      ...(Array.isArray(issues) ? { issues: secrets.redactValue(issues as Failure["issues"]) } : {}),
    };
  }
  const oclifExit = (error as { oclif?: { exit?: unknown } } | null)?.oclif?.exit;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof oclifExit === "number") {
    // oclif's parse errors (unknown flag, missing argument: exit 2) and `this.error()` calls.
    const isUsage = (error as { parse?: unknown }).parse !== undefined;
    const code = (error as { code?: unknown }).code;
    return {
      message: secrets.redact(message.startsWith("[reverse-etl]") ? message : `[reverse-etl] ${message}`),
      code: isUsage ? "UsageError" : typeof code === "string" ? code : "CommandError",
      exitCode: oclifExit,
    };
  }
  return {
    message: secrets.redact(message.startsWith("[reverse-etl]") ? message : `[reverse-etl] Unexpected error: ${message}`),
    code: error instanceof Error ? error.name : "Error",
    exitCode: ExitCode.failure,
  };
}
