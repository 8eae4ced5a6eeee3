import { randomUUID } from "node:crypto";
import { silentLogger } from "@reverse-etl/core";
import type { DestinationConnection, FlushOutcome, OutgoingRecord, WriteContext, WriteOutcome } from "@reverse-etl/core";
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

const ORG: SalesforceEmulatorOptions = {
  bulkProcessingMs: 5,
  fields: {
    Contact: [
      { name: "External_Id__c", type: "string", label: "External Id", length: 40, externalId: true, unique: true },
      { name: "Tier__c", type: "picklist", label: "Tier", picklistValues: ["Free", "Pro"], restrictedPicklist: true },
      { name: "Vip__c", type: "boolean", label: "VIP" },
    ],
  },
};

async function emulator(options: SalesforceEmulatorOptions = ORG): Promise<SalesforceEmulator> {
  const e = await startSalesforceEmulator(options);
  started.push(e);
  return e;
}

function connect(e: SalesforceEmulator, options: Partial<SalesforceDestinationOptions> = {}): Promise<DestinationConnection> {
  return salesforceDestination.connect(
    { instanceUrl: e.url, accessToken: e.accessToken, apiVersion: "62.0", bulkPollIntervalMs: 20, ...options },
    { configDir: process.cwd(), name: "crm", logger: silentLogger },
  );
}

/** A run's context: `bulk` option, the run's size, and a counter of the requests taken beyond core's one per write. */
function run(options: { bulk?: string; bulkThreshold?: number; bulkJobSize?: number; total?: number } = {}) {
  const counter = { taken: 0 };
  const context: WriteContext = {
    sync: "people",
    object: "Contact",
    options: { bulk: options.bulk ?? "always", bulkThreshold: options.bulkThreshold ?? 2000, bulkJobSize: options.bulkJobSize ?? 150_000 },
    runId: randomUUID(),
    total: options.total,
    idempotencyKey: randomUUID(),
    signal: new AbortController().signal,
    acquireRequests: async (count = 1) => void (counter.taken += count),
  };
  return { context, counter };
}

function person(i: number, fields: OutgoingRecord["fields"] = {}): OutgoingRecord {
  return { key: String(i), keyValue: i, match: { External_Id__c: `p-${i}` }, fields: { LastName: `Last${i}`, ...fields } };
}

function people(from: number, to: number): OutgoingRecord[] {
  return Array.from({ length: to - from + 1 }, (_, i) => person(from + i));
}

/** Each record's flush result; `ok` (every record delivered) reads as all of `keys` ok. */
function flushed(outcome: FlushOutcome, keys: readonly string[] = []): Record<string, string> {
  if (outcome.type === "ok") return Object.fromEntries(keys.map((k) => [k, "ok"]));
  if (outcome.type !== "results") throw new Error(`expected results, got ${outcome.type}`);
  return Object.fromEntries([...outcome.results].map(([key, result]) => [key, result.status === "ok" ? "ok" : `${result.status}: ${result.message}`]));
}

function jobRequests(e: SalesforceEmulator): string[] {
  return e.requestLog.filter((r) => r.path.includes("/jobs/")).map((r) => `${r.method} ${r.path.replace(/^.*\/jobs\/ingest/, "").replace(/750\w+/, "ID")} ${r.status}`);
}

