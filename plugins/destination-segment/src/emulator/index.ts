// Public API of @reverse-etl/destination-segment/emulator: a local Segment HTTP Tracking API for tests,
// examples and CI. The default export is the emulator as `reverse-etl emulate segment` runs it (core's
// emulator contract).
import type { SegmentEmulator } from "./segment-emulator.js";
import { running } from "./emulator-definition.js";
import { startSegmentEmulator } from "./segment-emulator.js";

export { segmentEmulator as default, segmentEmulator } from "./emulator-definition.js";
export { DEFAULT_WRITE_KEY, startSegmentEmulator } from "./segment-emulator.js";
export type { EmulatorFault, EmulatorRequest, SegmentEmulator, SegmentEmulatorOptions } from "./segment-emulator.js";
export type { ArrivalOutcome, ReceivedMessage } from "./emulator-inbox.js";
export { DEFAULT_DEDUP_WINDOW_MS } from "./emulator-inbox.js";
export type { CallType, SegmentCall } from "./emulator-calls.js";
export { CALL_TYPES } from "./emulator-calls.js";
export type { RateLimitStats } from "./emulator-limits.js";
export { DEFAULT_REQUESTS_PER_SECOND, MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_EVENT_BYTES } from "./emulator-limits.js";

/**
 * The emulator under the name `reverse-etl emulate` used before the emulator contract (`startEmulator`
 * taking `{ port, host, accessToken }` and resolving to `{ url, accessToken, close() }`): `accessToken` is
 * the write key.
 */
export async function startEmulator(options: {
  port?: number;
  host?: string;
  accessToken?: string;
}): Promise<SegmentEmulator & { readonly accessToken: string; readonly options: { baseUrl: string; writeKey: string } }> {
  const emulator = running(
    await startSegmentEmulator({
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.host !== undefined ? { host: options.host } : {}),
      ...(options.accessToken !== undefined ? { writeKey: options.accessToken } : {}),
    }),
  );
  return Object.assign(emulator, { accessToken: emulator.writeKey });
}
