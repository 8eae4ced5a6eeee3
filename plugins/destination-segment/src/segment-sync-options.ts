import { defineOptionsSchema } from "@reverse-etl/core";
import type { JsonSchema } from "@reverse-etl/core";

/** The Segment calls a sync can make: its `object`. */
export const SEGMENT_CALLS = ["identify", "track", "group"] as const;

/** One of {@link SEGMENT_CALLS}. */
export type SegmentCallType = (typeof SEGMENT_CALLS)[number];

/** Whether `object` names a Segment call. */
export function isSegmentCall(object: string | undefined): object is SegmentCallType {
  return SEGMENT_CALLS.includes(object as SegmentCallType);
}

/** A sync's `options` for the identify and group calls (validated by {@link segmentSyncOptionsSchema}). */
export interface SegmentSyncOptions {
  /** The model column holding each call's time (a timestamp or date); otherwise the time the run started. */
  timestampColumn?: string;
  /** `context` values sent with every call, e.g. `{ "app": { "name": "warehouse" } }`. */
  context?: Record<string, unknown>;
}

/** A track sync's `options`: one of `event` and `eventColumn` is required. */
export interface SegmentTrackSyncOptions extends SegmentSyncOptions {
  /** The event name of every call (`"Order Completed"`); with `eventColumn`, of the rows whose column is null. */
  event?: string;
  /** The model column holding each row's event name. */
  eventColumn?: string;
}

/** Sync options naming a model column: core reads those columns and hands their values to each record. */
export const SEGMENT_COLUMN_OPTIONS = ["eventColumn", "timestampColumn"] as const;

const timestampColumn = {
  type: "string",
  minLength: 1,
  nullable: true,
  description: "Model column holding each call's time (timestamp or date); without it, the time the run started.",
} as const;
const context = { type: "object", required: [], nullable: true, description: "Context values sent with every call (Segment's common field context)." } as const;
const event = {
  type: "string",
  minLength: 1,
  nullable: true,
  description: 'a track sync needs an event: the name of every call, e.g. "Order Completed", or eventColumn, the model column that holds it',
} as const;

const identifySchema = defineOptionsSchema<SegmentSyncOptions>({ type: "object", properties: { timestampColumn, context }, additionalProperties: false });
const groupSchema = identifySchema;
const trackSchema = defineOptionsSchema<SegmentTrackSyncOptions>({
  type: "object",
  properties: {
    event,
    eventColumn: { type: "string", minLength: 1, nullable: true, description: "Model column holding each row's event name." },
    timestampColumn,
    context,
  },
  additionalProperties: false,
  // Segment drops a track call without an event name (https://segment.com/docs/connections/spec/track/#event):
  // refuse the sync instead. With eventColumn, event is the name of the rows whose column is null.
  if: { not: { required: ["eventColumn"] } },
  // (`properties` repeated in `then` so that the missing-property message can quote the description.)
  then: { required: ["event"], properties: { event } },
});

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
