import { randomUUID } from "node:crypto";
import { silentLogger } from "@reverse-etl/core";
import type { DestinationConnection, OutgoingRecord, WriteContext, WriteOperation, WriteOutcome } from "@reverse-etl/core";
import { testDestinationContract } from "@reverse-etl/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { startSalesforceEmulator } from "./emulator/salesforce-emulator.js";
import type { SalesforceEmulatorOptions } from "./emulator/salesforce-emulator.js";
import type { SalesforceEmulator } from "./emulator/emulator-control.js";
import type { SalesforceDestinationOptions } from "./salesforce-destination-options.js";
import { salesforceDestination } from "./salesforce-destination.js";

const started: SalesforceEmulator[] = [];
afterAll(async () => {
  await Promise.all(started.map((e) => e.close()));
});

/** An org whose Contact has an external id, a restricted picklist, a multi-select picklist and typed fields. */
const ORG: SalesforceEmulatorOptions = {
  fields: {
    Contact: [
      { name: "External_Id__c", type: "string", label: "External Id", length: 40, externalId: true, unique: true },
      { name: "Tier__c", type: "picklist", label: "Tier", picklistValues: ["Free", "Pro"], restrictedPicklist: true },
      { name: "Interests__c", type: "multipicklist", label: "Interests", picklistValues: ["Golf", "Tennis", "Chess"] },
      { name: "Signed_Up_At__c", type: "datetime", label: "Signed Up At" },
      { name: "Vip__c", type: "boolean", label: "VIP" },
      { name: "Seats__c", type: "int", label: "Seats" },
      { name: "Created_Only__c", type: "string", label: "Created Only", updateable: false },
    ],
  },
};

async function emulator(options: SalesforceEmulatorOptions = ORG): Promise<SalesforceEmulator> {
  const e = await startSalesforceEmulator(options);
  started.push(e);
  return e;
}

function connect(e: SalesforceEmulator, options: Partial<SalesforceDestinationOptions> = { accessToken: e.accessToken }): Promise<DestinationConnection> {
  return salesforceDestination.connect(
    { instanceUrl: e.url, loginUrl: e.url, apiVersion: "62.0", ...options },
    { configDir: process.cwd(), name: "crm", logger: silentLogger },
  );
}

/** A write context whose acquireRequests counts what the plugin takes beyond core's one per write. */
function context(object = "Contact", counter = { extra: 0 }): WriteContext {
  return {
    sync: "people",
    object,
    options: { bulk: "never", bulkThreshold: 2000, bulkJobSize: 150_000 },
    runId: "run-1",
    idempotencyKey: randomUUID(),
    signal: new AbortController().signal,
    acquireRequests: async (count = 1) => void (counter.extra += count),
  };
}

function person(i: number, fields: OutgoingRecord["fields"] = {}): OutgoingRecord {
  return { key: String(i), keyValue: i, match: { External_Id__c: `p-${i}` }, fields: { LastName: `Last${i}`, ...fields } };
}

async function write(connection: DestinationConnection, operation: WriteOperation, records: OutgoingRecord[], counter?: { extra: number }): Promise<WriteOutcome> {
  return connection.write(operation, records, context("Contact", counter));
}

function statuses(outcome: WriteOutcome): string[] {
  return outcome.type === "results" ? outcome.results.map((r) => r.status) : [outcome.type];
}

const contractEmulator = await emulator();
const contractSamples: OutgoingRecord[] = [
  { key: "1", keyValue: 1, match: { External_Id__c: "ada" }, fields: { FirstName: "Ada", LastName: "Lovelace" } },
  { key: "2", keyValue: 2, match: { External_Id__c: "grace" }, fields: { FirstName: "Grace \"Amazing\"", LastName: "Hopper, RADM" } },
  { key: "3", keyValue: 3, match: { External_Id__c: "zoe" }, fields: { FirstName: "Zoë 佐藤", LastName: "second\nline" } },
];
const readBack = async () => {
  const byExternalId = new Map(contractEmulator.dump("Contact").map((r) => [r.External_Id__c, r]));
  const held = new Map<string, Record<string, string>>();
  for (const sample of contractSamples) {
    const record = byExternalId.get(String(sample.match.External_Id__c));
    if (record) held.set(sample.key, { FirstName: String(record.FirstName), LastName: String(record.LastName) });
  }
  return held;
};
// Once through sObject Collections, once through Bulk API 2.0 jobs (records deferred to flush).
testDestinationContract({
  name: "salesforce",
  object: "Contact",
  syncOptions: { bulk: "never", bulkThreshold: 2000, bulkJobSize: 150_000 },
  connect: () => connect(contractEmulator),
  sampleRecords: contractSamples,
  readBack,
});
testDestinationContract({
  name: "salesforce-bulk",
  object: "Contact",
  syncOptions: { bulk: "always", bulkThreshold: 2000, bulkJobSize: 150_000 },
  connect: () => connect(contractEmulator, { accessToken: contractEmulator.accessToken, bulkPollIntervalMs: 20 }),
  sampleRecords: contractSamples,
  readBack,
});

