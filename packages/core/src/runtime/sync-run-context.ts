import { AsyncLocalStorage } from "node:async_hooks";

/** The sync (and run) that the statements being issued belong to. */
export interface SyncRunContext {
  /** Name of the sync being planned or run. */
  readonly sync: string;
  /** Id of the run; absent while planning. */
  readonly runId?: string;
}

const storage = new AsyncLocalStorage<SyncRunContext>();

/**
 * The sync and run that the current asynchronous work belongs to, for a plugin that labels its requests
 * (Snowflake's QUERY_TAG, a warehouse's application name): core sets it around `plan` and each run.
 */
export function currentSyncRun(): SyncRunContext | undefined {
  return storage.getStore();
}

/** Run `work` with `context` as the current sync run. */
export function inSyncRun<T>(context: SyncRunContext, work: () => Promise<T>): Promise<T> {
  return storage.run(context, work);
}
