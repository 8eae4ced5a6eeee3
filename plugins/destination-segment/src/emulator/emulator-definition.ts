import { defineEmulator } from "@reverse-etl/core";
import type { StartEmulatorOptions } from "@reverse-etl/core";
import { DEFAULT_REQUESTS_PER_SECOND } from "./emulator-limits.js";
import { DEFAULT_WRITE_KEY, startSegmentEmulator } from "./segment-emulator.js";
import type { SegmentEmulator } from "./segment-emulator.js";

/**
 * The Segment destination's emulator, as `reverse-etl emulate segment` runs it: {@link startSegmentEmulator}
 * with the plugin options that point `@reverse-etl/destination-segment` at it (`{ baseUrl, writeKey }`).
 */
export const segmentEmulator = defineEmulator({
  name: "segment",
  description:
    "Segment's HTTP Tracking API in memory: /v1/batch and the single-call endpoints, write-key auth, the 32 KB and 500 KB limits with Segment's 400, per-call validation, deduplication by messageId and a rate limit with 429 and Retry-After. GET /_emulator/messages shows what it received.",
  options: {
    writeKey: { type: "string", description: "The write key the emulator accepts; calls with another are dropped, as Segment does.", default: DEFAULT_WRITE_KEY },
    requestsPerSecond: {
      type: "integer",
      description: "Requests allowed per rolling second before 429 with Retry-After (Segment: 1,000 per workspace).",
      default: DEFAULT_REQUESTS_PER_SECOND,
    },
  },
  async start(options) {
    const writeKey = stringOption(options, "writeKey");
    const requestsPerSecond = integerOption(options, "requestsPerSecond");
    return running(
      await startSegmentEmulator({
        ...(options.port !== undefined ? { port: options.port } : {}),
        ...(options.host !== undefined ? { host: options.host } : {}),
        ...(writeKey !== undefined ? { writeKey } : {}),
        ...(requestsPerSecond !== undefined ? { requestsPerSecond } : {}),
      }),
    );
  },
});

/** The running emulator with the options that point the plugin at it. */
export function running(emulator: SegmentEmulator): SegmentEmulator & { readonly options: { baseUrl: string; writeKey: string } } {
  return Object.assign(emulator, { options: { baseUrl: emulator.url, writeKey: emulator.writeKey } });
}

function stringOption(options: StartEmulatorOptions, name: string): string | undefined {
  const value = options[name];
  if (value === undefined || (typeof value === "string" && value !== "")) return value;
  throw new TypeError(`[reverse-etl] [segment-emulator] option ${name} must be a non-empty string.`);
}

function integerOption(options: StartEmulatorOptions, name: string): number | undefined {
  const value = options[name];
  if (value === undefined || (typeof value === "number" && Number.isInteger(value) && value >= 1)) return value;
  throw new TypeError(`[reverse-etl] [segment-emulator] option ${name} must be an integer of 1 or more, not ${JSON.stringify(value)}.`);
}
