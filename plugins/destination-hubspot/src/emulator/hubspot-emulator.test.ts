import { Client } from "@hubspot/api-client";
import { isPluginEmulator } from "@reverse-etl/core";
import { startFaultProxy } from "@reverse-etl/testkit";
import { afterAll, describe, expect, it } from "vitest";
import hubspotEmulator, { hubspotRateLimitAnswer, startEmulator } from "./index.js";
import { startHubSpotEmulator } from "./hubspot-emulator.js";
import type { HubSpotEmulator, HubSpotEmulatorOptions } from "./hubspot-emulator.js";

const started: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  await Promise.all(started.map((e) => e.close()));
});

async function emulator(options?: HubSpotEmulatorOptions): Promise<HubSpotEmulator> {
  const e = await startHubSpotEmulator(options);
  started.push(e);
  return e;
}

/** The official SDK, unchanged, pointed at the emulator. */
function sdk(e: HubSpotEmulator, accessToken = e.accessToken): Client {
  return new Client({ accessToken, basePath: e.url, numberOfApiCallRetries: 0 });
}

/** The SDK's ApiException, as the fields every generated API's exception has. */
type ApiError = { code: number; body: Record<string, unknown>; headers: Record<string, string> };
async function failure(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    return error as ApiError;
  }
  throw new Error("expected the call to fail");
}

