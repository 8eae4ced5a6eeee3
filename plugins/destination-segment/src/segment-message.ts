import { createHash } from "node:crypto";
import type { FieldValue, OutgoingRecord } from "@reverse-etl/core";
import type { SegmentCallType, SegmentTrackSyncOptions } from "./segment-sync-options.js";
import { canonicalJson, idValue, timestampValue } from "./segment-values.js";

/** One Segment call as the plugin hands it to `@segment/analytics-node`. */
export interface SegmentMessage {
  readonly type: SegmentCallType;
  readonly userId?: string;
  readonly anonymousId?: string;
  /** Group calls. */
  readonly groupId?: string;
  /** Track calls. */
  readonly event?: string;
  /** Identify and group calls: the sync's fields. */
  readonly traits?: Record<string, FieldValue>;
  /** Track calls: the sync's fields. */
  readonly properties?: Record<string, FieldValue>;
  /** The sync's `context` option. */
  readonly context?: Record<string, unknown>;
  /** ISO 8601: the row's `timestampColumn`, else the time the run started. */
  readonly timestamp: string;
  /** Derived from the sync, the row's key and the call's content: see {@link messageIdOf}. */
  readonly messageId: string;
}

/** A built message and its size as sent, or why the row cannot be sent. */
export type BuiltMessage = { readonly message: SegmentMessage; readonly bytes: number } | { readonly rejected: string };

/**
 * Segment takes at most 32 KB per call and refuses the whole request over it
 * (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/#max-request-size).
 */
export const MAX_MESSAGE_BYTES = 32 * 1024;
/**
 * Bytes `@segment/analytics-node` adds to each call before sending (`integrations`, `context.library` and
 * `_metadata` with the Node version: about 160 in 3.1.0), counted generously so a call measured under the
 * limit stays under it as sent.
 */
export const CLIENT_ADDITIONS_BYTES = 256;

/** What building a message needs besides the record. */
export interface MessageSettings {
  /** Name of the sync: part of every messageId. */
  readonly sync: string;
  readonly call: SegmentCallType;
  /** The sync's options (a track sync's, the widest). */
  readonly options: SegmentTrackSyncOptions;
  /** ISO 8601 time of the run, for rows without a timestamp. */
  readonly runTime: string;
}

/**
 * The `messageId` of a call: a hash of the sync, the row's key and the call's content (ids, event, traits or
 * properties, context, and the timestamp when it comes from the row), never of the run. A call sent again
 * after a retry, a crash or a kill is therefore the same message, and Segment, which deduplicates on
 * `messageId` (https://segment.com/docs/guides/duplicate-data/), drops the copy. Under 100 characters, as
 * Segment requires.
 */
export function messageIdOf(sync: string, key: string, content: Record<string, unknown>): string {
  const hash = createHash("sha256").update(sync).update("\0").update(key).update("\0").update(canonicalJson(content));
  return `retl-${hash.digest("hex").slice(0, 40)}`;
}

/** Build the call a record makes, with its size, or say why the row cannot be sent. */
export function buildMessage(record: OutgoingRecord, settings: MessageSettings): BuiltMessage {
  const { call, options } = settings;
  const ids: { userId?: string; anonymousId?: string; groupId?: string } = {};
  for (const name of ["userId", "anonymousId", "groupId"] as const) {
    if (!(name in record.match)) continue;
    const converted = idValue(record.match[name]);
    if (!converted.ok) return { rejected: `match ${name} ${converted.message}` };
    if (converted.value !== undefined) ids[name] = converted.value;
  }
  // Every call needs a userId or an anonymousId, and a group call its groupId; Segment drops the others
  // silently (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/#errors).
  if (ids.userId === undefined && ids.anonymousId === undefined) {
    return { rejected: `the row has no ${Object.keys(record.match).filter((f) => f !== "groupId").join(" or ")} (null or empty), and Segment drops a call without a userId or an anonymousId` };
  }
  if (call === "group" && ids.groupId === undefined) return { rejected: "the row's groupId is null or empty, and Segment drops a group call without one" };

  let event: string | undefined;
  if (call === "track") {
    const fromColumn = options.eventColumn !== undefined ? idValue(record.optionValues?.eventColumn) : { ok: true as const, value: undefined };
    if (!fromColumn.ok) return { rejected: `the event column ${options.eventColumn} ${fromColumn.message}` };
    event = fromColumn.value ?? options.event;
    if (event === undefined) return { rejected: `the event column ${options.eventColumn} is null or empty and the sync sets no event to fall back on` };
  }
  const fromRow = options.timestampColumn !== undefined ? timestampValue(record.optionValues?.timestampColumn) : { ok: true as const, value: undefined };
  if (!fromRow.ok) return { rejected: `the timestamp column ${options.timestampColumn} ${fromRow.message}` };

  const bag = call === "track" ? "properties" : "traits";
  const content = {
    type: call,
    ...ids,
    ...(event !== undefined ? { event } : {}),
    [bag]: { ...record.fields },
    ...(options.context !== undefined ? { context: { ...options.context } } : {}),
  };
  // The run's time is not content: a call resent by a later run is still the same message.
  const messageId = messageIdOf(settings.sync, record.key, { ...content, timestamp: fromRow.value ?? null });
  const message = { ...content, timestamp: fromRow.value ?? settings.runTime, messageId } as SegmentMessage;
  const bytes = Buffer.byteLength(JSON.stringify(message)) + CLIENT_ADDITIONS_BYTES;
  if (bytes > MAX_MESSAGE_BYTES) {
    return {
      rejected: `the ${call} call of this row is ${bytes.toLocaleString("en-US")} bytes as sent, over Segment's limit of 32 KB (${MAX_MESSAGE_BYTES.toLocaleString("en-US")} bytes) per call, so it was not sent: map fewer or shorter columns`,
    };
  }
  return { message, bytes };
}