describe("salesforce destination", () => {
  it("describes an sObject for the mode: identifiers, fields that cannot be written, restricted picklist values, text lengths, types", async () => {
    const connection = await connect(await emulator());
    const upsert = await connection.describe("Contact", { mode: "upsert" });
    const fields = new Map(upsert.fields.map((f) => [f.name, f]));
    expect(upsert.identifiers).toEqual(["External_Id__c"]);
    expect(upsert.requiresMatch).toBe(true);
    expect(fields.get("Email")).toEqual({ name: "Email", type: "email", length: 80 });
    expect(fields.get("Tier__c")).toEqual({ name: "Tier__c", type: "enumeration", length: 255, options: ["Free", "Pro"] });
    expect(fields.get("AccountId")).toEqual({ name: "AccountId", type: "reference" });
    expect(fields.get("Seats__c")).toEqual({ name: "Seats__c", type: "number" });
    expect(fields.get("Name")).toMatchObject({ readOnly: true });
    expect(fields.get("LastName")).toEqual({ name: "LastName", type: "string", length: 80, required: true });
    expect(fields.get("CreatedDate")).toMatchObject({ readOnly: true });
    // Created but never updated: read-only to upserts and updates, writable by inserts.
    expect(fields.get("Created_Only__c")).toMatchObject({ readOnly: true });
    const insert = await connection.describe("Contact", { mode: "insert" });
    expect(insert.fields.find((f) => f.name === "Created_Only__c")).toEqual({ name: "Created_Only__c", type: "string", length: 255 });
    expect(insert.requiresMatch).toBe(false);
    expect((await connection.describe("Contact", { mode: "update" })).identifiers).toEqual(["Id", "External_Id__c"]);
    await expect(connection.describe("Nope__c", { mode: "upsert" })).rejects.toThrow(/object "Nope__c" does not exist in the org/);
  });

  it("upserts by external id: the first write creates, the second updates the same records", async () => {
    const e = await emulator();
    const connection = await connect(e);
    const first = await write(connection, "upsert", [person(1), person(2)]);
    expect(first.type === "results" && first.results.every((r) => r.status === "ok" && /^003/.test(r.id ?? ""))).toBe(true);
    const second = await write(connection, "upsert", [person(1, { FirstName: "Ada" })]);
    expect(second).toEqual({ type: "results", results: [{ status: "ok", id: first.type === "results" && first.results[0]!.status === "ok" ? first.results[0]!.id : "" }] });
    expect(e.dump("Contact").map((c) => [c.External_Id__c, c.FirstName, c.LastName])).toEqual([
      ["p-1", "Ada", "Last1"],
      ["p-2", null, "Last2"],
    ]);
    expect(e.requestLog.filter((r) => r.path.includes("/composite/")).map((r) => `${r.method} ${r.path} ${r.records}`)).toEqual([
      "PATCH /services/data/v62.0/composite/sobjects/Contact/External_Id__c 2",
      "PATCH /services/data/v62.0/composite/sobjects/Contact/External_Id__c 1",
    ]);
  });

  it("rejects the records Salesforce refuses with its code and message, and lands the rest", async () => {
    const e = await emulator();
    const connection = await connect(e);
    const outcome = await write(connection, "upsert", [
      person(1, { Email: "ok@example.com" }),
      person(2, { Email: "not-an-email" }),
      person(3, { Tier__c: "Enterprise" }),
      person(4, { LastName: "x".repeat(81) }),
      person(5, { LastName: null }),
      { ...person(6), match: { External_Id__c: "P-1" } },
      { ...person(7), match: { External_Id__c: null } },
      person(8, { Seats__c: "many" }),
    ]);
    expect(outcome).toEqual({
      type: "results",
      results: [
        { status: "ok", id: expect.stringMatching(/^003/) },
        { status: "rejected", message: "[reverse-etl] [salesforce] Salesforce refused the record: INVALID_EMAIL_ADDRESS: Email: invalid email address: not-an-email (fields: Email)" },
        { status: "rejected", message: "[reverse-etl] [salesforce] Salesforce refused the record: INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: Tier: bad value for restricted picklist field: Enterprise (fields: Tier__c)" },
        { status: "rejected", message: `[reverse-etl] [salesforce] Salesforce refused the record: STRING_TOO_LONG: Last Name: data value too large: ${"x".repeat(81)} (max length=80) (fields: LastName)` },
        { status: "rejected", message: "[reverse-etl] [salesforce] Salesforce refused the record: REQUIRED_FIELD_MISSING: Required fields are missing: [LastName] (fields: LastName)" },
        { status: "rejected", message: "[reverse-etl] [salesforce] External_Id__c \"P-1\" is also the match value of row 1 of the same batch; two rows cannot be the same record" },
        { status: "rejected", message: "[reverse-etl] [salesforce] the match value for External_Id__c is empty, so no Contact record can be found by it" },
        { status: "rejected", message: "[reverse-etl] [salesforce] value \"many\" of field Seats__c is not an integer; fix the model or the field in Salesforce" },
      ],
    });
    expect(e.dump("Contact").map((c) => c.External_Id__c)).toEqual(["p-1"]);
  });

  it("converts values as Salesforce takes them: datetimes in UTC, booleans, integers, multi-select lists; null clears a field", async () => {
    const e = await emulator();
    const connection = await connect(e);
    const outcome = await write(connection, "upsert", [
      person(1, { Signed_Up_At__c: "2026-03-01 10:30:00", Vip__c: "true", Seats__c: "12", Interests__c: ["Golf", "Chess"], Birthdate: "1990-05-17T00:00:00Z", Email: "a@example.com" }),
      person(2, { Signed_Up_At__c: "2026-03-01T10:30:00+02:00", Vip__c: 0, Seats__c: 3, Interests__c: "Tennis;Golf", Birthdate: "1985-12-31" }),
    ]);
    expect(statuses(outcome)).toEqual(["ok", "ok"]);
    expect(e.dump("Contact").map((c) => [c.Signed_Up_At__c, c.Vip__c, c.Seats__c, c.Interests__c, c.Birthdate])).toEqual([
      ["2026-03-01T10:30:00.000+0000", true, 12, "Golf;Chess", "1990-05-17"],
      ["2026-03-01T08:30:00.000+0000", false, 3, "Tennis;Golf", "1985-12-31"],
    ]);
    await write(connection, "upsert", [person(1, { Email: null, Interests__c: null })]);
    expect(e.dump("Contact")[0]).toMatchObject({ Email: null, Interests__c: null, Seats__c: 12 });
  });

  it("updates by external id, finding the Ids first (two requests, the second taken with acquireRequests), and rejects rows without a record", async () => {
    const e = await emulator();
    e.seed("Contact", [{ External_Id__c: "p-1", LastName: "Old" }]);
    const connection = await connect(e);
    const counter = { extra: 0 };
    const outcome = await write(connection, "update", [person(1, { LastName: "New" }), person(2)], counter);
    expect(outcome).toEqual({
      type: "results",
      results: [
        { status: "ok", id: e.dump("Contact")[0]!.Id },
        { status: "rejected", message: "[reverse-etl] [salesforce] no Contact record has External_Id__c = \"p-2\"; use upsert mode to create missing records" },
      ],
    });
    expect(counter.extra).toBe(1);
    expect(e.dump("Contact").map((c) => c.LastName)).toEqual(["New"]);
    // By Id: no lookup.
    const byId = await write(connection, "update", [{ key: "1", keyValue: 1, match: { Id: e.dump("Contact")[0]!.Id as string }, fields: { FirstName: "Ida" } }], counter);
    expect(statuses(byId)).toEqual(["ok"]);
    expect(counter.extra).toBe(1);
  });

  it("inserts records, writing the match values as fields", async () => {
    const e = await emulator();
    const connection = await connect(e);
    const outcome = await write(connection, "insert", [person(1), { key: "2", keyValue: 2, match: {}, fields: { FirstName: "No last name" } }]);
    expect(statuses(outcome)).toEqual(["ok", "rejected"]);
    expect(e.dump("Contact").map((c) => [c.External_Id__c, c.LastName])).toEqual([["p-1", "Last1"]]);
  });

  it("inserts after an interrupted run only the records not found by their unique external id; without one, warns and inserts", async () => {
    const e = await emulator();
    const [existing] = e.seed("Contact", [{ External_Id__c: "p-1", LastName: "Last1" }]);
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (message: string) => void warnings.push(message) };
    const connection = await salesforceDestination.connect({ instanceUrl: e.url, loginUrl: e.url, apiVersion: "62.0", accessToken: e.accessToken }, { configDir: process.cwd(), name: "crm", logger });
    const interrupted = { ...context(), interrupted: true };
    const outcome = await connection.write("insert", [person(1), person(2)], interrupted);
    expect(outcome).toEqual({ type: "results", results: [{ status: "ok", id: existing }, { status: "ok", id: expect.stringMatching(/^003/) }] });
    expect(e.dump("Contact").map((c) => c.External_Id__c).sort()).toEqual(["p-1", "p-2"]);
    // The org's jobs were listed once for the run, the records looked up, and only p-2 created.
    expect(e.requestLog.map((r) => `${r.method} ${r.path.replace(/\/v\d+\.\d/, "")}`).filter((r) => /jobs|query|composite/.test(r))).toEqual([
      "GET /services/data/jobs/ingest",
      "GET /services/data/query",
      "POST /services/data/composite/sobjects",
    ]);
    expect(warnings.filter((w) => w.includes("unique"))).toEqual([]);

    const noUnique = (i: number) => ({ key: String(i), keyValue: i, match: {}, fields: { LastName: `Last${i}` } });
    expect(statuses(await connection.write("insert", [noUnique(3)], interrupted))).toEqual(["ok"]);
    expect(statuses(await connection.write("insert", [noUnique(4)], interrupted))).toEqual(["ok"]);
    // Once for the run, not once a batch.
    expect(warnings.filter((w) => w.includes("writes no unique field of Contact, so records it created may be created again"))).toHaveLength(1);
  });

  it("deletes by external id for mirror syncs: finds the Ids, deletes them, counts records already gone as deleted", async () => {
    const e = await emulator();
    e.seed("Contact", [
      { External_Id__c: "p-1", LastName: "A" },
      { External_Id__c: "p-2", LastName: "B" },
      { External_Id__c: "p-3", LastName: "C" },
    ]);
    const connection = await connect(e);
    const counter = { extra: 0 };
    const gone = (i: number): OutgoingRecord => ({ ...person(i), fields: {} });
    const outcome = await write(connection, "delete", [gone(1), gone(3), gone(9)], counter);
    expect(outcome).toEqual({ type: "results", results: [{ status: "ok" }, { status: "ok" }, { status: "ok" }] });
    expect(e.dump("Contact").map((c) => c.External_Id__c)).toEqual(["p-2"]);
    expect(counter.extra).toBe(1);
  });

  it("retries a batch Salesforce answers with 503, and a record locked by another transaction", async () => {
    const e = await emulator();
    const connection = await connect(e);
    // The describe is read first (and a 503 on it would be retried there).
    await connection.describe("Contact", { mode: "upsert" });
    e.failNext(1, 503);
    const unavailable = await write(connection, "upsert", [person(1)]);
    expect(unavailable).toMatchObject({ type: "retry", message: expect.stringContaining("SERVER_UNAVAILABLE") });
    e.lockNextRecords(1);
    const locked = await write(connection, "upsert", [person(1), person(2)]);
    expect(locked).toEqual({
      type: "results",
      results: [
        { status: "retryable", message: "[reverse-etl] [salesforce] UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record or 1 records: " },
        { status: "ok", id: expect.stringMatching(/^003/) },
      ],
    });
  });
});
