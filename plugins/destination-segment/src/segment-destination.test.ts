import { ConfigError, ConnectionError, silentLogger } from "@reverse-etl/core";
import type { DestinationConnection, FieldValue, OutgoingRecord, WriteContext } from "@reverse-etl/core";
import { startFaultProxy, testDestinationContract, type FaultProxy, type FaultRule } from "@reverse-etl/testkit";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { startSegmentEmulator } from "./emulator/segment-emulator.js";
import type { SegmentEmulator } from "./emulator/segment-emulator.js";
import { segmentDestination } from "./segment-destination.js";
import { packRequests } from "./segment-requests.js";
import { timestampValue } from "./segment-values.js";

const KEY = "wk_plugin_test_5ecr3t";
let emulator: SegmentEmulator | undefined;
let connection: DestinationConnection | undefined;
let proxy: FaultProxy | undefined;
afterEach(async () => {
  await connection?.close();
  await proxy?.close();
  proxy = undefined;
  await emulator?.close();
  emulator = undefined;
  connection = undefined;
});

async function connect(options: Record<string, unknown> = {}): Promise<DestinationConnection> {
  emulator ??= await startSegmentEmulator({ writeKey: KEY });
  connection = await segmentDestination.connect({ writeKey: KEY, baseUrl: emulator.url, ...options }, { configDir: ".", name: "cdp", logger: silentLogger });
  return connection;
}

/** A connection through the testkit's fault proxy, in front of the emulator. */
async function connectThrough(faults: readonly FaultRule[]): Promise<DestinationConnection> {
  emulator ??= await startSegmentEmulator({ writeKey: KEY });
  proxy = await startFaultProxy({ target: emulator.url, faults });
  return connect({ baseUrl: proxy.url });
}

/** A write context; `acquired` counts the extra requests the write took. */
function writeContext(object: string, options: Record<string, unknown> = {}, sync = "users_to_segment", runId = "run-1") {
  const acquired = { count: 0 };
  const context: WriteContext = {
    sync,
    object,
    options,
    runId,
    signal: new AbortController().signal,
    idempotencyKey: "unused",
    async acquireRequests(count = 1) {
      acquired.count += count;
    },
  };
  return { context, acquired };
}

function record(key: string, match: OutgoingRecord["match"], fields: OutgoingRecord["fields"], optionValues?: OutgoingRecord["optionValues"]): OutgoingRecord {
  return { key, keyValue: key, match, fields, ...(optionValues ? { optionValues } : {}) };
}

// The conformance suite every destination passes, for each call, reading back what the emulator accepted.
const contractEmulator = await startSegmentEmulator({ writeKey: KEY });
afterAll(() => contractEmulator.close());
for (const [object, syncOptions, bag] of [
  ["identify", {}, "traits"],
  ["track", { event: "Contract Checked" }, "properties"],
  ["group", {}, "traits"],
] as const) {
  testDestinationContract({
    name: `segment-${object}`,
    object,
    syncOptions,
    sampleMatch: (i) => ({ userId: `user-${i + 1}`, ...(object === "group" ? { groupId: `group-${i + 1}` } : {}) }),
    connect: () => segmentDestination.connect({ writeKey: KEY, baseUrl: contractEmulator.url }, { configDir: ".", name: "cdp", logger: silentLogger }),
    readBack: async () => {
      const held = new Map<string, Record<string, FieldValue>>();
      for (const m of contractEmulator.messages) {
        if (m.type === object) held.set(String(m.userId).replace("user-", ""), m[bag] as Record<string, FieldValue>);
      }
      return held;
    },
  });
}

