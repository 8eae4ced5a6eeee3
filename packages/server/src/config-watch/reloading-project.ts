import { watch, type FSWatcher } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { secrets, type Project } from "@reverse-etl/core";
import type { ServerLogger } from "../runtime/server-logger.js";
import type { SyncScheduler } from "../scheduler/sync-scheduler.js";

/** Options of `ReloadingProject`. */
export interface ReloadingProjectOptions {
  /** Open the project again from its config file (the CLI's `openProject`). Throws a ConfigError when the file is invalid. */
  open: () => Promise<Project>;
  logger: ServerLogger;
  /** Rescheduled after each accepted edit. */
  scheduler?: SyncScheduler;
  /** Wait this long after the last change event before reloading (editors write in several steps). Default 300 ms. */
  debounceMs?: number;
}

/**
 * The project `start` runs, reloaded when its config file changes. A valid edit replaces the project
 * between runs (runs in flight finish on the config they started with, then the old project closes); an
 * invalid one is refused with the same errors as `validate`, and the previous config keeps running.
 */
export class ReloadingProject {
  #current: Project;
  #text: string | undefined;
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #reloading: Promise<void> = Promise.resolve();
  readonly #retired: Promise<void>[] = [];
  readonly #options: ReloadingProjectOptions;

  constructor(initial: Project, options: ReloadingProjectOptions) {
    this.#current = initial;
    this.#options = options;
  }

  /** The project new runs use. */
  get current(): Project {
    return this.#current;
  }

  /** Watch the config file's directory (editors often replace the file rather than write it). */
  async watch(): Promise<void> {
    const file = this.#current.file;
    this.#text = await readFile(file, "utf8").catch(() => undefined);
    this.#watcher = watch(dirname(file), (_event, name) => {
      if (name !== null && name !== basename(file)) return;
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => (this.#reloading = this.#reloading.then(async () => void (await this.reload()))), this.#options.debounceMs ?? 300);
    });
    this.#watcher.unref();
  }

  /** Load the config again if its text changed; true when a new config is now running. */
  async reload(): Promise<boolean> {
    const { logger, scheduler } = this.#options;
    const file = this.#current.file;
    const text = await readFile(file, "utf8").catch(() => undefined);
    if (text === undefined || text === this.#text) return false;
    this.#text = text;
    let next: Project;
    try {
      next = await this.#options.open();
    } catch (error) {
      logger.error("config change refused: the previous config keeps running", { file, error: secrets.redact(error instanceof Error ? error.message : String(error)) });
      return false;
    }
    const previous = this.#current;
    this.#current = next;
    scheduler?.reschedule();
    logger.info("config reloaded", { file, syncs: Object.keys(next.config.syncs).join(",") });
    // Runs in flight still use the previous project: close it once they are done.
    this.#retired.push((scheduler ? scheduler.idle() : Promise.resolve()).then(() => previous.close()).catch(() => undefined));
    return true;
  }

  /** Stop watching and close every project. */
  async close(): Promise<void> {
    this.#watcher?.close();
    clearTimeout(this.#timer);
    await this.#reloading;
    await Promise.all(this.#retired);
    await this.#current.close();
  }
}
