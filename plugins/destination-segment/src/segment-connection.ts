import { ConfigError, ConnectionError } from "@reverse-etl/core";
import type {
  DescribeContext,
  DestinationCapabilities,
  DestinationConnection,
  Logger,
  ObjectDescription,
  OutgoingRecord,
  RecordResult,
  WriteContext,
  WriteOperation,
  WriteOutcome,
} from "@reverse-etl/core";
import { outcomeOfAnswer } from "./segment-answer.js";
import { sendBatch } from "./segment-batch-sender.js";
import type { SenderSettings } from "./segment-batch-sender.js";
import { buildMessage } from "./segment-message.js";
import type { SegmentMessage } from "./segment-message.js";
import { envelopeBytes, packRequests } from "./segment-requests.js";
import { isSegmentCall, SEGMENT_CALLS } from "./segment-sync-options.js";
import type { SegmentTrackSyncOptions } from "./segment-sync-options.js";

/** Settings of a {@link SegmentConnection}, resolved from the plugin options. */
export interface SegmentConnectionSettings extends SenderSettings {
  /** Batch size, concurrency and rate limits. */
  readonly capabilities: DestinationCapabilities;
  /** Redacted plugin logger. */
  readonly logger: Logger;
}

const PREFIX = "[reverse-etl] [segment]";

/**
 * Sends a sync's rows to Segment's Tracking API as identify, track or group calls, in batch requests made by
 * `@segment/analytics-node`. `write` never throws; every answer becomes a write outcome, and the state of a
 * row advances (in core) only once Segment accepted the request that carried it.
 */
export class SegmentConnection implements DestinationConnection {
  readonly capabilities: DestinationCapabilities;
  /** The time each run started, as calls without a timestamp column carry it: the same for every retry. */
  #runTime: { runId: string; time: string } | undefined;
  #closed = false;

  constructor(private readonly settings: SegmentConnectionSettings) {
    this.capabilities = settings.capabilities;
  }