async function rawPost(e: HubSpotEmulator, path: string, body: unknown, token = e.accessToken): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${e.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

describe("HubSpot emulator through the official SDK", () => {
  it("finds records by a unique property after creates, changes of that property and archives", async () => {
    const e = await emulator();
    const upsert = (inputs: Array<{ id: string; properties: Record<string, string> }>) =>
      rawPost(e, "/crm/v3/objects/contacts/batch/upsert", { inputs: inputs.map((i) => ({ idProperty: "email", ...i })) });
    const [a, b] = e.seed("contacts", [{ email: "a@example.com" }, { email: "b@example.com" }]);
    expect((await upsert([{ id: "a@example.com", properties: { firstname: "A" } }])).body.results[0].id).toBe(a);
    // b changes its email: the old address finds nothing (upsert creates), the new one finds b.
    await rawPost(e, "/crm/v3/objects/contacts/batch/update", { inputs: [{ id: b, properties: { email: "b2@example.com" } }] });
    expect((await upsert([{ id: "b2@example.com", properties: { firstname: "B" } }])).body.results[0].id).toBe(b);
    const again = (await upsert([{ id: "b@example.com", properties: { firstname: "New B" } }])).body.results[0];
    expect(again).toMatchObject({ new: true });
    expect(again.id).not.toBe(b);
    // An archived contact's email is free: the next upsert creates a new record.
    expect((await rawPost(e, "/crm/v3/objects/contacts/batch/archive", { inputs: [{ id: a }] })).status).toBe(204);
    const recreated = (await upsert([{ id: "a@example.com", properties: { firstname: "A again" } }])).body.results[0];
    expect(recreated).toMatchObject({ new: true });
    expect(e.dump("contacts").map((c) => c.properties.email).sort()).toEqual(["a@example.com", "b2@example.com", "b@example.com"]);
  });

  it("upserts contacts by email: creates, then updates the same record", async () => {
    const e = await emulator();
    const client = sdk(e);
    const first = await client.crm.contacts.batchApi.upsert({
      inputs: [{ idProperty: "email", id: "Ada@Example.com", properties: { firstname: "Ada" } }],
    });
    expect(first.results).toHaveLength(1);
    expect(first.results[0]).toMatchObject({ _new: true, properties: { email: "ada@example.com", firstname: "Ada" } });
    const second = await client.crm.objects.batchApi.upsert("contacts", {
      inputs: [{ idProperty: "email", id: "ada@example.com", properties: { lastname: "Lovelace" } }],
    });
    expect(second.results[0]).toMatchObject({ id: first.results[0].id, _new: false });
    expect(e.dump("contacts")).toEqual([
      { id: first.results[0].id, properties: expect.objectContaining({ email: "ada@example.com", firstname: "Ada", lastname: "Lovelace" }) },
    ]);
  });

  it("serves the properties API with types, options, unique and read-only flags", async () => {
    const e = await emulator();
    const client = sdk(e);
    const { results } = await client.crm.properties.coreApi.getAll("contacts");
    const byName = new Map(results.map((p) => [p.name, p]));
    expect(byName.get("lifecyclestage")).toMatchObject({ type: "enumeration" });
    expect(byName.get("lifecyclestage")!.options.map((o) => o.value)).toContain("customer");
    expect(byName.get("hs_object_id")!.modificationMetadata?.readOnlyValue).toBe(true);
    expect(byName.get("createdate")).toMatchObject({ type: "datetime" });
    const created = await client.crm.properties.coreApi.create("contacts", {
      name: "plan_tier", label: "Plan", type: "enumeration" as never, fieldType: "select" as never, groupName: "contactinformation",
      options: [{ label: "Pro", value: "pro", displayOrder: 0, hidden: false }],
    });
    expect(created.name).toBe("plan_tier");
    const one = await client.crm.properties.coreApi.getByName("contacts", "plan_tier");
    expect(one.options.map((o) => o.value)).toEqual(["pro"]);
    expect((await failure(client.crm.properties.coreApi.getByName("contacts", "nope"))).code).toBe(404);
  });

  it("refuses more than 100 inputs with HubSpot's message", async () => {
    const e = await emulator();
    const inputs = Array.from({ length: 101 }, (_, i) => ({ properties: { email: `u${i}@example.com` }, associations: [] }));
    const error = await failure(sdk(e).crm.objects.batchApi.create("contacts", { inputs }));
    expect(error.code).toBe(400);
    expect(error.body).toMatchObject({
      status: "error",
      category: "VALIDATION_ERROR",
      message: "The maximum number of inputs supported in a batch is 100. Please reduce the number of items and try again",
    });
    expect(e.dump("contacts")).toEqual([]);
  });

  it("reports invalid values per input (207) when inputs carry objectWriteTraceIds, and lands the rest", async () => {
    const e = await emulator();
    const answer = await sdk(e).crm.objects.batchApi.upsert("contacts", {
      inputs: [
        { idProperty: "email", id: "good@example.com", properties: { firstname: "Good" }, objectWriteTraceId: "0" },
        { idProperty: "email", id: "not-an-email", properties: { firstname: "Bad" }, objectWriteTraceId: "1" },
        { idProperty: "email", id: "opt@example.com", properties: { lifecyclestage: "king" }, objectWriteTraceId: "2" },
      ],
    });
    expect(answer.results.map((r) => r.properties.email)).toEqual(["good@example.com"]);
    const errors = (answer as unknown as { errors: Array<{ message: string; category: string; context: Record<string, string[]> }> }).errors;
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({ category: "VALIDATION_ERROR", context: { objectWriteTraceId: ["1"] } });
    expect(errors[0].message).toContain("INVALID_EMAIL");
    expect(errors[0].message).toContain("Email address not-an-email is invalid");
    expect(errors[1].message).toContain("INVALID_OPTION");
    expect(e.dump("contacts").map((r) => r.properties.email)).toEqual(["good@example.com"]);
  });

  it("fails the whole batch with 400 and writes nothing when inputs are not traced", async () => {
    const e = await emulator();
    const error = await failure(
      sdk(e).crm.objects.batchApi.create("contacts", {
        inputs: [
          { properties: { email: "ok@example.com" }, associations: [] },
          { properties: { email: "x@example.com", favourite_colour: "blue" }, associations: [] },
        ],
      }),
    );
    expect(error.code).toBe(400);
    expect(error.body.message).toContain('Property values were not valid: [{"isValid":false,"message":"Property \\"favourite_colour\\" does not exist","error":"PROPERTY_DOESNT_EXIST","name":"favourite_colour"}]');
    expect(error.body.errors).toEqual([{ message: 'Property "favourite_colour" does not exist', code: "PROPERTY_DOESNT_EXIST", context: { propertyName: ["favourite_colour"] } }]);
    expect(e.dump("contacts")).toEqual([]);
  });

  it("answers 409 when creating a contact whose email exists, and refuses read-only properties", async () => {
    const e = await emulator();
    const [id] = e.seed("contacts", [{ email: "taken@example.com" }]);
    const conflict = await failure(sdk(e).crm.objects.batchApi.create("contacts", { inputs: [{ properties: { email: "TAKEN@example.com" }, associations: [] }] }));
    expect(conflict.code).toBe(409);
    expect(conflict.body).toMatchObject({ category: "CONFLICT", message: `Contact already exists. Existing ID: ${id}` });
    const readOnly = await failure(sdk(e).crm.objects.batchApi.update("contacts", { inputs: [{ id, properties: { createdate: "2020-01-01" } }] }));
    expect(readOnly.code).toBe(400);
    expect(readOnly.body.message).toContain("READ_ONLY_VALUE");
  });

  it("validates dates (midnight UTC), datetimes, numbers and booleans", async () => {
    const e = await emulator();
    const client = sdk(e);
    const ok = await client.crm.objects.batchApi.create("contacts", {
      inputs: [{ properties: { email: "d@example.com", date_of_birth: String(Date.UTC(1990, 4, 17)), hs_email_optout: "true" }, associations: [] }],
    });
    expect(ok.results[0].properties).toMatchObject({ date_of_birth: "1990-05-17", hs_email_optout: "true" });
    const bad = await failure(
      client.crm.objects.batchApi.create("deals", {
        inputs: [{ properties: { dealname: "x", amount: "lots", closedate: "yesterday" }, associations: [] }],
      }),
    );
    expect(bad.body.message).toContain("lots is not a valid number");
    expect(bad.body.message).toContain("INVALID_DATETIME");
    const notMidnight = await failure(
      client.crm.objects.batchApi.create("contacts", { inputs: [{ properties: { date_of_birth: String(Date.UTC(1990, 4, 17, 10)) }, associations: [] }] }),
    );
    expect(notMidnight.body.message).toContain("is at 10:00:00.000 UTC, not midnight!");
  });

  it("reads by a unique property (207 for ids not found) and archives by id", async () => {
    const e = await emulator();
    const client = sdk(e);
    const [id] = e.seed("contacts", [{ email: "a@example.com", firstname: "A" }]);
    const read = await client.crm.objects.batchApi.read("contacts", {
      idProperty: "email",
      inputs: [{ id: "a@example.com" }, { id: "ghost@example.com" }],
      properties: ["firstname"],
      propertiesWithHistory: [],
    });
    expect(read.results.map((r) => r.id)).toEqual([id]);
    expect((read as unknown as { errors: Array<{ category: string; context: { ids: string[] } }> }).errors[0]).toMatchObject({
      category: "OBJECT_NOT_FOUND",
      context: { ids: ["ghost@example.com"] },
    });
    await client.crm.objects.batchApi.archive("contacts", { inputs: [{ id }, { id: "999999" }] });
    expect(e.dump("contacts")).toEqual([]);
  });

  it("answers 401 without a valid token and 403 naming the missing scope", async () => {
    const e = await emulator({ tokens: [{ token: "read-only", scopes: ["crm.objects.contacts.read"] }] });
    const unauthenticated = await failure(sdk(e, "wrong").crm.objects.batchApi.create("contacts", { inputs: [] }));
    expect(unauthenticated.code).toBe(401);
    expect(unauthenticated.body).toMatchObject({ status: "error", category: "INVALID_AUTHENTICATION" });
    const forbidden = await failure(sdk(e, "read-only").crm.objects.batchApi.create("contacts", { inputs: [] }));
    expect(forbidden.code).toBe(403);
    expect(forbidden.body).toMatchObject({
      category: "MISSING_SCOPES",
      errors: [{ context: { requiredGranularScopes: ["crm.objects.contacts.write"] } }],
    });
  });

  it("limits requests per rolling 10-second window with HubSpot's 429 body and headers", async () => {
    let clock = Date.UTC(2024, 0, 1, 12);
    const e = await emulator({ requestsPer10s: 3, now: () => clock });
    const client = sdk(e);
    for (let i = 0; i < 3; i++) await client.crm.objects.batchApi.archive("contacts", { inputs: [] });
    const limited = await failure(client.crm.objects.batchApi.archive("contacts", { inputs: [] }));
    expect(limited.code).toBe(429);
    expect(limited.body).toMatchObject({
      status: "error",
      errorType: "RATE_LIMIT",
      policyName: "TEN_SECONDLY_ROLLING",
      message: "You have reached your ten_secondly_rolling limit.",
    });
    expect(limited.headers["x-hubspot-ratelimit-interval-milliseconds"]).toBe("10000");
    expect(limited.headers["x-hubspot-ratelimit-max"]).toBe("3");
    expect(limited.headers["x-hubspot-ratelimit-remaining"]).toBe("0");
    clock += 10_001;
    await client.crm.objects.batchApi.archive("contacts", { inputs: [] });
    expect(e.rateLimitStats).toMatchObject({ admitted: 4, rejectedInterval: 1, maxInInterval: 3 });
  });

  it("answers 429 DAILY once the daily limit is spent", async () => {
    const e = await emulator({ dailyLimit: 1 });
    await sdk(e).crm.objects.batchApi.archive("contacts", { inputs: [] });
    const limited = await failure(sdk(e).crm.objects.batchApi.archive("contacts", { inputs: [] }));
    expect(limited.code).toBe(429);
    expect(limited.body).toMatchObject({ policyName: "DAILY", message: "You have reached your daily limit." });
    expect(limited.headers["x-hubspot-ratelimit-daily-remaining"]).toBe("0");
  });

  it("serves custom objects by objectTypeId, fully qualified and short name, with unique properties for upsert", async () => {
    const e = await emulator({
      customObjects: [{ name: "cars", properties: [{ name: "vin", type: "string", hasUniqueValue: true }, { name: "model", type: "string" }] }],
    });
    const client = sdk(e);
    const { results: schemas } = await client.crm.schemas.coreApi.getAll();
    expect(schemas.map((s) => s.name)).toEqual(["cars"]);
    const { objectTypeId, fullyQualifiedName } = schemas[0]!;
    await client.crm.objects.batchApi.upsert(objectTypeId!, { inputs: [{ idProperty: "vin", id: "VIN1", properties: { model: "T" } }] });
    const again = await client.crm.objects.batchApi.upsert(fullyQualifiedName!, { inputs: [{ idProperty: "vin", id: "VIN1", properties: { model: "S" } }] });
    expect(again.results[0]._new).toBe(false);
    expect(e.dump("p_cars").map((r) => r.properties)).toEqual([expect.objectContaining({ vin: "VIN1", model: "S" })]);
    const notUnique = await failure(client.crm.objects.batchApi.upsert(objectTypeId!, { inputs: [{ idProperty: "model", id: "S", properties: {} }] }));
    expect(notUnique.code).toBe(400);
  });

  it("offers test endpoints to seed and dump records over HTTP", async () => {
    const e = await emulator();
    const seeded = await rawPost(e, "/_emulator/objects/contacts/records", { records: [{ email: "s@example.com" }] });
    expect(seeded.status).toBe(201);
    const dumped = (await (await fetch(`${e.url}/_emulator/objects/contacts/records`)).json()) as { results: unknown[] };
    expect(dumped.results).toEqual([{ id: seeded.body.ids[0], properties: expect.objectContaining({ email: "s@example.com" }) }]);
    expect(e.requestLog).toEqual([]);
  });
});

describe("the HubSpot emulator on core's emulator contract (default export of ./emulator)", () => {
  it("is an emulator named hubspot whose options, with their defaults, are its flags", () => {
    expect(isPluginEmulator(hubspotEmulator)).toBe(true);
    expect(hubspotEmulator.name).toBe("hubspot");
    expect(Object.fromEntries(Object.entries(hubspotEmulator.options).map(([name, o]) => [name, [o.type, o.default]]))).toEqual({
      accessToken: ["string", "emulator-token"],
      requestsPer10s: ["integer", 100],
      dailyLimit: ["integer", 250_000],
      intervalMs: ["integer", 10_000],
    });
  });

  it("starts an emulator whose options point the destination at it, with the limits given", async () => {
    const running = await hubspotEmulator.start({ port: 0, host: "127.0.0.1", accessToken: "pat-x", requestsPer10s: 1 });
    started.push(running);
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(running.options).toEqual({ baseUrl: running.url, accessToken: "pat-x" });
    const client = new Client({ accessToken: "pat-x", basePath: running.options.baseUrl as string, numberOfApiCallRetries: 0 });
    await client.crm.objects.batchApi.archive("contacts", { inputs: [] });
    expect((await failure(client.crm.objects.batchApi.archive("contacts", { inputs: [] }))).code).toBe(429);
  });

  it("refuses options of the wrong type, naming them", async () => {
    await expect(hubspotEmulator.start({ requestsPer10s: 0 })).rejects.toThrow(
      "[reverse-etl] [hubspot-emulator] option requestsPer10s must be an integer of 1 or more, not 0.",
    );
    await expect(hubspotEmulator.start({ accessToken: 5 })).rejects.toThrow(/option accessToken must be a non-empty string, not 5/);
  });

  it("keeps startEmulator, the name scripts written before the contract import", async () => {
    const e = await startEmulator({ accessToken: "old-style" });
    started.push(e);
    expect(e.accessToken).toBe("old-style");
    expect(e.options).toEqual({ baseUrl: e.url, accessToken: "old-style" });
  });
});

describe("HubSpot's 429 for a fault proxy in front of the emulator", () => {
  it("reaches the official SDK as HubSpot's own 429: policy, message and X-HubSpot-RateLimit-* headers", async () => {
    const e = await emulator();
    const proxy = await startFaultProxy({
      target: e.url,
      faults: [
        { nth: [1], fault: hubspotRateLimitAnswer("TEN_SECONDLY_ROLLING", { intervalMs: 250 }) },
        { nth: [2], fault: hubspotRateLimitAnswer("DAILY") },
      ],
    });
    started.push(proxy);
    const client = new Client({ accessToken: e.accessToken, basePath: proxy.url, numberOfApiCallRetries: 0 });
    const windowSpent = await failure(client.crm.objects.batchApi.archive("contacts", { inputs: [] }));
    expect(windowSpent.code).toBe(429);
    expect(windowSpent.body).toMatchObject({ status: "error", errorType: "RATE_LIMIT", policyName: "TEN_SECONDLY_ROLLING", message: "You have reached your ten_secondly_rolling limit." });
    expect(windowSpent.headers).toMatchObject({
      "x-hubspot-ratelimit-interval-milliseconds": "250",
      "x-hubspot-ratelimit-max": "100",
      "x-hubspot-ratelimit-remaining": "0",
      "x-hubspot-ratelimit-daily-remaining": "250000",
    });
    const daySpent = await failure(client.crm.objects.batchApi.archive("contacts", { inputs: [] }));
    expect(daySpent.body).toMatchObject({ policyName: "DAILY", message: "You have reached your daily limit." });
    expect(daySpent.headers).toMatchObject({ "x-hubspot-ratelimit-daily-remaining": "0", "x-hubspot-ratelimit-remaining": "100" });
    // The injected answers never reached the emulator; the next request does.
    await client.crm.objects.batchApi.archive("contacts", { inputs: [] });
    expect(e.requestLog.map((r) => r.status)).toEqual([204]);
  });
});
