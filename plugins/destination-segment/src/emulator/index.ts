// Public API of @reverse-etl/destination-segment/emulator: a local Segment HTTP Tracking API for tests,
// examples and CI. The default export is the emulator as `reverse-etl emulate segment` runs it (core's
// emulator contract).
export { segmentEmulator as default, segmentEmulator } from "./emulator-definition.js";
export { DEFAULT_WRITE_KEY, startSegmentEmulator } from "./segment-emulator.js";
export type { EmulatorRequest, SegmentEmulator, SegmentEmulatorOptions } from "./segment-emulator.js";
export type { ArrivalOutcome, ReceivedMessage } from "./emulator-inbox.js";
export { DEFAULT_DEDUP_WINDOW_MS } from "./emulator-inbox.js";
export type { CallType, SegmentCall } from "./emulator-calls.js";
export { CALL_TYPES } from "./emulator-calls.js";
export type { RateLimitStats } from "./emulator-limits.js";
export { DEFAULT_REQUESTS_PER_SECOND, MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_EVENT_BYTES } from "./emulator-limits.js";
