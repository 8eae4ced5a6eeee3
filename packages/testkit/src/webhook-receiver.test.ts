import { afterEach, describe, expect, it } from "vitest";
import type { WebhookReceiver, WebhookReceiverOptions } from "./webhook-receiver.js";
import { startWebhookReceiver } from "./webhook-receiver.js";

const receivers: WebhookReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function start(options?: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const receiver = await startWebhookReceiver(options);
  receivers.push(receiver);
  return receiver;
}

function payload(operation: string, keys: number[], idempotencyKey: string, fields: Record<string, unknown> = { plan: "pro" }) {
  return {
    sync: "s",
    object: null,
    runId: "1",
    operation,
    idempotencyKey,
    records: keys.map((k) => ({ key: String(k), keyValue: k, match: {}, fields: operation === "delete" ? {} : { id: k, ...fields } })),
  };
}

async function post(receiver: WebhookReceiver, body: unknown, headers: Record<string, string> = {}) {
  const key = (body as { idempotencyKey?: string }).idempotencyKey ?? "";
  const response = await fetch(receiver.url, {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": key, ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

describe("startWebhookReceiver", () => {
  it("applies upserts and deletes and counts deliveries per record", async () => {
    const receiver = await start();
    expect(receiver.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/webhook$/);
    expect((await post(receiver, payload("upsert", [1, 2, 3], "a"))).status).toBe(200);
    expect((await post(receiver, payload("update", [2], "b", { plan: "free" }))).status).toBe(200);
    expect((await post(receiver, payload("delete", [3], "c"))).status).toBe(200);
    expect([...receiver.records.keys()]).toEqual(["1", "2"]);
    expect(receiver.records.get("2")).toEqual({ keyValue: 2, match: {}, fields: { id: 2, plan: "free" } });
    expect(Object.fromEntries(receiver.deliveries)).toEqual({ "1": 1, "2": 2, "3": 2 });
    expect(receiver.requests.map((r) => r.outcome)).toEqual(["applied", "applied", "applied"]);
  });

  it("answers a replayed Idempotency-Key again without re-applying it", async () => {
    const receiver = await start();
    const first = await post(receiver, payload("upsert", [1], "same"));
    const again = await post(receiver, payload("upsert", [1], "same", { plan: "changed" }));
    expect(again.status).toBe(200);
    expect(again.body).toBe(first.body);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(receiver.replays).toBe(1);
    expect(receiver.deliveries.get("1")).toBe(1);
    expect(receiver.records.get("1")?.fields).toEqual({ id: 1, plan: "pro" });
  });

  it("plays scripted faults in order, applying nothing for them", async () => {
    const receiver = await start({ faults: [{ status: 429, retryAfter: 1 }, { status: 503 }] });
    const limited = await post(receiver, payload("upsert", [1], "k"));
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    expect((await post(receiver, payload("upsert", [1], "k"))).status).toBe(503);
    expect(receiver.records.size).toBe(0);
    expect((await post(receiver, payload("upsert", [1], "k"))).status).toBe(200);
    expect(receiver.records.size).toBe(1);
    expect(receiver.replays).toBe(0);
    expect(receiver.requests.map((r) => r.status)).toEqual([429, 503, 200]);
  });

  it("drops the connection, before or after applying", async () => {
    const receiver = await start();
    receiver.injectFaults({ drop: true }, { drop: true, afterApply: true });
    await expect(post(receiver, payload("upsert", [1], "x"))).rejects.toThrow();
    expect(receiver.records.size).toBe(0);
    await expect(post(receiver, payload("upsert", [1], "x"))).rejects.toThrow();
    expect(receiver.records.size).toBe(1);
    // The sender retries the lost answer with the same key: answered, not applied twice.
    expect((await post(receiver, payload("upsert", [1], "x"))).status).toBe(200);
    expect(receiver.deliveries.get("1")).toBe(1);
    expect(receiver.replays).toBe(1);
    expect(receiver.requests.map((r) => r.status)).toEqual(["dropped", "dropped", 200]);
  });

  it("injects seeded background faults after the scripted ones", async () => {
    const statuses = async (seed: number) => {
      const receiver = await start({ faults: [{ status: 418 }], randomFaults: { rate: 0.5, seed, faults: [{ status: 429 }, { status: 503 }] } });
      const seen: number[] = [];
      for (let i = 0; i < 20; i++) seen.push((await post(receiver, payload("upsert", [i], `k${i}`))).status);
      return { seen, applied: receiver.records.size };
    };
    const first = await statuses(7);
    expect(first.seen[0]).toBe(418);
    expect(new Set(first.seen.slice(1))).toEqual(new Set([200, 429, 503]));
    expect(first.applied).toBe(first.seen.filter((s) => s === 200).length);
    expect(await statuses(7)).toEqual(first);
  });

  it("delays a request, then handles it", async () => {
    const receiver = await start({ faults: [{ delayMs: 50 }] });
    expect((await post(receiver, payload("upsert", [1], "d"))).status).toBe(200);
    expect(receiver.pendingFaults).toBe(0);
    expect(receiver.records.has("1")).toBe(true);
  });

  it("rejects matching records with per-record results and applies the rest", async () => {
    const receiver = await start();
    receiver.rejectRecord((record) => record.key === "2", "email is invalid");
    const answer = await post(receiver, payload("upsert", [1, 2, 3], "r"));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({
      results: [
        { key: "1", status: "ok" },
        { key: "2", status: "rejected", message: "email is invalid" },
        { key: "3", status: "ok" },
      ],
    });
    expect([...receiver.records.keys()]).toEqual(["1", "3"]);
  });

  it("answers 400 for a whole batch holding a bad record, applying none of it", async () => {
    const receiver = await start();
    receiver.rejectBatchWhen((record) => record.key === "2", "record 2 is bad");
    const answer = await post(receiver, payload("upsert", [1, 2], "b1"));
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ error: "record 2 is bad", key: "2" });
    expect(receiver.records.size).toBe(0);
    expect((await post(receiver, payload("upsert", [1], "b2"))).status).toBe(200);
    receiver.clearRules();
    expect((await post(receiver, payload("upsert", [2], "b3"))).status).toBe(200);
    expect([...receiver.records.keys()]).toEqual(["1", "2"]);
  });

  it("refuses missing credentials, wrong content types, bad payloads and oversized batches", async () => {
    const receiver = await start({ requiredHeaders: { Authorization: "Bearer secret" }, maxRecords: 2 });
    expect((await post(receiver, payload("upsert", [1], "1"))).status).toBe(401);
    const auth = { authorization: "Bearer secret" };
    expect((await post(receiver, payload("upsert", [1, 2, 3], "2"), auth)).status).toBe(413);
    expect((await post(receiver, { operation: "merge", records: [] }, auth)).status).toBe(400);
    const text = await fetch(receiver.url, { method: "POST", headers: { ...auth, "content-type": "text/plain" }, body: "x" });
    expect(text.status).toBe(415);
    expect((await fetch(receiver.url, { method: "HEAD" })).status).toBe(401);
    expect((await fetch(receiver.url, { method: "HEAD", headers: auth })).status).toBe(204);
    expect(receiver.records.size).toBe(0);
  });

  it("closes twice safely, even with a delayed request in flight", async () => {
    const receiver = await start({ faults: [{ delayMs: 60_000 }] });
    const pending = post(receiver, payload("upsert", [1], "z")).catch((error: unknown) => error);
    while (receiver.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    await receiver.close();
    await receiver.close();
    expect(await pending).toBeInstanceOf(Error);
    expect(receiver.records.size).toBe(0);
  });

  it("listens on the port it is given", async () => {
    const probe = await startWebhookReceiver();
    const port = Number(new URL(probe.url).port);
    await probe.close();
    const fixed = await startWebhookReceiver({ port });
    try {
      expect(new URL(fixed.url).port).toBe(String(port));
    } finally {
      await fixed.close();
    }
  });
});
