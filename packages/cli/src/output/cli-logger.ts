import type { Logger } from "@reverse-etl/core";
import { secrets } from "@reverse-etl/core";

/** Log levels of `--log-level`, most verbose first. */
export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;

/** A `--log-level` value. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** How log lines look: `human` on a terminal, `logfmt` (`key=value`) for log collectors, `json` lines. */
export type LogFormat = "human" | "logfmt" | "json";

/** The logger the CLI hands to core: core's `Logger` plus `error`. */
export interface CliLogger extends Logger {
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Options of `createCliLogger`. */
export interface CliLoggerOptions {
  /** Lowest level written. */
  level: LogLevel;
  /** Line format. */
  format: LogFormat;
  /** Where lines go; stderr, so stdout stays for results. */
  write: (line: string) => void;
  /** Clock, for timestamps in structured formats. */
  now?: () => Date;
}

/**
 * A logger writing one line per event, every line redacted of secrets. Structured formats carry a
 * timestamp and the level so `grep level=warn` and log collectors work; the human format is short.
 */
export function createCliLogger(options: CliLoggerOptions): CliLogger {
  const threshold = LOG_LEVELS.indexOf(options.level);
  const now = options.now ?? (() => new Date());
  const emit = (level: Exclude<LogLevel, "silent">) => (message: string, fields?: Record<string, unknown>) => {
    if (LOG_LEVELS.indexOf(level) < threshold) return;
    options.write(secrets.redact(formatLogLine(options.format, level, message, fields ?? {}, now())));
  };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}

/** Format one log line (without the newline). */
export function formatLogLine(
  format: LogFormat,
  level: string,
  message: string,
  fields: Record<string, unknown>,
  time: Date,
): string {
  if (format === "json") return JSON.stringify({ time: time.toISOString(), level, msg: message, ...fields });
  const pairs = Object.entries(fields).map(([key, value]) => `${key}=${logfmtValue(value)}`);
  if (format === "logfmt") {
    return [`time=${time.toISOString()}`, `level=${level}`, `msg=${logfmtValue(message)}`, ...pairs].join(" ");
  }
  const prefix = level === "info" ? "" : `${level}: `;
  return [`${prefix}${message}`, ...pairs].join(" ");
}

/** Quote a logfmt value when it holds spaces, quotes or `=`; objects as JSON. */
function logfmtValue(value: unknown): string {
  const text = typeof value === "string" ? value : value === undefined ? "" : JSON.stringify(value);
  return /[\s"=]/.test(text) || text === "" ? JSON.stringify(text) : text;
}
