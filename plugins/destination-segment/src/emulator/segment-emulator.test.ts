import { Analytics } from "@segment/analytics-node";
import { afterEach, describe, expect, it } from "vitest";
import segmentEmulator from "./index.js";
import { startSegmentEmulator } from "./segment-emulator.js";
import type { SegmentEmulator } from "./segment-emulator.js";

const KEY = "wk_emulator_test_1234";
let emulator: SegmentEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

/** POST a JSON body (or raw text) to the emulator. */
async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(`${emulator!.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString("base64")}` });

describe("the Segment emulator", () => {
  it("takes the official @segment/analytics-node client unchanged, pointed at it by host", async () => {
    emulator = await startSegmentEmulator({ writeKey: KEY });
    const analytics = new Analytics({ writeKey: KEY, host: emulator.url, flushAt: 10 });
    analytics.identify({ userId: "u1", traits: { plan: "pro" }, messageId: "m-1" });
    analytics.track({ userId: "u1", event: "Order Completed", properties: { total: 12.5 }, messageId: "m-2" });
    analytics.group({ userId: "u1", groupId: "g1", traits: { name: "Initech" }, messageId: "m-3" });
    await analytics.closeAndFlush();

    expect(emulator.requests).toMatchObject([{ method: "POST", path: "/v1/batch", status: 200, events: 3 }]);
    expect(emulator.messages.map((m) => [m.type, m.messageId, m.userId])).toEqual([
      ["identify", "m-1", "u1"],
      ["track", "m-2", "u1"],
      ["group", "m-3", "u1"],
    ]);
    expect(emulator.messages[1]).toMatchObject({ event: "Order Completed", properties: { total: 12.5 }, context: { library: { name: "@segment/analytics-node" } } });
    expect(emulator.messages[2]).toMatchObject({ groupId: "g1", traits: { name: "Initech" } });
  });

  it("answers the single-call endpoints, with the write key in the body or as the Basic auth user", async () => {
    emulator = await startSegmentEmulator({ writeKey: KEY });
    expect(await post("/v1/identify", { userId: "u1", traits: { a: 1 }, writeKey: KEY })).toMatchObject({ status: 200, body: { success: true } });
    expect(await post("/v1/track", { anonymousId: "a1", event: "Viewed" }, basic(KEY))).toMatchObject({ status: 200, body: { success: true } });
    // Without the colon, for backward compatibility (the HTTP API page's Basic authentication note).
    const bare = { authorization: `Basic ${Buffer.from(KEY).toString("base64")}` };
    expect(await post("/v1/group", { userId: "u1", groupId: "g1" }, bare)).toMatchObject({ status: 200 });
    expect(emulator.messages.map((m) => m.type)).toEqual(["identify", "track", "group"]);
    expect(emulator.received.every((r) => r.outcome === "accepted")).toBe(true);
    // Segment gives a call without a messageId one.
    expect(emulator.messages.every((m) => typeof m.messageId === "string" && m.messageId.startsWith("emulator-"))).toBe(true);
  });

  it("answers 200 to a wrong or missing write key and drops the calls, as Segment does", async () => {
    emulator = await startSegmentEmulator({ writeKey: KEY });
    expect(await post("/v1/batch", { batch: [{ type: "identify", userId: "u1" }], writeKey: "not-the-key" })).toMatchObject({ status: 200, body: { success: true } });
    expect(await post("/v1/track", { userId: "u1", event: "E" })).toMatchObject({ status: 200 });
    expect(emulator.messages).toEqual([]);
    expect(emulator.received.map((r) => [r.outcome, r.reason])).toEqual([
      ["dropped", "unknown write key"],
      ["dropped", "no write key (Basic auth user or writeKey in the body)"],
    ]);
  });

  it("refuses oversized requests and events with Segment's 400, taking nothing from them", async () => {
    emulator = await startSegmentEmulator({ writeKey: KEY });
    const call = (i: number, pad: number) => ({ type: "track", userId: `u${i}`, event: "E", properties: { pad: "x".repeat(pad) } });
    const tooLarge = { status: 400, body: { success: false, message: "Exceed payload limit" } };
    // 17 calls of 31,000 bytes: each under 32 KB, together over 500 KB.
    expect(await post("/v1/batch", { batch: Array.from({ length: 17 }, (_, i) => call(i, 31_000)), writeKey: KEY })).toMatchObject(tooLarge);
    // One call over 32 KB refuses its whole batch.
    expect(await post("/v1/batch", { batch: [call(1, 10), call(2, 33_000)], writeKey: KEY })).toMatchObject(tooLarge);
    expect(await post("/v1/track", { ...call(3, 33_000), writeKey: KEY })).toMatchObject(tooLarge);
    // 15 calls of 31,000 bytes (about 465 KB) fit.
    expect(await post("/v1/batch", { batch: Array.from({ length: 15 }, (_, i) => call(i, 31_000)), writeKey: KEY })).toMatchObject({ status: 200 });
    expect(emulator.messages).toHaveLength(15);
    expect(emulator.requests.map((r) => r.status)).toEqual([400, 400, 400, 200]);
  });

  it("answers 400 to invalid JSON and to a body that is not JSON", async () => {
    emulator = await startSegmentEmulator({ writeKey: KEY });
    expect(await post("/v1/batch", "{not json")).toMatchObject({ status: 400, body: { success: false, message: "Invalid JSON" } });
    expect(await post("/v1/batch", { batch: [] }, { "content-type": "text/plain" })).toMatchObject({ status: 400 });
    expect(await post("/v1/batch", { batch: "nope", writeKey: KEY })).toMatchObject({ status: 400 });
  });

  it("drops the calls Segment drops, each with its reason, and takes the rest of the batch", async () => {
    emulator = await startSegmentEmulator({ writeKey: KEY });
    const batch = [
      { type: "identify", traits: { a: 1 } },
      { type: "track", userId: "u1" },
      { type: "group", userId: "u1" },
      { type: "identify", userId: 42 },
      { type: "identify", userId: "u1", messageId: "m".repeat(100) },
      { type: "purchase", userId: "u1" },
      { type: "identify", userId: "u1", traits: [1] },
      { type: "identify", userId: "ok", messageId: "good" },
    ];
    expect(await post("/v1/batch", { batch, writeKey: KEY })).toMatchObject({ status: 200, body: { success: true } });
    expect(emulator.received.map((r) => r.reason ?? r.outcome)).toEqual([
      "no_user_anon_id: the call has neither userId nor anonymousId",
      "track call without an event name",
      "group call without a groupId",
      "userId must be a string",
      "messageId must be a string of fewer than 100 characters",
      'type "purchase" is not a call type (identify, track, page, screen, group, alias)',
      "traits must be an object",
      "accepted",
    ]);
    expect(emulator.messages.map((m) => m.messageId)).toEqual(["good"]);
    // More than 2,500 calls in one batch: all dropped.
    const many = Array.from({ length: 2501 }, (_, i) => ({ type: "identify", userId: `u${i}` }));
    expect(await post("/v1/batch", { batch: many, writeKey: KEY })).toMatchObject({ status: 200 });
    expect(emulator.messages).toHaveLength(1);
    expect(emulator.received.at(-1)!.reason).toBe("a batch of 2501 events is over Segment's 2,500");
  });

  it("merges the batch's context into each call's", async () => {
    emulator = await startSegmentEmulator({ writeKey: KEY });
    await post("/v1/batch", { batch: [{ type: "identify", userId: "u1", context: { ip: "1.2.3.4" } }], context: { app: { name: "x" }, ip: "0.0.0.0" }, writeKey: KEY });
    expect(emulator.messages[0]!.context).toEqual({ app: { name: "x" }, ip: "1.2.3.4" });
  });

  it("deduplicates by messageId: a copy is recorded as a duplicate and the first one is kept", async () => {
    let clock = 1_000_000;
    emulator = await startSegmentEmulator({ writeKey: KEY, now: () => clock, dedupWindowMs: 60_000 });
    const call = (plan: string) => ({ type: "identify", userId: "u1", messageId: "same", traits: { plan } });
    await post("/v1/batch", { batch: [call("free")], writeKey: KEY });
    await post("/v1/batch", { batch: [call("pro")], writeKey: KEY });
    expect(emulator.messages).toEqual([{ ...call("free") }]);
    expect(emulator.received.map((r) => r.outcome)).toEqual(["accepted", "duplicate"]);
    // Past the look-back window the messageId is forgotten.
    clock += 61_000;
    await post("/v1/batch", { batch: [call("pro")], writeKey: KEY });
    expect(emulator.messages.map((m) => (m.traits as { plan: string }).plan)).toEqual(["free", "pro"]);
  });

  it("answers 429 with Retry-After and X-RateLimit-Reset over its rate, until the window frees", async () => {
    let clock = 5_000;
    emulator = await startSegmentEmulator({ writeKey: KEY, requestsPerSecond: 2, now: () => clock });
    const body = { batch: [{ type: "identify", userId: "u1" }], writeKey: KEY };
    expect((await post("/v1/batch", body)).status).toBe(200);
    clock += 400;
    expect((await post("/v1/batch", body)).status).toBe(200);
    const limited = await post("/v1/batch", body);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    expect(limited.headers.get("x-ratelimit-reset")).toBe("1");
    clock += 601;
    expect((await post("/v1/batch", body)).status).toBe(200);
    expect(emulator.rateLimitStats).toEqual({ admitted: 3, limited: 1, maxInWindow: 2 });
  });

  it("paces the official client: it waits out the 429's Retry-After and delivers", async () => {
    emulator = await startSegmentEmulator({ writeKey: KEY, requestsPerSecond: 1 });
    const analytics = new Analytics({ writeKey: KEY, host: emulator.url, flushAt: 1 });
    analytics.track({ userId: "u1", event: "E", messageId: "m1" });
    analytics.track({ userId: "u2", event: "E", messageId: "m2" });
    await analytics.closeAndFlush();
    expect(emulator.requests.map((r) => [r.status, r.retryCount])).toEqual([
      [200, undefined],
      [429, undefined],
      [200, 1],
    ]);
    expect(emulator.messages.map((m) => m.messageId)).toEqual(["m1", "m2"]);
  });

  it("shows what it received over HTTP, and forgets it on reset", async () => {
    emulator = await startSegmentEmulator({ writeKey: KEY });
    await post("/v1/batch", { batch: [{ type: "identify", userId: "u1", messageId: "m" }], writeKey: KEY });
    const messages = (await (await fetch(`${emulator.url}/_emulator/messages`)).json()) as { messages: unknown[] };
    expect(messages.messages).toEqual([{ type: "identify", userId: "u1", messageId: "m" }]);
    const requests = (await (await fetch(`${emulator.url}/_emulator/requests`)).json()) as { requests: Array<Record<string, unknown>> };
    expect(requests.requests).toMatchObject([{ path: "/v1/batch", status: 200, events: 1 }]);
    // The write key is never kept.
    expect(JSON.stringify(requests)).not.toContain(KEY);
    await fetch(`${emulator.url}/_emulator/reset`, { method: "POST" });
    expect(emulator.messages).toEqual([]);
    expect(emulator.requests).toEqual([]);
  });

  it("is the package's emulator export, giving the plugin options that point at it", async () => {
    const running = await segmentEmulator.start({ writeKey: KEY, requestsPerSecond: 50 });
    try {
      expect(segmentEmulator).toMatchObject({ kind: "emulator", name: "segment" });
      expect(running.options).toEqual({ baseUrl: running.url, writeKey: KEY });
      const res = await fetch(`${running.url}/v1/identify`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ userId: "u", writeKey: KEY }) });
      expect(res.status).toBe(200);
    } finally {
      await running.close();
    }
  });
});