describe("Segment destination", () => {
  it("sends identify calls with ids as strings, the fields as traits, the run's time, and a messageId of sync, key and content", async () => {
    const c = await connect();
    const records = [record("7", { userId: 7 }, { email: "a@example.com", ltv: 12.5, tags: ["x"] }), record("8", { anonymousId: "anon-8" }, { email: null })];
    const { context } = writeContext("identify");
    expect(await c.write("upsert", records, context)).toEqual({ type: "results", results: [{ status: "ok" }, { status: "ok" }] });
    const [first, second] = emulator!.messages;
    expect(first).toMatchObject({ type: "identify", userId: "7", traits: { email: "a@example.com", ltv: 12.5, tags: ["x"] } });
    expect(second).toMatchObject({ type: "identify", anonymousId: "anon-8", traits: { email: null } });
    expect(first!.timestamp).toBe(second!.timestamp);
    expect(first!.messageId).toMatch(/^retl-[0-9a-f]{40}$/);

    // The same row sent again, by another run: the same messageId, so Segment drops the copy.
    await c.write("upsert", [records[0]!], writeContext("identify", {}, "users_to_segment", "run-2").context);
    expect(emulator!.received.map((r) => r.outcome)).toEqual(["accepted", "accepted", "duplicate"]);
    expect(emulator!.received[2]!.messageId).toBe(first!.messageId);
    // Other content, or another sync: another message.
    await c.write("upsert", [record("7", { userId: 7 }, { email: "b@example.com", ltv: 12.5, tags: ["x"] })], context);
    await c.write("upsert", [records[0]!], writeContext("identify", {}, "other_sync").context);
    expect(new Set(emulator!.messages.map((m) => m.messageId)).size).toBe(4);
  });

  it("sends track calls named by the event column (or the fixed event when it is null), at the timestamp column's time", async () => {
    const c = await connect();
    const options = { eventColumn: "event_name", event: "Unnamed Event", timestampColumn: "occurred_at", context: { source: "warehouse" } };
    const records = [
      record("1", { userId: "u1" }, { total: 10 }, { eventColumn: "Order Completed", timestampColumn: "2024-03-01T10:00:00.000Z" }),
      record("2", { userId: "u2" }, { total: 20 }, { eventColumn: null, timestampColumn: "2024-03-02" }),
    ];
    const outcome = await c.write("insert", records, writeContext("track", options).context);
    expect(outcome).toEqual({ type: "results", results: [{ status: "ok" }, { status: "ok" }] });
    expect(emulator!.messages.map((m) => [m.event, m.timestamp, m.properties, (m.context as { source?: string }).source])).toEqual([
      ["Order Completed", "2024-03-01T10:00:00.000Z", { total: 10 }, "warehouse"],
      ["Unnamed Event", "2024-03-02T00:00:00.000Z", { total: 20 }, "warehouse"],
    ]);
  });

  it("rejects, before the network, rows Segment would drop or refuse: no identity, no groupId, no event, a bad timestamp, a call over 32 KB", async () => {
    const c = await connect();
    const group = await c.write(
      "upsert",
      [record("1", { groupId: "g1", userId: null }, {}), record("2", { groupId: null, userId: "u2" }, {}), record("3", { groupId: "g3", userId: "u3" }, { name: "x".repeat(40_000) }), record("4", { groupId: 4, userId: "u4" }, { name: "Initech" })],
      writeContext("group").context,
    );
    expect(group).toEqual({
      type: "results",
      results: [
        { status: "rejected", message: "[reverse-etl] [segment] the row has no userId (null or empty), and Segment drops a call without a userId or an anonymousId" },
        { status: "rejected", message: "[reverse-etl] [segment] the row's groupId is null or empty, and Segment drops a group call without one" },
        {
          status: "rejected",
          message: expect.stringMatching(/^\[reverse-etl\] \[segment\] the group call of this row is 40,\d{3} bytes as sent, over Segment's limit of 32 KB \(32,768 bytes\) per call, so it was not sent/),
        },
        { status: "ok" },
      ],
    });
    const track = await c.write(
      "insert",
      [record("5", { userId: "u5" }, {}, { eventColumn: null }), record("6", { userId: "u6" }, {}, { eventColumn: "E", timestampColumn: "yesterday" })],
      writeContext("track", { eventColumn: "event_name", timestampColumn: "at" }).context,
    );
    expect(track).toEqual({
      type: "results",
      results: [
        { status: "rejected", message: "[reverse-etl] [segment] the event column event_name is null or empty and the sync sets no event to fall back on" },
        { status: "rejected", message: '[reverse-etl] [segment] the timestamp column at holds "yesterday", not an ISO 8601 timestamp or date' },
      ],
    });
    // Only the valid group call reached Segment, in one request.
    expect(emulator!.requests).toHaveLength(1);
    expect(emulator!.messages.map((m) => m.groupId)).toEqual(["4"]);
  });

  it("splits a write into requests under 500 KB measured in bytes, taking a request from the limiter for each one after the first", async () => {
    const c = await connect({ batchSize: 1000 });
    // Multi-byte text: the client's own size check would count these far lower than their bytes.
    const records = Array.from({ length: 600 }, (_, i) => record(String(i), { userId: `u${i}` }, { bio: "é€😀".repeat(300) }));
    const { context, acquired } = writeContext("identify");
    const outcome = await c.write("upsert", records, context);
    expect(outcome.type === "results" && outcome.results.every((r) => r.status === "ok")).toBe(true);
    expect(emulator!.messages).toHaveLength(600);
    expect(emulator!.requests.length).toBeGreaterThan(1);
    expect(emulator!.requests.every((r) => r.status === 200 && r.bytes <= 500_000)).toBe(true);
    expect(acquired.count).toBe(emulator!.requests.length - 1);
  });

  it("makes exactly one request per attempt: a 500 or a 429 is handed to core to retry, with Retry-After, and the client does not retry behind it", async () => {
    const c = await connectThrough([
      { nth: [1], fault: { status: 500, body: { success: false, message: "Internal Server Error" } } },
      { nth: [2], fault: { status: 429, retryAfterSeconds: 3 } },
    ]);
    const records = [record("1", { userId: "u1" }, { a: 1 }), record("2", { userId: "u2" }, { a: 2 })];
    expect(await c.write("upsert", records, writeContext("identify").context)).toEqual({
      type: "results",
      results: records.map(() => ({ status: "retryable", message: "[reverse-etl] [segment] identify of 2 calls: HTTP 500: Internal Server Error" })),
    });
    expect(await c.write("upsert", records, writeContext("identify").context)).toEqual({
      type: "results",
      results: records.map(() => ({ status: "retryable", message: "[reverse-etl] [segment] identify of 2 calls: rate limited by Segment (HTTP 429)", retryAfterMs: 3000 })),
    });
    expect(proxy!.requests.map((r) => r.outcome)).toEqual([500, 429]);
    expect(emulator!.requests).toEqual([]);
  });

  it("hands a request Segment refused whole (400) to core to halve, and rejects a lone call with Segment's message", async () => {
    const tooLarge = { status: 400, body: { success: false, message: "Exceed payload limit" } };
    const c = await connectThrough([{ nth: [1, 2], fault: tooLarge }]);
    const two = [record("1", { userId: "u1" }, {}), record("2", { userId: "u2" }, {})];
    expect(await c.write("upsert", two, writeContext("identify").context)).toEqual({
      type: "batch-rejected",
      message: "[reverse-etl] [segment] Segment refused the request (HTTP 400: Exceed payload limit)",
    });
    expect(await c.write("upsert", [two[0]!], writeContext("identify").context)).toEqual({
      type: "results",
      results: [{ status: "rejected", message: "[reverse-etl] [segment] Segment refused the request (HTTP 400: Exceed payload limit)" }],
    });
  });

  it("reports a refused connection as a retry of the whole batch that says so, and check() says the host cannot be reached", async () => {
    const closed = await startSegmentEmulator();
    const url = closed.url;
    await closed.close();
    const c = await segmentDestination.connect({ writeKey: KEY, baseUrl: url }, { configDir: ".", name: "cdp", logger: silentLogger });
    const outcome = await c.write("upsert", [record("1", { userId: "u1" }, {})], writeContext("identify").context);
    expect(outcome).toEqual({ type: "retry", connection: "refused", message: "[reverse-etl] [segment] identify of 1 call: network error (ECONNREFUSED)" });
    await expect(c.check()).rejects.toThrow(ConnectionError);
    await expect(c.check()).rejects.toThrow(`cannot reach Segment's Tracking API at ${url}`);
    await (await connect()).check();
  });

  it("describes the calls: identifiers, required ones, and refuses an object that is not a call", async () => {
    const c = await connect();
    expect(await c.describe("group")).toEqual({
      object: "group",
      fields: [],
      acceptsAnyField: true,
      identifiers: ["groupId", "userId", "anonymousId"],
      requiresMatch: true,
      requiredIdentifiers: [["groupId"], ["userId", "anonymousId"]],
    });
    expect((await c.describe("track")).requiredIdentifiers).toEqual([["userId", "anonymousId"]]);
    await expect(c.describe("page")).rejects.toThrow(ConfigError);
    await expect(c.describe("page")).rejects.toThrow('"page" is not a Segment call: set the sync\'s object to identify, track, group');
    expect(c.capabilities.modes).toEqual(["upsert", "insert"]);
    expect(c.capabilities.rateLimits).toEqual([{ requests: 1000, perMs: 1000 }]);
  });
});

describe("request packing and values", () => {
  it("packs calls into consecutive requests under the byte budget and the call count", () => {
    expect(packRequests([100, 100, 100], 50, 300)).toEqual([[0, 2], [2, 3]]);
    expect(packRequests([100, 100, 100, 100], 0, 10_000, 3)).toEqual([[0, 3], [3, 4]]);
    expect(packRequests([], 50)).toEqual([]);
  });

  it("reads timestamps and dates as UTC ISO 8601", () => {
    expect(timestampValue("2024-03-01 10:00:00")).toEqual({ ok: true, value: "2024-03-01T10:00:00.000Z" });
    expect(timestampValue("2024-03-01T10:00:00+02:00")).toEqual({ ok: true, value: "2024-03-01T08:00:00.000Z" });
    expect(timestampValue(null)).toEqual({ ok: true, value: undefined });
    expect(timestampValue(1_700_000_000)).toEqual({ ok: false, message: "holds a number, not a timestamp or a date" });
  });
});
