import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { ConnectionError, SYNC_MODES } from "@reverse-etl/core";
import type {
  DestinationCapabilities,
  DestinationConnection,
  FlushOutcome,
  Logger,
  ObjectDescription,
  OutgoingRecord,
  WriteContext,
  WriteOperation,
  WriteOutcome,
} from "@reverse-etl/core";
import type { FileFormat } from "./file-destination-options.js";
import type { PathTemplate } from "./path-template.js";
import { staleTempPattern } from "./path-template.js";
import { CsvEncoder, JsonlEncoder } from "./record-encoder.js";
import { RunFile, removeStaleTempFiles } from "./run-file.js";

/** Settings of a {@link FileConnection}, resolved from the plugin options. */
export interface FileConnectionSettings {
  /** The `path` option, resolved against the config directory. */
  readonly template: PathTemplate;
  /** Line format. */
  readonly format: FileFormat;
  /** Records per write call. */
  readonly maxBatchSize: number;
  /** Redacted plugin logger. */
  readonly logger: Logger;
}

/**
 * A connection of the file destination. Every record is `deferred`: it reaches `path` only when `flush()`
 * renames the run's temp file into place, so state never advances for a file that does not exist yet.
 */
export class FileConnection implements DestinationConnection {
  readonly capabilities: DestinationCapabilities;
  // One open file per (sync, run): a connection may serve several syncs.
  readonly #files = new Map<string, RunFile>();
  readonly #failed = new Map<string, string>();

  constructor(private readonly settings: FileConnectionSettings) {
    // One writer at a time keeps lines in the order core sends them.
    this.capabilities = { modes: SYNC_MODES, maxBatchSize: settings.maxBatchSize, maxConcurrency: 1 };
  }

  /** Remove temp files left by crashed runs, when the path names one fixed file. */
  async cleanUp(): Promise<void> {
    const { template, logger } = this.settings;
    if (!template.isFixed) return;
    const removed = await removeStaleTempFiles(dirname(template.absolute), staleTempPattern(basename(template.absolute)));
    for (const name of removed) logger.info(`[reverse-etl] [file] removed ${name}, left by an interrupted run`);
  }

  async check(): Promise<void> {
    const { template } = this.settings;
    const dir = template.fixedDirectory;
    // A missing directory is fine when it can be created: the first write creates it.
    let existing = dir;
    for (;;) {
      const info = await stat(existing).catch(() => undefined);
      if (info !== undefined) {
        if (!info.isDirectory()) {
          throw new ConnectionError(
            `[reverse-etl] [file] ${existing} is not a directory, so ${template.absolute} cannot be written: fix the path option.`,
          );
        }
        break;
      }
      const parent = dirname(existing);
      if (parent === existing) break;
      existing = parent;
    }
    try {
      await access(existing, constants.W_OK | constants.X_OK);
    } catch (cause) {
      throw new ConnectionError(
        `[reverse-etl] [file] directory ${existing} is not writable, so ${template.absolute} cannot be written: ` +
          `fix its permissions or change the path option.`,
        { cause },
      );
    }
    if (template.isFixed) {
      const target = await stat(template.absolute).catch(() => undefined);
      if (target?.isDirectory()) {
        throw new ConnectionError(
          `[reverse-etl] [file] ${template.absolute} is a directory: set the path option to a file name.`,
        );
      }
    }
  }

  async describe(object: string | undefined): Promise<ObjectDescription> {
    return { object, fields: [], identifiers: [], acceptsAnyField: true };
  }

  async write(operation: WriteOperation, records: readonly OutgoingRecord[], context: WriteContext): Promise<WriteOutcome> {
    const id = runKey(context.sync, context.runId);
    const failure = this.#failed.get(id);
    if (failure !== undefined) return { type: "fatal", message: failure };
    const file = this.#fileFor(context.sync, context.runId);
    try {
      await file.append(file.encoder.encode(operation, records));
    } catch (error) {
      // Part of the batch may be in the temp file: retrying would duplicate lines, so the run stops.
      const message =
        `[reverse-etl] [file] could not write ${file.temp} (${describeError(error)}): ` +
        `check free space and permissions in ${dirname(file.target)}, then run the sync again.`;
      this.#failed.set(id, message);
      return { type: "fatal", message };
    }
    return { type: "results", results: records.map(() => ({ status: "deferred" as const })) };
  }

  async flush(context: { readonly sync: string; readonly object: string | undefined; readonly runId: string }): Promise<FlushOutcome> {
    const id = runKey(context.sync, context.runId);
    const file = this.#files.get(id);
    const failure = this.#failed.get(id);
    this.#files.delete(id);
    this.#failed.delete(id);
    if (failure !== undefined) {
      await file?.discard();
      return { type: "failed", message: failure };
    }
    // Nothing written in this run: an existing file keeps the previous run's changes.
    if (file === undefined) return { type: "ok" };
    try {
      await file.commit();
      this.settings.logger.debug(`[reverse-etl] [file] wrote ${file.target}`);
      return { type: "ok" };
    } catch (error) {
      await file.discard();
      return {
        type: "failed",
        message:
          `[reverse-etl] [file] could not move ${file.temp} to ${file.target} (${describeError(error)}): ` +
          `check free space and permissions, then run the sync again.`,
      };
    }
  }

  async close(): Promise<void> {
    const files = [...this.#files.values()];
    this.#files.clear();
    this.#failed.clear();
    await Promise.all(files.map((file) => file.discard()));
  }

  #fileFor(sync: string, runId: string): RunFile {
    const id = runKey(sync, runId);
    let file = this.#files.get(id);
    if (file === undefined) {
      const { template, format } = this.settings;
      const encoder = format === "csv" ? new CsvEncoder() : new JsonlEncoder();
      const stalePattern = staleTempPattern(basename(template.target(sync, "{runId}")));
      const target = template.target(sync, runId);
      const sharing = [...this.#files.values()].find((other) => other.target === target);
      if (sharing !== undefined) {
        this.settings.logger.warn(
          `[reverse-etl] [file] two runs write ${target} at once; the last to finish replaces the other's file: put {sync} in the path option.`,
        );
      }
      const inUse = (tempPath: string): boolean => [...this.#files.values()].some((other) => other.temp === tempPath);
      file = new RunFile(target, runId, encoder, stalePattern, inUse);
      this.#files.set(id, file);
    }
    return file;
  }
}

function runKey(sync: string, runId: string): string {
  return `${sync}\u0000${runId}`;
}

function describeError(error: unknown): string {
  if (error instanceof Error) return "code" in error && typeof error.code === "string" ? error.code : error.message;
  return String(error);
}
