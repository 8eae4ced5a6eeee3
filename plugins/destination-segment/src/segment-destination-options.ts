import { defineOptionsSchema } from "@reverse-etl/core";

/** Options of `@reverse-etl/destination-segment`, written beside `plugin` in the config. */
export interface SegmentDestinationOptions {
  /**
   * The write key of the Segment source the calls go to, e.g. `env("SEGMENT_WRITE_KEY")`. A secret: never
   * logged and never put in messages.
   */
  writeKey: string;
  /**
   * Tracking API host. Default `https://api.segment.io`; EU workspaces use `https://events.eu1.segmentapis.com`;
   * the emulator's URL (`reverse-etl emulate segment`) in tests.
   */
  baseUrl?: string;
  /** Calls per write (one batch request, split further when it would reach 500 KB). Default 500, at most 2500. */
  batchSize?: number;
  /** Batch requests in flight at once. Default 2. */
  maxConcurrency?: number;
  /**
   * Requests per second core's limiter stays under. Default 1000, the rate Segment asks a workspace not to
   * exceed; lower it when other sources share the workspace.
   */
  requestsPerSecond?: number;
  /** Milliseconds to wait for Segment's answer to one request. Default 10000 (the client's). */
  timeoutMs?: number;
}

/** Segment's Tracking API host (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/). */
export const SEGMENT_API_URL = "https://api.segment.io";
/** The host of EU workspaces (https://segment.com/docs/guides/regional-segment/). */
export const SEGMENT_EU_API_URL = "https://events.eu1.segmentapis.com";

/** Defaults of the options. */
export const SEGMENT_DEFAULTS = { batchSize: 500, maxConcurrency: 2, requestsPerSecond: 1000, timeoutMs: 10_000 } as const;

/** JSON schema of {@link SegmentDestinationOptions}, type-checked against it (defaults as {@link SEGMENT_DEFAULTS}). */
export const segmentDestinationOptionsSchema = defineOptionsSchema<SegmentDestinationOptions>({
  type: "object",
  properties: {
    writeKey: { type: "string", minLength: 1, secret: true, description: "Write key of the Segment source; use env(\"SEGMENT_WRITE_KEY\")." },
    baseUrl: {
      type: "string",
      minLength: 1,
      default: SEGMENT_API_URL,
      nullable: true,
      description: `Tracking API host. Default ${SEGMENT_API_URL}; EU workspaces: ${SEGMENT_EU_API_URL}.`,
    },
    batchSize: {
      type: "integer",
      minimum: 1,
      maximum: 2500,
      default: SEGMENT_DEFAULTS.batchSize,
      nullable: true,
      description: "Calls per write, sent as one batch request (split when it would reach 500 KB). Segment takes at most 2,500.",
    },
    maxConcurrency: { type: "integer", minimum: 1, maximum: 16, default: SEGMENT_DEFAULTS.maxConcurrency, nullable: true, description: "Batch requests in flight at once." },
    requestsPerSecond: {
      type: "integer",
      minimum: 1,
      default: SEGMENT_DEFAULTS.requestsPerSecond,
      nullable: true,
      description: "Requests per second core's limiter stays under (Segment: at most 1,000 per workspace).",
    },
    timeoutMs: { type: "integer", minimum: 100, default: SEGMENT_DEFAULTS.timeoutMs, nullable: true, description: "Milliseconds to wait for Segment's answer to one request." },
  },
  required: ["writeKey"],
  additionalProperties: false,
});
