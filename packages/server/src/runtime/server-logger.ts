import type { Logger } from "@reverse-etl/core";

/** The logger the server writes to: core's `Logger` plus `error` (the CLI's logger is one). */
export interface ServerLogger extends Logger {
  error(message: string, fields?: Record<string, unknown>): void;
}
