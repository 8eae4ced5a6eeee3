// Public API of @reverse-etl/destination-segment. The default export is the plugin, as core loads it.
export { segmentDestination as default, segmentDestination } from "./segment-destination.js";
export type { SegmentDestinationOptions } from "./segment-destination-options.js";
export { SEGMENT_API_URL, SEGMENT_DEFAULTS, SEGMENT_EU_API_URL, segmentDestinationOptionsSchema } from "./segment-destination-options.js";
export type { SegmentCallType, SegmentSyncOptions, SegmentTrackSyncOptions } from "./segment-sync-options.js";
export { SEGMENT_CALLS, SEGMENT_COLUMN_OPTIONS, segmentSyncOptionsSchema } from "./segment-sync-options.js";
export type { BuiltMessage, MessageSettings, SegmentMessage } from "./segment-message.js";
export { buildMessage, CLIENT_ADDITIONS_BYTES, MAX_MESSAGE_BYTES, messageIdOf } from "./segment-message.js";
export { MAX_REQUEST_BYTES, REQUEST_BUDGET_BYTES } from "./segment-requests.js";
