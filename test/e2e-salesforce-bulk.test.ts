import { describe, expect, it } from "vitest";
import type { SalesforceEmulator } from "@reverse-etl/destination-salesforce/emulator";
import { projectDir } from "./support/warehouse.js";
import { makeWarehouse, WAREHOUSES } from "./support/warehouses.js";
import { jsonOf } from "./support/cli.js";
import { contactsIn, peopleIn, requestsSince, SALESFORCE_ORG, seedPeople, useSalesforceCli, writeSalesforceConfig } from "./support/salesforce.js";

const session = useSalesforceCli();
const { cli } = session;
let emulator: SalesforceEmulator | undefined;

/** Requests under /services/data the emulator answered since `from` (each counts against the org's daily allocation). */
function apiCallsSince(e: SalesforceEmulator, from: number): number {
  return e.requestLog.slice(from).filter((r) => r.path.startsWith("/services/data/v")).length;
}

describe("sync to Salesforce through Bulk API 2.0, end to end through the CLI", () => {
  it("lands 50,000 rows with a handful of API calls, then sends nothing, then exactly the changed rows", async () => {
    const dir = projectDir("e2e-salesforce-bulk");
    const warehouse = await makeWarehouse("duckdb", dir);
    await seedPeople(warehouse, 50_000);
    emulator = await session.start({ ...SALESFORCE_ORG, bulkProcessingMs: 10 });
    // bulk: "auto" (the default): the run's 50,000 records are past the 2,000-record threshold.
    writeSalesforceConfig(dir, warehouse, emulator, { options: {} }, { bulkPollIntervalMs: 200 });

    const first = await cli(["sync", "--json"], dir);
    expect(first.code, first.stderr).toBe(0);
    expect(jsonOf(first).syncs[0]).toMatchObject({ status: "succeeded", counts: { added: 50_000 }, results: { succeeded: 50_000, rejected: 0, failed: 0 } });
    const calls = apiCallsSince(emulator, 0);
    const jobs = requestsSince(emulator, 0, /jobs/);
    console.log(`50,000 rows through Bulk API 2.0: ${calls} API calls (${jobs.join(", ")})`);
    expect(jobs.slice(0, 3)).toEqual(["POST /services/data/jobs/ingest 200", "PUT /services/data/jobs/ingest/ID/batches 201 50000", "PATCH /services/data/jobs/ingest/ID 200"]);
    expect(jobs.at(-1)).toBe("GET /services/data/jobs/ingest/ID/successfulResults 200");
    expect(requestsSince(emulator, 0, /composite/)).toEqual([]);
    expect(calls).toBeLessThanOrEqual(20);
    expect(contactsIn(emulator)).toEqual(await peopleIn(warehouse));

    const mark = emulator.requestLog.length;
    const second = await cli(["sync", "--json"], dir);
    expect(jsonOf(second).syncs[0].counts).toMatchObject({ added: 0, changed: 0, unchanged: 50_000 });
    expect(requestsSince(emulator, mark)).toEqual([]);

    // 50 changes: below the threshold, so they go through sObject Collections.
    await warehouse.query("update gold.people set tier = 'Enterprise', ltv = ltv + 1 where id % 1000 = 0");
    const third = await cli(["sync", "--json"], dir);
    expect(jsonOf(third).syncs[0]).toMatchObject({ status: "succeeded", counts: { changed: 50 }, results: { succeeded: 50 } });
    expect(requestsSince(emulator, mark)).toEqual(["PATCH /services/data/composite/sobjects/Contact/External_Id__c 200 50"]);
    expect(contactsIn(emulator)).toEqual(await peopleIn(warehouse));
  }, 180_000);

  it.each(WAREHOUSES)("commits state only for the records a job saved (%s model): failed rows are rejected with Salesforce's message and sent again", async (kind) => {
    const dir = projectDir(`e2e-salesforce-bulk-partial-${kind}`);
    const warehouse = await makeWarehouse(kind, dir);
    await seedPeople(warehouse, 3000);
    await warehouse.query("update gold.people set email = 'bad-' || id where id in (10, 2000); update gold.people set tier = 'Gold' where id = 2999");
    emulator = await session.start({ ...SALESFORCE_ORG, bulkProcessingMs: 10 });
    writeSalesforceConfig(dir, warehouse, emulator, { options: { bulk: "always" } }, { bulkPollIntervalMs: 100 });
    // Another transaction holds four records while the job runs.
    emulator.lockNextRecords(4);

    const first = await cli(["sync", "--json"], dir);
    expect(first.code).toBe(6);
    expect(jsonOf(first).syncs[0]).toMatchObject({ status: "partial", results: { succeeded: 2993, rejected: 3, failed: 4 } });
    const errors = await warehouse.query<{ row_key: string; kind: string; message: string }>(
      "select row_key, kind, message from reverse_etl.sync_errors order by kind, cast(row_key as integer)",
    );
    expect(errors.filter((e) => e.kind === "rejected")).toEqual([
      { row_key: "10", kind: "rejected", message: "[reverse-etl] [salesforce] Salesforce refused the record: INVALID_EMAIL_ADDRESS: Email: invalid email address: bad-10 (fields: Email)" },
      { row_key: "2000", kind: "rejected", message: "[reverse-etl] [salesforce] Salesforce refused the record: INVALID_EMAIL_ADDRESS: Email: invalid email address: bad-2000 (fields: Email)" },
      { row_key: "2999", kind: "rejected", message: "[reverse-etl] [salesforce] Salesforce refused the record: INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: Tier: bad value for restricted picklist field: Gold (fields: Tier__c)" },
    ]);
    const failed = errors.filter((e) => e.kind === "failed");
    expect(failed).toHaveLength(4);
    for (const f of failed) expect(f.message).toContain("UNABLE_TO_LOCK_ROW");
    const state = await warehouse.query<{ n: number }>("select count(*)::int as n from reverse_etl.sync_state");
    expect(Number(state[0]!.n)).toBe(2993);

    // Fixed in the model: the next run sends exactly the 7 records not committed, and all land.
    await warehouse.query("update gold.people set email = 'fixed-' || id || '@example.com' where id in (10, 2000); update gold.people set tier = 'Pro' where id = 2999");
    const mark = emulator.requestLog.length;
    const second = await cli(["sync", "--json"], dir);
    expect(second.code, second.stderr).toBe(0);
    expect(jsonOf(second).syncs[0]).toMatchObject({ status: "succeeded", counts: { added: 7, unchanged: 2993 }, results: { succeeded: 7 } });
    expect(requestsSince(emulator, mark, /jobs/)[1]).toBe("PUT /services/data/jobs/ingest/ID/batches 201 7");
    expect(contactsIn(emulator)).toEqual(await peopleIn(warehouse));
  }, 120_000);
});