describe("Bulk API 2.0 writes", () => {
  it("defers each write's records into one job and settles every record at flush, counting every request", async () => {
    const e = await emulator();
    const connection = await connect(e);
    const { context, counter } = run();
    const results: WriteOutcome[] = [];
    for (let start = 1; start <= 1000; start += 200) results.push(await connection.write("upsert", people(start, start + 199), context));
    expect(results.every((r) => r.type === "results" && r.results.every((x) => x.status === "deferred"))).toBe(true);
    expect(jobRequests(e)).toEqual([]);
    const outcome = flushed(await connection.flush!(context), people(1, 1000).map((p) => p.key));
    expect(Object.keys(outcome)).toHaveLength(1000);
    expect(Object.values(outcome).every((s) => s === "ok")).toBe(true);
    const requests = jobRequests(e);
    expect(requests.slice(0, 3)).toEqual(["POST  200", "PUT /ID/batches 201", "PATCH /ID 200"]);
    expect(requests.at(-1)).toBe("GET /ID/successfulResults 200");
    // Every request of the flush was taken from core's limiter: the job's three, each poll, and one result file.
    expect(counter.taken).toBe(requests.length);
    expect(e.dump("Contact").map((c) => c.External_Id__c).sort()).toEqual(people(1, 1000).map((p) => String(p.match.External_Id__c)).sort());
  });

  it("commits only the records the job saved: failed ones are rejected with Salesforce's message, locked ones retried", async () => {
    const e = await emulator();
    const connection = await connect(e);
    const { context } = run();
    e.lockNextRecords(1);
    const write = await connection.write("upsert", [person(1), person(2, { Email: "not-an-email" }), person(3, { Tier__c: "Gold" }), person(4, { Vip__c: true }), person(5, { Email: null })], context);
    expect(write.type === "results" && write.results.map((r) => r.status)).toEqual(["deferred", "deferred", "deferred", "deferred", "deferred"]);
    expect(flushed(await connection.flush!(context))).toEqual({
      "1": "retryable: [reverse-etl] [salesforce] UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record or 1 records: ",
      "2": "rejected: [reverse-etl] [salesforce] Salesforce refused the record: INVALID_EMAIL_ADDRESS: Email: invalid email address: not-an-email (fields: Email)",
      "3": "rejected: [reverse-etl] [salesforce] Salesforce refused the record: INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: Tier: bad value for restricted picklist field: Gold (fields: Tier__c)",
      "4": "ok",
      "5": "ok",
    });
    expect(e.dump("Contact").map((c) => [c.External_Id__c, c.Vip__c, c.Email])).toEqual([
      ["p-4", true, null],
      ["p-5", false, null],
    ]);
    expect(jobRequests(e).filter((r) => r.includes("Results"))).toEqual(["GET /ID/successfulResults 200", "GET /ID/failedResults 200"]);
  });

  it("sends a full job during the run and starts another; records are matched to their job's results", async () => {
    const e = await emulator();
    const connection = await connect(e);
    const { context, counter } = run({ bulkJobSize: 1000 });
    for (let start = 1; start <= 2500; start += 200) {
      const outcome = await connection.write("upsert", people(start, Math.min(start + 199, 2500)), context);
      expect(outcome.type).toBe("results");
    }
    // Two full jobs were sent during the run (1,000 records each); the last one at flush.
    expect(jobRequests(e).filter((r) => r.startsWith("POST"))).toHaveLength(2);
    const outcome = flushed(await connection.flush!(context), people(1, 2500).map((p) => p.key));
    expect(Object.keys(outcome)).toHaveLength(2500);
    expect(Object.values(outcome).filter((s) => s !== "ok")).toEqual([]);
    expect(jobRequests(e).filter((r) => r.startsWith("POST"))).toHaveLength(3);
    // The first request of the two writes that sent a job was core's; every other one was taken here.
    expect(counter.taken).toBe(jobRequests(e).length - 2);
    expect(e.dump("Contact")).toHaveLength(2500);
  });

  it("takes a write again after the job it filled could not be sent (core retries it), without calling its rows duplicates", async () => {
    const e = await emulator();
    const connection = await connect(e);
    const { context } = run({ bulkJobSize: 2 });
    expect((await connection.write("upsert", people(1, 2), context)).type).toBe("results");
    // The next write sends the full job first; Salesforce answers 503 to its creation.
    e.failNext(1, 503);
    expect(await connection.write("upsert", people(3, 4), context)).toMatchObject({ type: "retry" });
    const again = await connection.write("upsert", people(3, 4), context);
    expect(again).toEqual({ type: "results", results: [{ status: "deferred" }, { status: "deferred" }] });
    expect(await connection.flush!(context)).toEqual({ type: "ok" });
    expect(e.dump("Contact").map((c) => c.External_Id__c).sort()).toEqual(["p-1", "p-2", "p-3", "p-4"]);
  });

  it("inserts, matching results to records by their row even when two rows are the same", async () => {
    const e = await emulator();
    const connection = await connect(e);
    const { context } = run();
    const same = { FirstName: "Twin", LastName: "Same" };
    const outcome = await connection.write("insert", [
      { key: "1", keyValue: 1, match: {}, fields: same },
      { key: "2", keyValue: 2, match: {}, fields: same },
      { key: "3", keyValue: 3, match: {}, fields: { FirstName: "No last name" } },
    ], context);
    expect(outcome.type).toBe("results");
    expect(flushed(await connection.flush!(context))).toEqual({
      "1": "ok",
      "2": "ok",
      "3": "rejected: [reverse-etl] [salesforce] Salesforce refused the record: REQUIRED_FIELD_MISSING: Required fields are missing: [LastName] (fields: LastName)",
    });
    expect(e.dump("Contact").map((c) => c.Name)).toEqual(["Twin Same", "Twin Same"]);
  });

  it("updates by external id through a job of Ids, rejecting rows without a record at once", async () => {
    const e = await emulator();
    e.seed("Contact", [{ External_Id__c: "p-1", LastName: "Old" }]);
    const connection = await connect(e);
    const { context } = run();
    const outcome = await connection.write("update", [person(1, { LastName: "New" }), person(2)], context);
    expect(outcome).toEqual({
      type: "results",
      results: [{ status: "deferred" }, { status: "rejected", message: "[reverse-etl] [salesforce] no Contact record has External_Id__c = \"p-2\"; use upsert mode to create missing records" }],
    });
    expect(await connection.flush!(context)).toEqual({ type: "ok" });
    expect(e.dump("Contact").map((c) => c.LastName)).toEqual(["New"]);
  });

  it("sends records of a job aborted before processing them again next run (retryable)", async () => {
    const e = await emulator({ ...ORG, bulkProcessingMs: 3000 });
    const connection = await connect(e);
    const { context } = run();
    await connection.write("upsert", people(1, 3), context);
    const flushing = connection.flush!(context);
    // Someone aborts the job in Setup while it waits to start.
    let jobId: string | undefined;
    while (!jobId) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      jobId = e.requestLog.find((r) => /\/jobs\/ingest\/750\w+$/.test(r.path) && r.method === "PATCH")?.path.split("/").at(-1);
    }
    await fetch(`${e.url}/services/data/v62.0/jobs/ingest/${jobId}`, { method: "PATCH", headers: { authorization: `Bearer ${e.accessToken}`, "content-type": "application/json" }, body: JSON.stringify({ state: "Aborted" }) });
    const outcome = flushed(await flushing);
    expect(outcome).toEqual(Object.fromEntries(["1", "2", "3"].map((k) => [k, `retryable: [reverse-etl] [salesforce] not processed: job ${jobId} ended Aborted before processing it`])));
    expect(e.dump("Contact")).toEqual([]);
  });

  it("chooses by the run's size under bulk auto, and never for deletes", async () => {
    const e = await emulator();
    const connection = await connect(e);
    const small = run({ bulk: "auto", total: 1999 });
    expect((await connection.write("upsert", [person(1)], small.context)).type === "results").toBe(true);
    expect(jobRequests(e)).toEqual([]);
    const large = run({ bulk: "auto", total: 2000 });
    const deferred = await connection.write("upsert", [person(2)], large.context);
    expect(deferred).toEqual({ type: "results", results: [{ status: "deferred" }] });
    expect(await connection.flush!(large.context)).toEqual({ type: "ok" });
    const never = run({ bulk: "never", total: 1_000_000 });
    const deleted = await connection.write("delete", [{ ...person(1), fields: {} }], never.context);
    expect(deleted).toEqual({ type: "results", results: [{ status: "ok" }] });
    const always = run({ bulk: "always", total: 1 });
    expect(await connection.write("delete", [{ ...person(2), fields: {} }], always.context)).toEqual({ type: "results", results: [{ status: "ok" }] });
    expect(e.dump("Contact")).toEqual([]);
  });
});
