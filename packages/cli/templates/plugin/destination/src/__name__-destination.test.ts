import { randomUUID } from "node:crypto";
import { ConnectionError, silentLogger } from "@reverse-etl/core";
import type { DestinationConnection, FieldValue, OutgoingRecord, PluginContext, WriteContext } from "@reverse-etl/core";
import { startFaultProxy, testDestinationContract } from "@reverse-etl/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { start__Name__Emulator, type __Name__Emulator } from "./emulator/index.js";
import __nameCamel__Destination, { type __Name__DestinationOptions } from "./index.js";

// Every test talks to the emulator: a real HTTP server with __Title__'s rules, never a stub.
const emulators: __Name__Emulator[] = [];
async function emulator(options: Parameters<typeof start__Name__Emulator>[0] = {}): Promise<__Name__Emulator> {
  const started = await start__Name__Emulator(options);
  emulators.push(started);
  return started;
}
afterAll(() => Promise.all(emulators.map((e) => e.close())));

// These tests call the connection directly, without core's rate limiter: a generous limit keeps them clear of
// 429s, and the rate-limit test starts an emulator of its own.
const api = await emulator({ requestsPerSecond: 1000 });
const context: PluginContext = { configDir: process.cwd(), name: "__name__", logger: silentLogger };

function connect(to: __Name__Emulator, options: Partial<__Name__DestinationOptions> = {}): Promise<DestinationConnection> {
  return __nameCamel__Destination.connect({ baseUrl: to.url, apiKey: to.apiKey, ...options }, context);
}

/** Records as core hands them to `write`: `match` from the sync's `match`, `fields` from its `fields`. */
const sampleRecords: OutgoingRecord[] = [
  { key: "1", keyValue: 1, match: { email: "ada@example.com" }, fields: { name: "Ada Lovelace", plan: "pro", ltv: 1234.5, active: true } },
  { key: "2", keyValue: 2, match: { email: "grace@example.com" }, fields: { name: 'Grace "Amazing" Hopper', plan: "free", ltv: 0, active: false } },
  { key: "3", keyValue: 3, match: { email: "zoë@example.com" }, fields: { name: "Zoë 佐藤\nsecond line", plan: null, ltv: -1, active: true } },
];

testDestinationContract({
  name: "__name__",
  object: "contacts",
  syncOptions: { tag: "reverse-etl" },
  sampleRecords,
  connect: () => connect(api),
  // What __Title__ holds now, by the key of the record that wrote it.
  readBack: async ({ object }) => {
    const held = new Map<string, Record<string, FieldValue>>();
    for (const record of sampleRecords) {
      const stored = api.find(object ?? "contacts", record.match);
      if (stored) held.set(record.key, stored.fields);
    }
    return held;
  },
});

/** A `WriteContext` as core gives one, for calling `write` directly. */
function writeContext(options: Record<string, unknown> = {}): WriteContext {
  return {
    sync: "contacts_to___name__",
    object: "contacts",
    options,
    runId: randomUUID(),
    signal: new AbortController().signal,
    acquireRequests: async () => undefined,
    idempotencyKey: randomUUID(),
  };
}

/** Connect to `to`, write one batch, close; the outcome. */
async function writeTo(
  to: __Name__Emulator,
  records: readonly OutgoingRecord[],
  { options = {}, syncOptions = {} }: { options?: Partial<__Name__DestinationOptions>; syncOptions?: Record<string, unknown> } = {},
) {
  const connection = await connect(to, options);
  try {
    return await connection.write("upsert", records, writeContext(syncOptions));
  } finally {
    await connection.close();
  }
}

describe("__name__ write outcomes, against the emulator", () => {
  it("rejects the one invalid record of a batch, with __Title__'s reason, and accepts the others", async () => {
    const records = [sampleRecords[0]!, { ...sampleRecords[1]!, fields: { plan: "gold" } }];
    const outcome = await writeTo(api, records);
    expect(outcome).toEqual({
      type: "results",
      results: [
        { status: "ok", id: expect.any(String) },
        { status: "rejected", message: "invalid_value: plan must be one of free, pro, enterprise, not \"gold\"" },
      ],
    });
  });

  it("tags every record with the sync's tag option", async () => {
    await writeTo(api, [sampleRecords[0]!], { syncOptions: { tag: "from-the-warehouse" } });
    expect(api.find("contacts", sampleRecords[0]!.match)?.tag).toBe("from-the-warehouse");
  });

  it("retries the batch after the Retry-After of a 429 when over the rate limit", async () => {
    const limited = await emulator({ requestsPerSecond: 1 });
    await writeTo(limited, [sampleRecords[0]!]);
    expect(await writeTo(limited, [sampleRecords[1]!])).toMatchObject({ type: "retry", retryAfterMs: 1000 });
  });

  it("stops the run when the daily quota is spent", async () => {
    const quota = await emulator({ dailyQuota: 1 });
    await writeTo(quota, [sampleRecords[0]!]);
    expect(await writeTo(quota, [sampleRecords[1]!])).toMatchObject({ type: "stop", message: expect.stringContaining("daily request quota") });
  });

  it("retries the batch when __Title__ fails with a 5xx", async () => {
    // Outages come from the testkit's fault proxy in front of the emulator, which stays a copy of the API.
    const proxy = await startFaultProxy({ target: api.url, faults: [{ nth: [1], fault: { status: 503 } }] });
    try {
      const outcome = await writeTo(api, [sampleRecords[0]!], { options: { baseUrl: proxy.url } });
      expect(outcome).toMatchObject({ type: "retry", message: expect.stringContaining("HTTP 503") });
    } finally {
      await proxy.close();
    }
  });

  it("rejects the whole batch when __Title__ refuses it, so core halves it", async () => {
    const tooMany = Array.from({ length: 101 }, (_, i) => ({ ...sampleRecords[0]!, key: String(i), match: { email: `user${i}@example.com` } }));
    expect(await writeTo(api, tooMany)).toMatchObject({ type: "batch-rejected", message: expect.stringContaining("at most 100") });
  });

  it("stops at once when the API key is refused, and check() says which option to fix", async () => {
    const wrongKey = await connect(api, { apiKey: "not-the-key" });
    try {
      await expect(wrongKey.check()).rejects.toThrow(ConnectionError);
      await expect(wrongKey.check()).rejects.toThrow(/check the apiKey option/);
    } finally {
      await wrongKey.close();
    }
    expect(await writeTo(api, [sampleRecords[0]!], { options: { apiKey: "not-the-key" } })).toMatchObject({ type: "fatal" });
  });
});
