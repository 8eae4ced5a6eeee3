import { describe, expect, it } from "vitest";
import type { SalesforceEmulator } from "@reverse-etl/destination-salesforce/emulator";
import { projectDir } from "./support/warehouse.js";
import { makeWarehouse, WAREHOUSES } from "./support/warehouses.js";
import { jsonOf } from "./support/cli.js";
import { contactsIn, peopleIn, requestsSince, SALESFORCE_ORG, seedPeople, useSalesforceCli, writeSalesforceConfig } from "./support/salesforce.js";

const session = useSalesforceCli();
const { cli } = session;
let emulator: SalesforceEmulator | undefined;

describe.each(WAREHOUSES)("sync %s to Salesforce Contacts, end to end through the CLI against the emulator", (kind) => {
  it("creates, then sends nothing, then updates exactly the changed records, then mirror deletes exactly the removed ones", async () => {
    const dir = projectDir(`e2e-salesforce-${kind}`);
    const warehouse = await makeWarehouse(kind, dir);
    await seedPeople(warehouse, 250);
    emulator = await session.start(SALESFORCE_ORG);
    writeSalesforceConfig(dir, warehouse, emulator);

    const first = await cli(["sync", "--json"], dir);
    expect(first.code, first.stderr).toBe(0);
    expect(jsonOf(first).syncs[0]).toMatchObject({ status: "succeeded", counts: { added: 250 }, results: { succeeded: 250, rejected: 0, failed: 0 } });
    expect(requestsSince(emulator, 0).sort()).toEqual([
      "PATCH /services/data/composite/sobjects/Contact/External_Id__c 200 200",
      "PATCH /services/data/composite/sobjects/Contact/External_Id__c 200 50",
    ]);
    expect(contactsIn(emulator)).toEqual(await peopleIn(warehouse));

    // Nothing changed: the diff happens in the warehouse and nothing is written.
    let mark = emulator.requestLog.length;
    const second = await cli(["sync", "--json"], dir);
    expect(jsonOf(second).syncs[0].counts).toMatchObject({ added: 0, changed: 0, unchanged: 250 });
    expect(requestsSince(emulator, mark)).toEqual([]);

    // Three people change: exactly those three records are sent and modified.
    await warehouse.query("update gold.people set tier = 'Enterprise' where id in (5, 17); update gold.people set last_name = 'Renamed' where id = 42");
    const before = new Map(emulator.dump("Contact").map((c) => [c.External_Id__c, c.SystemModstamp]));
    await new Promise((resolve) => setTimeout(resolve, 5));
    mark = emulator.requestLog.length;
    const third = await cli(["sync", "--json"], dir);
    expect(jsonOf(third).syncs[0]).toMatchObject({ counts: { changed: 3, unchanged: 247 }, results: { succeeded: 3 } });
    expect(requestsSince(emulator, mark)).toEqual(["PATCH /services/data/composite/sobjects/Contact/External_Id__c 200 3"]);
    const modified = emulator.dump("Contact").filter((c) => before.get(c.External_Id__c) !== c.SystemModstamp);
    expect(modified.map((c) => c.External_Id__c).sort()).toEqual(["P-17", "P-42", "P-5"]);
    expect(contactsIn(emulator)).toEqual(await peopleIn(warehouse));

    // Rows leave the model: a mirror sync finds their records by external id and deletes exactly those.
    await warehouse.query("delete from gold.people where id in (3, 99, 200)");
    writeSalesforceConfig(dir, warehouse, emulator, { mode: "mirror" });
    mark = emulator.requestLog.length;
    const fourth = await cli(["sync", "--json"], dir);
    expect(fourth.code, fourth.stderr).toBe(0);
    expect(jsonOf(fourth).syncs[0]).toMatchObject({ status: "succeeded", counts: { removed: 3, added: 0, changed: 0 } });
    expect(requestsSince(emulator, mark)).toEqual(["GET /services/data/query 200", "DELETE /services/data/composite/sobjects 200"]);
    expect(emulator.dump("Contact")).toHaveLength(247);
    expect(contactsIn(emulator)).toEqual(await peopleIn(warehouse));
  });

  it("rejects bad rows with Salesforce's message in sync_errors, lands the rest, and retries the rejected rows next run", async () => {
    const dir = projectDir(`e2e-salesforce-bad-${kind}`);
    const warehouse = await makeWarehouse(kind, dir);
    await seedPeople(warehouse, 120);
    await warehouse.query(
      `update gold.people set email = 'not-an-email-' || id where id = 7;
       update gold.people set tier = 'Platinum' where id = 64;
       update gold.people set last_name = repeat('x', 81) where id = 101`,
    );
    emulator = await session.start(SALESFORCE_ORG);
    writeSalesforceConfig(dir, warehouse, emulator);

    const first = await cli(["sync", "--json"], dir);
    expect(first.code).toBe(6);
    expect(jsonOf(first).syncs[0]).toMatchObject({ status: "partial", results: { succeeded: 117, rejected: 3, failed: 0 } });
    const model = await peopleIn(warehouse);
    for (const bad of ["P-7", "P-64", "P-101"]) model.delete(bad);
    expect(contactsIn(emulator)).toEqual(model);

    const errors = await warehouse.query<{ row_key: string; kind: string; message: string }>(
      "select row_key, kind, message from reverse_etl.sync_errors order by cast(row_key as integer)",
    );
    expect(errors).toEqual([
      { row_key: "7", kind: "rejected", message: "[reverse-etl] [salesforce] Salesforce refused the record: INVALID_EMAIL_ADDRESS: Email: invalid email address: not-an-email-7 (fields: Email)" },
      { row_key: "64", kind: "rejected", message: "[reverse-etl] [salesforce] Salesforce refused the record: INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: Tier: bad value for restricted picklist field: Platinum (fields: Tier__c)" },
      { row_key: "101", kind: "rejected", message: `[reverse-etl] [salesforce] Salesforce refused the record: STRING_TOO_LONG: Last Name: data value too large: ${"x".repeat(81)} (max length=80) (fields: LastName)` },
    ]);

    // Next run: only the three rejected rows are sent again; once fixed in the model, they land.
    let mark = emulator.requestLog.length;
    const second = await cli(["sync", "--json"], dir);
    expect(jsonOf(second).syncs[0]).toMatchObject({ counts: { added: 3, unchanged: 117 }, results: { succeeded: 0, rejected: 3 } });
    expect(requestsSince(emulator, mark)).toEqual(["PATCH /services/data/composite/sobjects/Contact/External_Id__c 200 3"]);
    await warehouse.query("update gold.people set email = 'fixed7@example.com' where id = 7; update gold.people set tier = 'Pro' where id = 64; update gold.people set last_name = 'Short' where id = 101");
    mark = emulator.requestLog.length;
    const third = await cli(["sync", "--json"], dir);
    expect(third.code, third.stderr).toBe(0);
    expect(jsonOf(third).syncs[0]).toMatchObject({ status: "succeeded", results: { succeeded: 3, rejected: 0 } });
    expect(requestsSince(emulator, mark)).toEqual(["PATCH /services/data/composite/sobjects/Contact/External_Id__c 200 3"]);
    expect(contactsIn(emulator)).toEqual(await peopleIn(warehouse));
  });
});

