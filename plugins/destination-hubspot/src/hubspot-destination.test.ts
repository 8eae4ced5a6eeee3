import { randomUUID } from "node:crypto";
import { silentLogger } from "@reverse-etl/core";
import type { DestinationConnection, OutgoingRecord, WriteContext, WriteOperation, WriteOutcome } from "@reverse-etl/core";
import { startFaultProxy, testDestinationContract, type FaultProxy, type FaultRule } from "@reverse-etl/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { startHubSpotEmulator } from "./emulator/hubspot-emulator.js";
import type { HubSpotEmulator, HubSpotEmulatorOptions } from "./emulator/hubspot-emulator.js";
import type { HubSpotDestinationOptions } from "./hubspot-destination-options.js";
import { hubspotDestination } from "./hubspot-destination.js";

const started: HubSpotEmulator[] = [];
const proxies: FaultProxy[] = [];
afterAll(async () => {
  for (const proxy of proxies) await proxy.close();
  await Promise.all(started.map((e) => e.close()));
});

async function emulator(options?: HubSpotEmulatorOptions): Promise<HubSpotEmulator> {
  const e = await startHubSpotEmulator(options);
  started.push(e);
  return e;
}

/** A fault proxy in front of the emulator, closed with it. */
async function proxied(e: HubSpotEmulator, faults: readonly FaultRule[]): Promise<FaultProxy> {
  const proxy = await startFaultProxy({ target: e.url, faults });
  proxies.push(proxy);
  return proxy;
}

function connect(e: HubSpotEmulator, options: Partial<HubSpotDestinationOptions> = {}): Promise<DestinationConnection> {
  return hubspotDestination.connect(
    { accessToken: e.accessToken, baseUrl: e.url, ...options },
    { configDir: process.cwd(), name: "crm", logger: silentLogger },
  );
}

function context(object = "contacts"): WriteContext {
  return {
    sync: "customers",
    object,
    options: {},
    runId: "run-1",
    idempotencyKey: randomUUID(),
    signal: new AbortController().signal,
    acquireRequests: async () => undefined,
  };
}

function contact(i: number, email: string, fields: OutgoingRecord["fields"] = {}): OutgoingRecord {
  return { key: String(i), keyValue: i, match: { email }, fields: { firstname: `F${i}`, ...fields } };
}

async function write(connection: DestinationConnection, operation: WriteOperation, records: OutgoingRecord[], object?: string): Promise<WriteOutcome> {
  return connection.write(operation, records, context(object));
}

const contractEmulator = await emulator();
const contractSamples: OutgoingRecord[] = [
  { key: "1", keyValue: 1, match: { email: "ada@example.com" }, fields: { firstname: "Ada", lastname: "Lovelace" } },
  { key: "2", keyValue: 2, match: { email: "grace@example.com" }, fields: { firstname: "Grace \"Amazing\"", lastname: "Hopper, RADM" } },
  { key: "3", keyValue: 3, match: { email: "zoe@example.com" }, fields: { firstname: "Zoë 佐藤", lastname: "second\nline" } },
];
testDestinationContract({
  name: "hubspot",
  object: "contacts",
  connect: () => connect(contractEmulator),
  sampleRecords: contractSamples,
  readBack: async () => {
    const byEmail = new Map(contractEmulator.dump("contacts").map((r) => [r.properties.email, r.properties]));
    const held = new Map<string, Record<string, string>>();
    for (const sample of contractSamples) {
      const properties = byEmail.get(String(sample.match.email));
      if (properties) held.set(sample.key, { firstname: properties.firstname, lastname: properties.lastname });
    }
    return held;
  },
});

