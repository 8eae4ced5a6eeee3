/**
 * What Segment's Tracking API accepts as a call, and why it drops the others. Segment answers 200 to such
 * calls and drops them silently (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/#errors),
 * so the emulator records the reason where a test can read it, and answers 200 too.
 */

/** A call as it arrives: one item of a batch, or the body of a single-call request. */
export type SegmentCall = Record<string, unknown>;

/** The call types of the Tracking API (https://segment.com/docs/connections/spec/). */
export const CALL_TYPES = ["identify", "track", "page", "screen", "group", "alias"] as const;

/** One of {@link CALL_TYPES}. */
export type CallType = (typeof CALL_TYPES)[number];

/**
 * `messageId`s must have fewer than 100 characters
 * (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/#errors, "Deduplication").
 */
export const MAX_MESSAGE_ID_LENGTH = 99;

function nonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value.length > 0;
}

/**
 * Why Segment drops `call`, or undefined when it takes it. `type` is the call's type: the path of a
 * single-call request, or the item's own `type` in a batch.
 */
export function dropReason(call: SegmentCall, type: string | undefined): string | undefined {
  // Batch: "Each call must have a type property with a valid method name"
  // (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/#batch).
  if (!CALL_TYPES.includes(type as CallType)) {
    return `type ${JSON.stringify(type ?? null)} is not a call type (${CALL_TYPES.join(", ")})`;
  }
  const messageId = call.messageId;
  if (messageId !== undefined && (typeof messageId !== "string" || messageId.length > MAX_MESSAGE_ID_LENGTH)) {
    return `messageId must be a string of fewer than 100 characters`;
  }
  if (type === "alias") {
    // Alias needs the previous and the new id (https://segment.com/docs/connections/spec/alias/).
    if (!nonEmptyString(call.previousId) || !nonEmptyString(call.userId)) return "alias needs previousId and userId";
    return undefined;
  }
  // "The HTTP API requires that each payload has a userId and/or anonymousId": no_user_anon_id
  // (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/#errors; the spec's common
  // fields, https://segment.com/docs/connections/spec/common/, give both as strings).
  for (const id of ["userId", "anonymousId"] as const) {
    if (call[id] !== undefined && call[id] !== null && typeof call[id] !== "string") return `${id} must be a string`;
  }
  if (!nonEmptyString(call.userId) && !nonEmptyString(call.anonymousId)) return "no_user_anon_id: the call has neither userId nor anonymousId";
  // "All Track events sent to Segment must have an event field" (same page).
  if (type === "track" && !nonEmptyString(call.event)) return "track call without an event name";
  // A group call names the group it associates the user with (https://segment.com/docs/connections/spec/group/).
  if (type === "group" && !nonEmptyString(call.groupId)) return "group call without a groupId";
  // Traits and properties are objects (https://segment.com/docs/connections/spec/identify/#traits,
  // https://segment.com/docs/connections/spec/track/#properties).
  for (const bag of ["traits", "properties", "context"] as const) {
    const value = call[bag];
    if (value !== undefined && (typeof value !== "object" || value === null || Array.isArray(value))) return `${bag} must be an object`;
  }
  return undefined;
}
