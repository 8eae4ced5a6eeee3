import { isPluginEmulator } from "@reverse-etl/core";
import { startFaultProxy } from "@reverse-etl/testkit";
import type { FaultProxy } from "@reverse-etl/testkit";
import { afterEach, describe, expect, it } from "vitest";
import webhookEmulator from "./index.js";
import type { WebhookReceiver, WebhookReceiverOptions } from "./webhook-receiver.js";
import { startWebhookReceiver } from "./webhook-receiver.js";

const receivers: WebhookReceiver[] = [];
const proxies: FaultProxy[] = [];
afterEach(async () => {
  await Promise.all([...proxies.splice(0), ...receivers.splice(0)].map((r) => r.close()));
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
    expect(receiver.options).toEqual({ url: receiver.url });
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

  it("behind the fault proxy, an answer lost after applying is replayed to the retry, not applied twice", async () => {
    const receiver = await start();
    const proxy = await startFaultProxy({
      target: receiver.url,
      faults: [
        { nth: [1], fault: "drop" },
        { nth: [2], fault: { when: "after", connection: "drop" } },
      ],
    });
    proxies.push(proxy);
    const through = { ...receiver, url: proxy.url } as WebhookReceiver;
    await expect(post(through, payload("upsert", [1], "x"))).rejects.toThrow();
    expect(receiver.records.size).toBe(0);
    await expect(post(through, payload("upsert", [1], "x"))).rejects.toThrow();
    expect(receiver.records.size).toBe(1);
    // The sender retries the lost answer with the same key: answered, not applied twice.
    expect((await post(through, payload("upsert", [1], "x"))).status).toBe(200);
    expect(receiver.deliveries.get("1")).toBe(1);
    expect(receiver.replays).toBe(1);
    expect(receiver.requests.map((r) => r.outcome)).toEqual(["applied", "replayed"]);
    expect(proxy.requests.map((r) => r.outcome)).toEqual(["dropped", "dropped", 200]);
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

  it("closes twice safely", async () => {
    const receiver = await start();
    await receiver.close();
    await receiver.close();
    await expect(post(receiver, payload("upsert", [1], "z"))).rejects.toThrow();
    expect(receiver.records.size).toBe(0);
  });

  it("lists what it holds at GET /_emulator/records, without counting that as a request", async () => {
    const receiver = await start({ requiredHeaders: { authorization: "Bearer t" } });
    await post(receiver, payload("upsert", [1, 2], "l"), { authorization: "Bearer t" });
    const listed = await fetch(new URL("/_emulator/records", receiver.url));
    expect(await listed.json()).toEqual({
      results: [
        { key: "1", keyValue: 1, match: {}, fields: { id: 1, plan: "pro" } },
        { key: "2", keyValue: 2, match: {}, fields: { id: 2, plan: "pro" } },
      ],
    });
    expect((await fetch(new URL("/_emulator/nothing", receiver.url))).status).toBe(404);
    expect(receiver.requests).toHaveLength(1);
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

describe("the webhook emulator (default export of ./emulator)", () => {
  it("is an emulator named webhook whose options are its own flags", () => {
    expect(isPluginEmulator(webhookEmulator)).toBe(true);
    expect(webhookEmulator.name).toBe("webhook");
    expect(Object.entries(webhookEmulator.options).map(([name, option]) => [name, option.type])).toEqual([
      ["authorization", "string"],
      ["maxRecords", "integer"],
    ]);
  });

  it("starts a receiver whose options point the webhook destination at it, with the required authorization header", async () => {
    const running = await webhookEmulator.start({ port: 0, host: "127.0.0.1", authorization: "Bearer emulated", maxRecords: 1 });
    receivers.push(running as WebhookReceiver);
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/webhook$/);
    expect(running.options).toEqual({ url: running.url, headers: { authorization: "Bearer emulated" } });
    const receiver = running as WebhookReceiver;
    expect((await post(receiver, payload("upsert", [1], "e1"))).status).toBe(401);
    expect((await post(receiver, payload("upsert", [1, 2], "e2"), { authorization: "Bearer emulated" })).status).toBe(413);
    expect((await post(receiver, payload("upsert", [1], "e3"), { authorization: "Bearer emulated" })).status).toBe(200);
  });

  it("refuses options of the wrong type, naming them", async () => {
    await expect(webhookEmulator.start({ maxRecords: "many" })).rejects.toThrow(
      '[reverse-etl] [webhook-emulator] option maxRecords must be an integer of 1 or more, not "many".',
    );
  });
});
