import type { RateLimit } from "../plugins/destination.js";
import { SlidingWindowLimiter } from "./rate-limiter.js";

/**
 * A destination's request budget shared by every process that writes to it (several `reverse-etl start`
 * workers on one account), kept outside any one process, e.g. in PostgreSQL. Core takes every request of a
 * run from it when a caller passes one to `Project.sync`.
 */
export interface SharedRequestBudget {
  /**
   * Wait until `count` more requests to `destination` fit under every one of `limits` counted across all
   * the processes sharing the budget, then count them. Rejects when `signal` aborts.
   */
  acquire(destination: string, limits: readonly RateLimit[], count: number, signal?: AbortSignal): Promise<void>;
  /**
   * Hold every process's requests to `destination` for `ms` (a 429 said the vendor's window is full, e.g.
   * spent by another integration), so the others do not each run into it. Optional.
   */
  pause?(destination: string, ms: number): Promise<void>;
}

/** What paces a run's requests: a limiter of this process, or one that also draws on a shared budget. */
export interface RequestLimiter {
  /** Wait until `count` more requests fit, then count them. */
  acquire(signal?: AbortSignal, count?: number): Promise<void>;
  /** Hold every request until `time` (a 429 said the vendor's window is full until then). */
  pauseUntil(time: number): void;
}

/**
 * The limiter of a run: this process's sliding windows, and after them the shared budget when there is
 * one, so requests leave in order here and the sum over every process stays under the destination's limits.
 */
export function requestLimiter(destination: string, limits: readonly RateLimit[], shared?: SharedRequestBudget): RequestLimiter {
  const local = new SlidingWindowLimiter(limits);
  if (!shared || limits.length === 0) return local;
  let chain: Promise<void> = Promise.resolve();
  return {
    acquire(signal, count = 1) {
      // One shared acquisition at a time per run keeps this run's requests in order, as the local limiter does.
      const turn = chain.then(async () => {
        await local.acquire(signal, count);
        await shared.acquire(destination, limits, Math.max(1, Math.trunc(count)), signal);
      });
      chain = turn.catch(() => undefined);
      return turn;
    },
    pauseUntil(time) {
      local.pauseUntil(time);
      // Best effort: the run's own pause holds regardless; a failed write only leaves the others unwarned.
      void shared.pause?.(destination, time - Date.now()).catch(() => undefined);
    },
  };
}
