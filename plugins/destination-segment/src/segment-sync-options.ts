import type { JsonSchema } from "@reverse-etl/core";

/** The Segment calls a sync can make: its `object`. */
export const SEGMENT_CALLS = ["identify", "track", "group"] as const;

/** One of {@link SEGMENT_CALLS}. */
export type SegmentCallType = (typeof SEGMENT_CALLS)[number];

/** Whether `object` names a Segment call. */
export function isSegmentCall(object: string | undefined): object is SegmentCallType {
  return SEGMENT_CALLS.includes(object as SegmentCallType);
}

/** A sync's `options` for the Segment destination (validated per call by {@link segmentSyncOptionsSchema}). */
export interface SegmentSyncOptions {
  /** Track: the event name of every call (`"Order Completed"`); with `eventColumn`, of the rows whose column is null. */
  readonly event?: string;
  /** Track: the model column holding each row's event name. */
  readonly eventColumn?: string;
  /** The model column holding each call's time (a timestamp or date); otherwise the time the run started. */
  readonly timestampColumn?: string;
  /** `context` values sent with every call, e.g. `{ "app": { "name": "warehouse" } }`. */
  readonly context?: Readonly<Record<string, unknown>>;
}

/** Sync options naming a model column: core reads those columns and hands their values to each record. */
export const SEGMENT_COLUMN_OPTIONS = ["eventColumn", "timestampColumn"] as const;

const timestampColumn = {
  type: "string",
  minLength: 1,
  description: "Model column holding each call's time (timestamp or date); without it, the time the run started.",
};
const context = { type: "object", description: "Context values sent with every call (Segment's common field context)." };

const identifySchema: JsonSchema = { type: "object", properties: { timestampColumn, context }, additionalProperties: false };
const groupSchema: JsonSchema = identifySchema;
const event = {
  type: "string",
  minLength: 1,
  description: 'a track sync needs an event: the name of every call, e.g. "Order Completed", or eventColumn, the model column that holds it',
};
const trackSchema: JsonSchema = {
  type: "object",
  properties: {
    event,
    eventColumn: { type: "string", minLength: 1, description: "Model column holding each row's event name." },
    timestampColumn,
    context,
  },
  additionalProperties: false,
  // Segment drops a track call without an event name (https://segment.com/docs/connections/spec/track/#event):
  // refuse the sync instead. With eventColumn, event is the name of the rows whose column is null.
  if: { not: { required: ["eventColumn"] } },
  // (`properties` repeated in `then` so that the missing-property message can quote the description.)
  then: { required: ["event"], properties: { event } },
};

/** The sync options schema of each call; other objects take none (and `describe` refuses them). */
export function segmentSyncOptionsSchema(object: string | undefined): JsonSchema | undefined {
  switch (object) {
    case "identify":
      return identifySchema;
    case "track":
      return trackSchema;
    case "group":
      return groupSchema;
    default:
      return undefined;
  }
}