  async check(): Promise<void> {
    // An empty batch: Segment answers 200 to any write key (a wrong one is only seen in its debugger), so
    // this checks that baseUrl is a reachable Tracking API, not the key.
    let response: Response;
    try {
      response = await fetch(`${this.settings.baseUrl}/v1/batch`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Basic ${Buffer.from(`${this.settings.writeKey}:`).toString("base64")}` },
        body: JSON.stringify({ batch: [], writeKey: this.settings.writeKey }),
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
      await response.arrayBuffer();
    } catch {
      throw new ConnectionError(`${PREFIX} cannot reach Segment's Tracking API at ${this.settings.baseUrl}: check the baseUrl option and the network.`);
    }
    if (response.status >= 300) {
      throw new ConnectionError(`${PREFIX} ${this.settings.baseUrl}/v1/batch answered HTTP ${response.status}: check that baseUrl is Segment's Tracking API host.`);
    }
  }

  async describe(object: string | undefined, _context?: DescribeContext): Promise<ObjectDescription> {
    if (!isSegmentCall(object)) {
      throw new ConfigError(undefined, [
        {
          path: "object",
          message: `${object === undefined ? "a sync of destination plugin @reverse-etl/destination-segment has no object" : `"${object}" is not a Segment call`}: set the sync's object to ${SEGMENT_CALLS.join(", ")}`,
        },
      ]);
    }
    // Every call needs a userId or an anonymousId (https://segment.com/docs/connections/spec/common/), and
    // a group call its groupId (https://segment.com/docs/connections/spec/group/). Traits and properties
    // are free-form.
    const people = ["userId", "anonymousId"];
    return object === "group"
      ? { object, fields: [], acceptsAnyField: true, identifiers: ["groupId", ...people], requiresMatch: true, requiredIdentifiers: [["groupId"], people] }
      : { object, fields: [], acceptsAnyField: true, identifiers: people, requiresMatch: true, requiredIdentifiers: [people] };
  }

  async write(operation: WriteOperation, records: readonly OutgoingRecord[], context: WriteContext): Promise<WriteOutcome> {
    if (records.length === 0) return { type: "results", results: [] };
    if (this.#closed) return { type: "fatal", message: `${PREFIX} write called after close: this is a bug in the caller.` };
    const call = context.object;
    if (!isSegmentCall(call)) return { type: "fatal", message: `${PREFIX} the sync's object must be ${SEGMENT_CALLS.join(", ")}.` };
    if (operation === "delete" || operation === "update") {
      return { type: "fatal", message: `${PREFIX} Segment's Tracking API cannot ${operation} what it received: use mode upsert or insert.` };
    }
    if (this.#runTime?.runId !== context.runId) this.#runTime = { runId: context.runId, time: new Date().toISOString() };
    const settings = { sync: context.sync, call, options: context.options as SegmentTrackSyncOptions, runTime: this.#runTime.time };

    const results: Array<RecordResult | undefined> = records.map(() => undefined);
    const sendable: Array<{ index: number; message: SegmentMessage; bytes: number }> = [];
    for (const [index, record] of records.entries()) {
      const built = buildMessage(record, settings);
      if ("rejected" in built) results[index] = { status: "rejected", message: `${PREFIX} ${built.rejected}` };
      else sendable.push({ index, ...built });
    }
    const requests = packRequests(
      sendable.map((s) => s.bytes),
      envelopeBytes(this.settings.writeKey),
    );
    for (const [n, [start, end]] of requests.entries()) {
      const part = sendable.slice(start, end);
      // Core took one request for this write; the others are taken here, so limits count requests.
      if (n > 0) await context.acquireRequests(1);
      const sent = await sendBatch(this.settings, part.map((p) => p.message), context.signal);
      const outcome = outcomeOfAnswer(sent.request, `${call} of ${part.length} call${part.length === 1 ? "" : "s"}`, this.settings.baseUrl);
      this.settings.logger.debug("segment batch request", {
        sync: context.sync,
        calls: part.length,
        bytes: sent.request?.bytes,
        status: sent.request?.kind === "answered" ? sent.request.status : sent.request?.kind,
      });
      switch (outcome.type) {
        case "accepted":
          for (const p of part) {
            const reason = sent.refused.get(p.message.messageId);
            if (reason !== undefined) results[p.index] = { status: "rejected", message: `${PREFIX} the client refused the call: ${reason}` };
            // A call neither refused nor sent (the client made no request): never counted as delivered.
            else if (sent.request === undefined) results[p.index] = { status: "retryable", message: `${PREFIX} the client sent no request for the call.` };
            else results[p.index] = { status: "ok" };
          }
          break;
        case "refused":
          // Segment refused the request whole without naming a call: core halves the write until the bad
          // call is alone. Calls already accepted are sent again with the same messageIds: Segment drops them.
          if (part.length > 1 || sendable.length > 1) return { type: "batch-rejected", message: outcome.message };
          results[part[0]!.index] = { status: "rejected", message: outcome.message };
          break;
        case "retry":
          // No connection could be made and nothing of the write was settled: say so for the whole batch,
          // so core stops a run whose destination cannot be reached.
          if (outcome.connection && start === 0 && results.every((r) => r === undefined)) {
            return { type: "retry", message: outcome.message, connection: outcome.connection };
          }
          // This request and those not sent yet are retried by core; the accepted ones are done.
          for (const p of sendable.slice(start)) results[p.index] = { status: "retryable", message: outcome.message, ...(outcome.retryAfterMs ? { retryAfterMs: outcome.retryAfterMs } : {}) };
          return { type: "results", results: results.map((r) => r!) };
        case "fatal":
          return { type: "fatal", message: outcome.message, ...(outcome.credentials ? { credentials: true } : {}) };
      }
    }
    return {
      type: "results",
      results: results.map((r) => r ?? { status: "retryable", message: `${PREFIX} the call was not sent (a bug in the plugin's batching).` }),
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}