describe("hubspot destination", () => {
  it("declares HubSpot's batch size and the configured rate limits as they are: requests per 10 s (counted 200 ms longer) and per day", async () => {
    const e = await emulator();
    expect((await connect(e)).capabilities).toMatchObject({
      maxBatchSize: 100,
      rateLimits: [{ requests: 100, perMs: 10_200 }, { requests: 250_000, perMs: 86_400_000 }],
    });
    const custom = await connect(e, { rateLimit: { requestsPer10s: 190, daily: 625_000 }, maxConcurrency: 2 });
    expect(custom.capabilities).toMatchObject({
      maxConcurrency: 2,
      rateLimits: [{ requests: 190, perMs: 10_200 }, { requests: 625_000, perMs: 86_400_000 }],
    });
  });

  it("takes every request of a write beyond core's one from the limiter: a mirror delete reads then archives, two requests", async () => {
    const e = await emulator();
    e.seed("contacts", [{ email: "stay@example.com" }, { email: "go@example.com" }]);
    const connection = await connect(e);
    const acquired: number[] = [];
    const counting = (): WriteContext => ({ ...context(), acquireRequests: async (count = 1) => void acquired.push(count) });
    const requests = (from: number) => e.requestLog.slice(from).map((r) => r.path.split("/").slice(-2).join("/"));

    // The first write reads the object's properties before its upsert: core took one, the plugin one more.
    const upserted = await connection.write("upsert", [contact(1, "stay@example.com")], counting());
    expect(upserted).toEqual({ type: "results", results: [{ status: "ok", id: expect.any(String) }] });
    expect(acquired).toEqual([1]);
    expect(requests(0)).toEqual(["properties/contacts", "batch/upsert"]);

    acquired.length = 0;
    const mark = e.requestLog.length;
    const deleted = await connection.write("delete", [{ key: "2", keyValue: 2, match: { email: "go@example.com" }, fields: {} }], counting());
    expect(deleted).toEqual({ type: "results", results: [{ status: "ok" }] });
    expect(acquired).toEqual([1]);
    expect(requests(mark)).toEqual(["batch/read", "batch/archive"]);
    expect(e.dump("contacts").map((r) => r.properties.email)).toEqual(["stay@example.com"]);

    // A delete by record id needs no read: one request, the one core took.
    acquired.length = 0;
    const [stay] = e.dump("contacts");
    const byId = await connection.write("delete", [{ key: "1", keyValue: 1, match: { hs_object_id: stay!.id }, fields: {} }], counting());
    expect(byId).toEqual({ type: "results", results: [{ status: "ok" }] });
    expect(acquired).toEqual([]);
    expect(e.dump("contacts")).toEqual([]);
  });

  it("owes the requests made outside a write (check, describe) to the next write, which takes them from the limiter", async () => {
    const e = await emulator();
    const connection = await connect(e);
    await connection.check();
    await connection.describe("contacts");
    // Cached: no second properties read.
    await connection.describe("contacts");
    const acquired: number[] = [];
    const counting = (): WriteContext => ({ ...context(), acquireRequests: async (count = 1) => void acquired.push(count) });
    await connection.write("upsert", [contact(1, "a@example.com")], counting());
    await connection.write("upsert", [contact(2, "b@example.com")], counting());
    expect(e.requestLog.map((r) => r.path)).toEqual([
      "/account-info/v3/details",
      "/crm/v3/properties/contacts",
      "/crm/v3/objects/contacts/batch/upsert",
      "/crm/v3/objects/contacts/batch/upsert",
    ]);
    // Four requests: two writes took one each through core, the first write took the two owed ones.
    expect(acquired).toEqual([2]);
  });

  it("describes an object from the properties API: types, read-only, options, identifiers", async () => {
    const e = await emulator();
    const description = await (await connect(e)).describe("contacts");
    const fields = new Map(description.fields.map((f) => [f.name, f]));
    expect(fields.get("email")).toEqual({ name: "email", type: "string" });
    expect(fields.get("hs_object_id")).toMatchObject({ readOnly: true });
    expect(fields.get("num_associated_deals")).toMatchObject({ readOnly: true });
    expect(fields.get("lifecyclestage")?.options).toContain("customer");
    expect(fields.has("favourite_colour")).toBe(false);
    expect(description.identifiers).toEqual(expect.arrayContaining(["email", "hs_object_id"]));
    expect(description.requiresMatch).toBe(true);
    e.defineProperty("companies", { name: "external_id", type: "string", hasUniqueValue: true });
    expect((await (await connect(e)).describe("companies")).identifiers).toContain("external_id");
  });

  it("requires a match field for upsert, update and mirror syncs, but not for insert", async () => {
    const connection = await connect(await emulator());
    for (const mode of ["upsert", "update", "mirror"] as const) {
      expect((await connection.describe("contacts", { mode })).requiresMatch, mode).toBe(true);
    }
    expect((await connection.describe("contacts", { mode: "insert" })).requiresMatch).toBe(false);
    // An insert without match writes its fields through batch create.
    const inserted = await write(connection, "insert", [{ key: "9", keyValue: 9, match: {}, fields: { email: "nomatch@example.com", firstname: "No" } }]);
    expect(inserted).toMatchObject({ type: "results", results: [{ status: "ok" }] });
  });

  it("upserts by email: the first write creates, the second updates the same contact", async () => {
    const e = await emulator();
    const connection = await connect(e);
    const first = await write(connection, "upsert", [contact(1, "ada@example.com"), contact(2, "bob@example.com")]);
    expect(first.type).toBe("results");
    const ids = first.type === "results" ? first.results.map((r) => (r.status === "ok" ? r.id : undefined)) : [];
    expect(ids.every((id) => typeof id === "string")).toBe(true);
    const second = await write(connection, "upsert", [contact(1, "ada@example.com", { firstname: "Ada", lifecyclestage: "customer" })]);
    expect(second).toEqual({ type: "results", results: [{ status: "ok", id: ids[0] }] });
    expect(e.dump("contacts").map((r) => [r.properties.email, r.properties.firstname, r.properties.lifecyclestage])).toEqual([
      ["ada@example.com", "Ada", "customer"],
      ["bob@example.com", "F2", undefined],
    ]);
  });

  it("rejects an invalid email with HubSpot's message while the rest of the batch lands", async () => {
    const e = await emulator();
    const outcome = await write(await connect(e), "upsert", [contact(1, "ok@example.com"), contact(2, "not-an-email"), contact(3, "ok3@example.com")]);
    expect(outcome.type).toBe("results");
    if (outcome.type !== "results") return;
    expect(outcome.results.map((r) => r.status)).toEqual(["ok", "rejected", "ok"]);
    expect(outcome.results[1]).toMatchObject({ message: expect.stringContaining("Email address not-an-email is invalid") });
    expect(e.requestLog.filter((r) => r.path.endsWith("/batch/upsert")).map((r) => r.status)).toEqual([207]);
    expect(e.dump("contacts").map((r) => r.properties.email)).toEqual(["ok@example.com", "ok3@example.com"]);
  });

  it("converts values the way HubSpot expects and rejects values outside an enumeration before sending", async () => {
    const e = await emulator();
    e.defineProperty("contacts", { name: "interests", type: "enumeration", fieldType: "checkbox", options: ["sql", "crm", "etl"] });
    const connection = await connect(e);
    const outcome = await write(connection, "upsert", [
      contact(1, "a@example.com", {
        date_of_birth: "1990-05-17T00:00:00.000Z",
        hs_email_optout: true,
        interests: ["sql", "etl"],
        phone: 5551234,
      }),
      contact(2, "b@example.com", { lifecyclestage: "king" }),
      contact(3, "c@example.com", { date_of_birth: "yesterday" }),
    ]);
    expect(outcome.type === "results" && outcome.results.map((r) => r.status)).toEqual(["ok", "rejected", "rejected"]);
    if (outcome.type !== "results") return;
    expect(outcome.results[1]).toMatchObject({ message: expect.stringContaining('value "king" is not one of the options of property "lifecyclestage"') });
    expect(e.dump("contacts")).toEqual([
      { id: expect.any(String), properties: expect.objectContaining({ date_of_birth: "1990-05-17", hs_email_optout: "true", interests: "sql;etl", phone: "5551234" }) },
    ]);
    // Only the valid record was sent.
    expect(e.requestLog.at(-1)).toMatchObject({ inputs: 1 });
  });

  it("updates by a unique property and rejects rows whose record does not exist", async () => {
    const e = await emulator();
    e.seed("contacts", [{ email: "known@example.com", firstname: "Old" }]);
    const outcome = await write(await connect(e), "update", [contact(1, "known@example.com"), contact(2, "ghost@example.com")]);
    expect(outcome.type === "results" && outcome.results.map((r) => r.status)).toEqual(["ok", "rejected"]);
    if (outcome.type === "results") expect(outcome.results[1]).toMatchObject({ message: expect.stringContaining("no contacts record has this identifier") });
    expect(e.dump("contacts").map((r) => r.properties.firstname)).toEqual(["F1"]);
  });

  it("inserts with batch create; an email that exists is rejected per record (409 conflict)", async () => {
    const e = await emulator();
    e.seed("contacts", [{ email: "taken@example.com" }]);
    const outcome = await write(await connect(e), "insert", [contact(1, "new@example.com"), contact(2, "taken@example.com")]);
    expect(outcome.type === "results" && outcome.results.map((r) => r.status)).toEqual(["ok", "rejected"]);
    if (outcome.type === "results") expect(outcome.results[1]).toMatchObject({ message: expect.stringContaining("Contact already exists") });
  });

  it("mirror deletes find records by the match property and archive them", async () => {
    const e = await emulator();
    e.seed("contacts", [{ email: "stay@example.com" }, { email: "go@example.com" }]);
    const connection = await connect(e);
    const deleted = await write(connection, "delete", [
      { key: "2", keyValue: 2, match: { email: "go@example.com" }, fields: {} },
      { key: "9", keyValue: 9, match: { email: "never-existed@example.com" }, fields: {} },
    ]);
    expect(deleted).toEqual({ type: "results", results: [{ status: "ok" }, { status: "ok" }] });
    expect(e.dump("contacts").map((r) => r.properties.email)).toEqual(["stay@example.com"]);
    expect(e.requestLog.map((r) => r.path.split("/").slice(-2).join("/"))).toEqual(["properties/contacts", "batch/read", "batch/archive"]);
  });

  it("writes to a custom object by name, resolved through the schemas API, upserting by its unique property", async () => {
    const e = await emulator({
      customObjects: [{ name: "cars", properties: [{ name: "vin", type: "string", hasUniqueValue: true }, { name: "model", type: "string" }] }],
    });
    const connection = await connect(e);
    expect((await connection.describe("cars")).identifiers).toContain("vin");
    const record: OutgoingRecord = { key: "1", keyValue: 1, match: { vin: "VIN1" }, fields: { model: "T" } };
    expect(await write(connection, "upsert", [record], "cars")).toMatchObject({ type: "results", results: [{ status: "ok" }] });
    await write(connection, "upsert", [{ ...record, fields: { model: "S" } }], "cars");
    expect(e.dump("p_cars").map((r) => [r.properties.vin, r.properties.model])).toEqual([["VIN1", "S"]]);
    await expect(connection.describe("boats")).rejects.toThrow(/object "boats" is neither a standard object nor a custom object.*custom objects: cars/);
  });

  it("refuses a batch that HubSpot rejects as a whole, so core can halve it", async () => {
    const e = await emulator();
    // A property missing from the account: core's mapping check stops this before a run; HubSpot refuses it too.
    const connection = await connect(e);
    const outcome = await write(connection, "upsert", [contact(1, "a@example.com", { favourite_colour: "blue" })]);
    expect(outcome.type === "results" && outcome.results[0]).toMatchObject({ status: "rejected", message: expect.stringContaining("PROPERTY_DOESNT_EXIST") });
    // The next batch write is refused as a whole, as HubSpot does with a 400 that names no input.
    const proxy = await proxied(e, [{ method: "POST", path: "/crm/v3/objects/contacts/batch/", nth: [1], fault: { status: 400 } }]);
    const throughProxy = await connect(e, { baseUrl: proxy.url });
    await throughProxy.describe("contacts");
    const whole = await write(throughProxy, "upsert", [contact(1, "a@example.com")]);
    expect(whole.type).toBe("batch-rejected");
  });

  it("retries a 429 of the 10-second window after the interval HubSpot's headers give", async () => {
    const clock = Date.UTC(2024, 0, 1);
    const e = await emulator({ requestsPer10s: 2, now: () => clock });
    const connection = await connect(e);
    await connection.describe("contacts");
    await write(connection, "upsert", [contact(1, "a@example.com")]);
    const outcome = await write(connection, "upsert", [contact(2, "b@example.com")]);
    expect(outcome).toEqual({ type: "retry", retryAfterMs: 10_000, message: expect.stringContaining("ten_secondly_rolling limit") });
  });

  it("stops the run cleanly when the daily limit is spent", async () => {
    const e = await emulator({ dailyLimit: 1 });
    const connection = await connect(e);
    await connection.describe("contacts");
    const outcome = await write(connection, "upsert", [contact(1, "a@example.com")]);
    expect(outcome.type).toBe("stop");
    if (outcome.type === "stop") expect(outcome.message).toMatch(/daily API limit is spent/);
  });

  it("retries 5xx answers and network failures", async () => {
    const e = await emulator();
    const proxy = await proxied(e, [{ method: "POST", path: "/crm/v3/objects/contacts/batch/", nth: [1], fault: { status: 502 } }]);
    const connection = await connect(e, { baseUrl: proxy.url });
    await connection.describe("contacts");
    expect((await write(connection, "upsert", [contact(1, "a@example.com")])).type).toBe("retry");
    await e.close();
    expect((await write(connection, "upsert", [contact(1, "a@example.com")])).type).toBe("retry");
  });

  it("stops at once on a wrong token (401) or a missing scope (403), without showing the token", async () => {
    const e = await emulator({ tokens: [{ token: "read-only-token-123", scopes: ["crm.objects.contacts.read", "crm.schemas.contacts.read"] }] });
    const wrong = await write(await connect(e, { accessToken: "wrong-token-456" }), "upsert", [contact(1, "a@example.com")]);
    expect(wrong.type).toBe("fatal");
    if (wrong.type === "fatal") {
      expect(wrong.message).toMatch(/refused the access token \(HTTP 401 INVALID_AUTHENTICATION.*Check the accessToken option/s);
      expect(wrong.message).not.toContain("wrong-token-456");
    }
    const readOnly = await write(await connect(e, { accessToken: "read-only-token-123" }), "upsert", [contact(1, "a@example.com")]);
    expect(readOnly.type).toBe("fatal");
    if (readOnly.type === "fatal") {
      expect(readOnly.message).toContain("required: crm.objects.contacts.write");
      expect(readOnly.message).not.toContain("read-only-token-123");
    }
    await expect((await connect(e, { accessToken: "wrong-token-456" })).check()).rejects.toThrow(/HTTP 401/);
    await expect((await connect(e)).check()).resolves.toBeUndefined();
  });

  it("sends at most 100 inputs per request", async () => {
    const e = await emulator();
    const connection = await connect(e);
    expect(connection.capabilities.maxBatchSize).toBe(100);
    const records = Array.from({ length: 100 }, (_, i) => contact(i, `u${i}@example.com`));
    const outcome = await write(connection, "upsert", records);
    expect(outcome.type === "results" && outcome.results.every((r) => r.status === "ok")).toBe(true);
    expect(e.dump("contacts")).toHaveLength(100);
    expect(Math.max(...e.requestLog.map((r) => r.inputs ?? 0))).toBe(100);
  });
});
