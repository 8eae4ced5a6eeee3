import v8 from "node:v8";

/** How far the JS heap may grow over the data still live after a collection before the next one: 50 %. */
export const HEAP_GROWING_PERCENT = 50;

let applied = false;

/**
 * Keep a long sync's memory near what it holds. A sync allocates its rows in batches that live for the
 * time it takes to send and commit them, then die. V8 lets the heap grow to about four times the live data
 * before collecting it again: a sync holding 45 MB of batches peaks near 200 MB of heap, all of it garbage.
 * Growing by 50 % at most keeps that peak under 90 MB, at the cost of a major collection (about 15 ms)
 * every few seconds: measured in bench/ (`npm run bench:postgres`). It is a growth rate, not a limit: a
 * run that truly holds more memory still gets it. Process-wide, so only programs that run syncs call it:
 * the CLI at start-up, and the benchmarks, which measure the CLI's settings.
 */
export function limitHeapGrowth(): void {
  if (applied) return;
  applied = true;
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
