export type { JsonSchema } from "../config/json-schema.js";

/** Structured, redacted logging for plugins. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** What core hands a plugin when it connects. */
export interface PluginContext {
  /** Directory of the config file; relative paths in options resolve against it. */
  readonly configDir: string;
  /** Name of the source or destination in the config. */
  readonly name: string;
  /** Logger whose output is redacted of secrets. */
  readonly logger: Logger;
}

/** A logger that drops everything. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {} };