describe("validate against Salesforce", () => {
  it("fails (exit 2) for a mapping to a missing field, a read-only field, or without a required field, naming field and object, before any write", async () => {
    const dir = projectDir("e2e-salesforce-validate");
    const warehouse = await makeWarehouse("duckdb", dir);
    await seedPeople(warehouse, 10);
    emulator = await session.start(SALESFORCE_ORG);
    writeSalesforceConfig(dir, warehouse, emulator, { fields: { email: "Email", first_name: "Favourite_Colour__c", last_name: "LastName", tier: "CreatedDate" } });

    const result = await cli(["validate", "--json"], dir);
    expect(result.code).toBe(2);
    const problems = jsonOf(result).syncs[0].problems as string[];
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('field "Favourite_Colour__c" does not exist on object "Contact"'),
        expect.stringContaining('field "CreatedDate" of object "Contact" is read-only'),
      ]),
    );
    // An insert sync that leaves out LastName, which a Contact cannot be created without.
    writeSalesforceConfig(dir, warehouse, emulator, { mode: "insert", match: undefined, fields: { external_id: "External_Id__c", email: "Email" } });
    const insert = await cli(["validate", "--json"], dir);
    expect(insert.code).toBe(2);
    expect(jsonOf(insert).syncs[0].problems).toEqual([
      '/syncs/people_to_contacts/fields: field "LastName" of object "Contact" is required to create records, and mode "insert" creates them; map a column to it',
    ]);
    const sync = await cli(["sync"], dir);
    expect(sync.code).toBe(2);
    expect(requestsSince(emulator, 0)).toEqual([]);
    expect(emulator.dump("Contact")).toEqual([]);
  });

  it.each(WAREHOUSES)("validate (exit 2) and plan catch a %s model's text longer than its field before any write, naming row, field, object, length and limit", async (kind) => {
    const dir = projectDir(`e2e-salesforce-length-${kind}`);
    const warehouse = await makeWarehouse(kind, dir);
    await seedPeople(warehouse, 30);
    // LastName takes 80 characters, External_Id__c 40; multi-byte characters count once.
    await warehouse.query(`update gold.people set last_name = repeat('é', 81) where id = 12; update gold.people set last_name = repeat('ü', 80) where id = 13;
                           update gold.people set external_id = 'P-' || repeat('9', 39) where id = 20`);
    emulator = await session.start(SALESFORCE_ORG);
    writeSalesforceConfig(dir, warehouse, emulator);

    const result = await cli(["validate", "--json"], dir);
    expect(result.code).toBe(2);
    expect(jsonOf(result).syncs[0].problems).toEqual([
      '/syncs/people_to_contacts/fields/last_name: column "last_name" holds text longer than field "LastName" of object "Contact" takes (80 characters): 1 row (key "12") has up to 81 characters; shorten them in the model\'s SQL (e.g. left(last_name, 80))',
      '/syncs/people_to_contacts/match/External_Id__c: column "external_id" holds text longer than field "External_Id__c" of object "Contact" takes (40 characters): 1 row (key "20") has up to 41 characters; shorten them in the model\'s SQL (e.g. left(external_id, 40))',
    ]);
    const text = await cli(["validate"], dir);
    expect(text.code).toBe(2);
    expect(text.stdout).toContain('field "LastName" of object "Contact" takes (80 characters): 1 row (key "12")');

    const plan = await cli(["plan", "--json"], dir);
    expect(plan.code, plan.stderr).toBe(0);
    expect(jsonOf(plan).syncs[0].warnings).toEqual(
      expect.arrayContaining([expect.stringContaining('column "last_name" holds text longer than field "LastName" of object "Contact" takes (80 characters)')]),
    );
    expect(requestsSince(emulator, 0)).toEqual([]);
    expect(emulator.dump("Contact")).toEqual([]);
  });
});
