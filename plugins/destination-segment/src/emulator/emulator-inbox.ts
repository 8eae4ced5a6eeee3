import { randomUUID } from "node:crypto";
import type { SegmentCall } from "./emulator-calls.js";

/**
 * Segment deduplicates on `messageId` over a look-back window of about 24 hours
 * (https://segment.com/docs/guides/duplicate-data/: "Segment deduplicates on the event's messageId, not on
 * the contents of the event payload").
 */
export const DEFAULT_DEDUP_WINDOW_MS = 24 * 60 * 60 * 1000;

/** What became of one message that arrived. */
export type ArrivalOutcome = "accepted" | "duplicate" | "dropped";

/** One message as it arrived, with what the emulator did with it. */
export interface ReceivedMessage {
  /** The call as sent, with the batch's `context` merged in and the `type` set. */
  readonly message: SegmentCall;
  /** Its `messageId` (the emulator gives one to a call that has none, as Segment does). */
  readonly messageId: string;
  /** `accepted`; `duplicate` (a messageId accepted within the window: dropped); `dropped` (invalid). */
  readonly outcome: ArrivalOutcome;
  /** Why it was dropped. */
  readonly reason?: string;
  /** Index of the request that carried it in the emulator's request log. */
  readonly request: number;
  /** Clock value when it arrived. */
  readonly receivedAt: number;
}

/** The messages an emulator holds: each accepted one once, and every arrival. */
export class EmulatorInbox {
  /** Accepted messages, one per messageId, in arrival order. */
  readonly messages: SegmentCall[] = [];
  /** Every message that arrived, copies and dropped ones included, in arrival order. */
  readonly received: ReceivedMessage[] = [];
  readonly #seen = new Map<string, number>();

  constructor(
    /** How long a messageId is remembered. */
    private readonly dedupWindowMs: number,
    private readonly now: () => number,
  ) {}

  /** Take one valid message: accepted, or a duplicate of one accepted within the window. */
  take(message: SegmentCall, request: number): ReceivedMessage {
    const now = this.now();
    const messageId = typeof message.messageId === "string" ? message.messageId : `emulator-${randomUUID()}`;
    const stored = { ...message, messageId };
    const seenAt = this.#seen.get(messageId);
    const duplicate = seenAt !== undefined && now - seenAt < this.dedupWindowMs;
    if (!duplicate) {
      this.#seen.set(messageId, now);
      this.messages.push(stored);
    }
    const arrival: ReceivedMessage = { message: stored, messageId, outcome: duplicate ? "duplicate" : "accepted", request, receivedAt: now };
    this.received.push(arrival);
    return arrival;
  }

  /** Record a message Segment drops, with the reason. */
  drop(message: SegmentCall, reason: string, request: number): ReceivedMessage {
    const messageId = typeof message.messageId === "string" ? message.messageId : "";
    const arrival: ReceivedMessage = { message, messageId, outcome: "dropped", reason, request, receivedAt: this.now() };
    this.received.push(arrival);
    return arrival;
  }

  /** Forget every message. */
  clear(): void {
    this.messages.length = 0;
    this.received.length = 0;
    this.#seen.clear();
  }
}
