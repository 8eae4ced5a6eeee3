import type { RunReason } from "./sync-scheduler.js";

/** A run waiting in a queue that several `reverse-etl start` workers share. */
export interface QueuedRun {
  sync: string;
  /** The id the first attempt records the run under (a retry after a dead worker records a new one). */
  runId: string;
  reason: RunReason;
  /** The scheduled time the run is for (ISO 8601, UTC), for scheduled and made-up runs. */
  scheduledFor?: string;
}

/** A run a worker took: which attempt it is (0 first; more after a worker died or the sync was busy). */
export interface TakenRun extends QueuedRun {
  attempt: number;
}

/**
 * The job queue behind `start --queue`: every worker puts runs in and takes runs out. A run put in twice
 * under one key (every worker's cron fires for the same scheduled time) is queued once.
 */
export interface RunQueue {
  /** Queue a run; with `key`, a run already queued (or done) under that key makes this a no-op. */
  enqueue(run: QueuedRun, key?: string): Promise<void>;
  /**
   * Take runs and hand each to `take`, up to this worker's concurrency at once, until `stop`. A run whose
   * `take` throws goes back to the queue for another attempt.
   */
  work(take: (run: TakenRun) => Promise<void>): Promise<void>;
  /** Take no more runs; wait up to `graceMs` for those in hand. */
  stop(graceMs: number): Promise<void>;
}
