import type { RateLimit } from "../plugins/destination.js";

/**
 * Keeps calls under every declared limit at once (e.g. 100 per 10 s and 250,000 per day), with an exact
 * sliding window per limit: a vendor that counts requests in a rolling window never sees more than
 * allowed, whatever the concurrency.
 */
export class SlidingWindowLimiter {
  readonly #windows: Array<{ limit: RateLimit; starts: number[]; head: number }>;
  #chain: Promise<void> = Promise.resolve();

  constructor(limits: readonly RateLimit[] = [], private readonly now: () => number = Date.now) {
    this.#windows = limits.filter((l) => l.requests > 0 && l.perMs > 0).map((limit) => ({ limit, starts: [], head: 0 }));
  }

  /**
   * Wait until `count` more requests fit under every limit, then count them. Requests are granted in
   * order, one at a time, so a request that costs more than a window holds still goes through.
   */
  acquire(signal?: AbortSignal, count = 1): Promise<void> {
    const turn = this.#chain.then(async () => {
      for (let i = 0; i < Math.max(1, Math.trunc(count)); i++) await this.#waitForSlot(signal);
    });
    this.#chain = turn.catch(() => undefined);
    return turn;
  }

  /** Push every window forward, e.g. after a 429 said the vendor's window is full until then. */
  pauseUntil(time: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, time);
  }

  #pausedUntil = 0;

  async #waitForSlot(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = this.now();
      let waitMs = Math.max(0, this.#pausedUntil - now);
      for (const w of this.#windows) {
        while (w.head < w.starts.length && w.starts[w.head]! <= now - w.limit.perMs) w.head++;
        if (w.head > 1024 && w.head * 2 > w.starts.length) {
          w.starts = w.starts.slice(w.head);
          w.head = 0;
        }
        const inWindow = w.starts.length - w.head;
        if (inWindow >= w.limit.requests) {
          const oldest = w.starts[w.starts.length - w.limit.requests]!;
          waitMs = Math.max(waitMs, oldest + w.limit.perMs - now + 1);
        }
      }
      if (waitMs === 0) {
        for (const w of this.#windows) w.starts.push(now);
        return;
      }
      await sleep(waitMs, signal);
    }
  }
}

/** Resolve after `ms`, or reject when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
