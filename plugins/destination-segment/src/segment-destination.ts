import { ConnectionError, defineDestinationPlugin } from "@reverse-etl/core";
import { SegmentConnection } from "./segment-connection.js";
import type { SegmentDestinationOptions } from "./segment-destination-options.js";
import { SEGMENT_API_URL, SEGMENT_DEFAULTS, segmentDestinationOptionsSchema } from "./segment-destination-options.js";
import { SEGMENT_COLUMN_OPTIONS, segmentSyncOptionsSchema } from "./segment-sync-options.js";

/** Sends identify, track and group calls to Segment's Tracking API through `@segment/analytics-node`. */
export const segmentDestination = defineDestinationPlugin<SegmentDestinationOptions>({
  name: "segment",
  optionsSchema: segmentDestinationOptionsSchema,
  syncOptionsSchema: segmentSyncOptionsSchema,
  columnOptions: SEGMENT_COLUMN_OPTIONS,
  async connect(options, context) {
    const baseUrl = (options.baseUrl ?? SEGMENT_API_URL).replace(/\/+$/, "");
    try {
      const url = new URL(baseUrl);
      if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("protocol");
    } catch {
      throw new ConnectionError(
        `[reverse-etl] [segment] destination ${context.name}: baseUrl is not an http(s) URL; leave it out for ${SEGMENT_API_URL} or give the emulator's URL.`,
      );
    }
    return new SegmentConnection({
      writeKey: options.writeKey,
      baseUrl,
      timeoutMs: options.timeoutMs ?? SEGMENT_DEFAULTS.timeoutMs,
      logger: context.logger,
      capabilities: {
        // The Tracking API records calls; it cannot delete or update-only what it received, so no mirror or update.
        modes: ["upsert", "insert"],
        maxBatchSize: options.batchSize ?? SEGMENT_DEFAULTS.batchSize,
        maxConcurrency: options.maxConcurrency ?? SEGMENT_DEFAULTS.maxConcurrency,
        // "Segment recommends you to not exceed 1,000 requests per second" per workspace
        // (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/#rate-limits).
        rateLimits: [{ requests: options.requestsPerSecond ?? SEGMENT_DEFAULTS.requestsPerSecond, perMs: 1000 }],
      },
    });
  },
});
