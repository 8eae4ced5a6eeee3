import { Analytics } from "@segment/analytics-node";
import type { SegmentMessage } from "./segment-message.js";
import { OneRequestTransport } from "./segment-transport.js";
import type { RequestRecord } from "./segment-transport.js";

/** Where and how to send. */
export interface SenderSettings {
  /** Write key of the source (secret). */
  readonly writeKey: string;
  /** Tracking API host, without trailing slash. */
  readonly baseUrl: string;
  /** Milliseconds to wait for an answer. */
  readonly timeoutMs: number;
}

/** What sending one batch request came to. */
export interface SentBatch {
  /** The request made (none when every call was refused before it). */
  readonly request: RequestRecord | undefined;
  /** Calls the client refused before sending, by messageId, with its reason. */
  readonly refused: ReadonlyMap<string, string>;
}

/**
 * Send `messages` as exactly one batch request through the official `@segment/analytics-node`. A client is
 * made for the request with `flushAt` set to the number of calls, so they leave together as one batch, and
 * `maxRetries: 0`, so a failure is reported at once instead of retried behind core's back (the transport
 * also keeps the client from waiting on 429s by itself). Core then retries with backoff and Retry-After,
 * counting every request against the declared rate limits. Every call carries its own `messageId`, so a
 * request sent again is deduplicated by Segment.
 */
export async function sendBatch(settings: SenderSettings, messages: readonly SegmentMessage[], signal: AbortSignal): Promise<SentBatch> {
  const transport = new OneRequestTransport(signal);
  const analytics = new Analytics({
    writeKey: settings.writeKey,
    host: settings.baseUrl,
    path: "/v1/batch",
    maxRetries: 0,
    flushAt: Math.max(1, messages.length),
    // Never reached: the batch leaves when full, or at closeAndFlush below.
    flushInterval: 60_000,
    httpRequestTimeout: settings.timeoutMs,
    httpClient: transport,
  });
  const refused = new Map<string, string>();
  // Delivery failures arrive here (the per-call callbacks would wait a legacy 300 ms each first).
  analytics.on("error", (error) => {
    const messageId = (error as { ctx?: { event?: { messageId?: string } } }).ctx?.event?.messageId;
    const reason = (error as { reason?: unknown }).reason;
    if (messageId !== undefined) refused.set(messageId, reason instanceof Error ? reason.message : String(reason));
  });
  for (const message of messages) {
    try {
      dispatch(analytics, message);
    } catch (error) {
      // The client validates calls as they are made (ids must be strings, a track needs an event name).
      refused.set(message.messageId, error instanceof Error ? error.message : String(error));
    }
  }
  await analytics.closeAndFlush({ timeout: settings.timeoutMs + 5_000 });
  const request = transport.requests[0];
  // Failures of the request itself are told by `request`; what remains are calls refused before it.
  if (request !== undefined && !(request.kind === "answered" && request.status < 400)) refused.clear();
  return { request, refused };
}

function dispatch(analytics: Analytics, message: SegmentMessage): void {
  const identity =
    message.userId !== undefined ? { userId: message.userId, ...(message.anonymousId !== undefined ? { anonymousId: message.anonymousId } : {}) } : { anonymousId: message.anonymousId! };
  const common = { ...identity, timestamp: message.timestamp, messageId: message.messageId, ...(message.context !== undefined ? { context: message.context } : {}) };
  switch (message.type) {
    case "identify":
      analytics.identify({ ...common, traits: message.traits });
      return;
    case "track":
      analytics.track({ ...common, event: message.event!, properties: message.properties });
      return;
    case "group":
      analytics.group({ ...common, groupId: message.groupId!, traits: message.traits });
      return;
  }
}
