// A destination that accepts every record and keeps nothing: it lets the benchmark measure the engine
// (warehouse diff, streaming, batching, queueing, state commits) without any I/O of a real tool.
// It is a real plugin object, built with the same `defineDestinationPlugin` as published plugins.
import { defineDestinationPlugin } from "@reverse-etl/core";

/** Counters of what the null destination received in this process, so the bench can check the run. */
export const nullDestinationStats = { batches: 0, records: 0, byOperation: { upsert: 0, update: 0, insert: 0, delete: 0 } };

// One shared, frozen result: allocating a result per record would be the destination's cost, not core's.
const OK = Object.freeze({ status: "ok" });
const DEFERRED = Object.freeze({ status: "deferred" });

/**
 * BENCH_NULL_ACK=flush answers like a bulk job instead: every write `deferred`, then one result per record
 * at `flush()`, so core commits the run's state by key (the path of Salesforce's Bulk API) at the end.
 */
const ackAtFlush = process.env.BENCH_NULL_ACK === "flush";

/**
 * BENCH_NULL_BATCH_SIZE: records a batch (default 10,000), to see what the batches in flight cost beside a
 * real destination's (HubSpot's batch upserts take 100).
 */
const batchSize = Number(process.env.BENCH_NULL_BATCH_SIZE ?? 10000);
if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`[reverse-etl] [bench] BENCH_NULL_BATCH_SIZE: "${process.env.BENCH_NULL_BATCH_SIZE}" is not a whole number >= 1. Example: BENCH_NULL_BATCH_SIZE=100`);

/** The null destination plugin: every mode, batches of 10,000 (BENCH_NULL_BATCH_SIZE), two writes in flight, no rate limit. */
const nullDestination = defineDestinationPlugin({
  name: "null",
  optionsSchema: { type: "object", properties: {}, additionalProperties: false },
  async connect() {
    const deferredKeys = [];
    return {
      capabilities: { modes: ["upsert", "update", "insert", "mirror"], maxBatchSize: batchSize, maxConcurrency: 2 },
      async check() {},
      async describe(object) {
        return { object, fields: [], identifiers: [], acceptsAnyField: true };
      },
      async write(operation, records) {
        nullDestinationStats.batches += 1;
        nullDestinationStats.records += records.length;
        nullDestinationStats.byOperation[operation] += records.length;
        if (!ackAtFlush) return { type: "results", results: new Array(records.length).fill(OK) };
        for (const record of records) deferredKeys.push(record.key);
        return { type: "results", results: new Array(records.length).fill(DEFERRED) };
      },
      ...(ackAtFlush ? { async flush() {
        const results = new Map(deferredKeys.map((key) => [key, OK]));
        deferredKeys.length = 0;
        return { type: "results", results };
      } } : {}),
      async close() {},
    };
  },
});

export default nullDestination;
