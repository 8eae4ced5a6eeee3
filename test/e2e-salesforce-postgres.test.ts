import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { SalesforceEmulator } from "@reverse-etl/destination-salesforce/emulator";
import { projectDir } from "./support/warehouse.js";
import { makeWarehouse, type TestWarehouse } from "./support/warehouses.js";
import { jsonOf } from "./support/cli.js";
import { requestsSince, SALESFORCE_ORG, useSalesforceCli, writeSalesforceConfig } from "./support/salesforce.js";

const session = useSalesforceCli();
const { cli } = session;
let emulator: SalesforceEmulator | undefined;

/** Contact with typed custom fields, beside the org's standard date and boolean fields. */
const ORG = {
  ...SALESFORCE_ORG,
  fields: {
    Contact: [
      ...SALESFORCE_ORG.fields!.Contact!,
      { name: "Visits__c", type: "int" as const, label: "Visits", precision: 9 },
      { name: "Last_Seen__c", type: "datetime" as const, label: "Last Seen" },
    ],
  },
};

/**
 * `gold.members` in PostgreSQL with its own types: a bigint key, numeric, integer, boolean, date,
 * timestamptz, and nulls, which Salesforce stores as cleared fields.
 */
async function seedMembers(warehouse: TestWarehouse, rows: number): Promise<void> {
  await warehouse.query(
    `create schema if not exists gold;
     create table gold.members (
       id bigint primary key, external_id text not null, email text, last_name text not null, tier text,
       ltv numeric(12, 2), visits integer, opted_out boolean not null, birthdate date, last_seen timestamptz);
     insert into gold.members
       select i, 'M-' || i, 'member' || i || '@example.com', 'Member' || i,
              (array['Free', 'Starter', 'Pro', 'Enterprise'])[1 + i % 4],
              case when i % 10 = 0 then null else i * 7.25 end, i % 50, i % 3 = 0,
              date '1970-01-01' + (i * 37) % 18000,
              case when i % 7 = 0 then null else timestamptz '2026-01-01 09:30:00+02' + i * interval '61 minutes' end
       from generate_series(1, ${rows}) as t(i)`,
  );
}

const SQL = "select id, external_id, email, last_name, tier, ltv, visits, opted_out, birthdate, last_seen from gold.members";
const FIELDS = {
  email: "Email",
  last_name: "LastName",
  tier: "Tier__c",
  ltv: "Lifetime_Value__c",
  visits: "Visits__c",
  opted_out: "HasOptedOutOfEmail",
  birthdate: "Birthdate",
  last_seen: "Last_Seen__c",
};

/** The model as Salesforce should hold it, computed by PostgreSQL: external id -> fields as Salesforce returns them. */
async function membersIn(warehouse: TestWarehouse): Promise<Map<string, Record<string, unknown>>> {
  const rows = await warehouse.query<Record<string, string | number | boolean | null>>(
    `select external_id, email, last_name, tier, ltv::float8 as ltv, visits, opted_out, to_char(birthdate, 'YYYY-MM-DD') as birthdate,
            to_char(last_seen at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"+0000"') as last_seen
     from gold.members order by id`,
  );
  return new Map(
    rows.map((r) => [
      String(r.external_id),
      { Email: r.email, LastName: r.last_name, Tier__c: r.tier, Lifetime_Value__c: r.ltv, Visits__c: r.visits, HasOptedOutOfEmail: r.opted_out, Birthdate: r.birthdate, Last_Seen__c: r.last_seen },
    ]),
  );
}

/** The synced fields of every Contact, by external id; fails on two records of one external id. */
function membersInSalesforce(e: SalesforceEmulator): Map<string, Record<string, unknown>> {
  const contacts = e.dump("Contact");
  const byId = new Map(contacts.map((c) => [String(c.External_Id__c), Object.fromEntries(Object.values(FIELDS).map((f) => [f, c[f]]))]));
  if (byId.size !== contacts.length) throw new Error(`${contacts.length - byId.size} contacts share an external id`);
  return byId;
}

describe.each(["never", "always"] as const)("a PostgreSQL model of many types into Salesforce (bulk: %s), through the CLI", (bulk) => {
  it("creates, sends nothing next, updates exactly the changed records, mirror deletes exactly the removed ones: Salesforce holds the model", async () => {
    const dir = projectDir(`e2e-salesforce-pg-${bulk}`);
    const warehouse = await makeWarehouse("postgres", dir);
    await seedMembers(warehouse, 600);
    emulator = await session.start({ ...ORG, bulkProcessingMs: 10 });
    const sync = (mode: string) => ({ mode, match: { External_Id__c: "external_id" }, fields: FIELDS, options: { bulk } });
    const configure = (mode: string) => {
      writeSalesforceConfig(dir, warehouse, emulator!, sync(mode), { bulkPollIntervalMs: 100 });
      // The shared config's model reads gold.people: point it at gold.members.
      const file = join(dir, "reverse-etl.config.json");
      const config = JSON.parse(readFileSync(file, "utf8"));
      config.models.people.sql = SQL;
      writeFileSync(file, JSON.stringify(config, null, 2));
    };
    configure("upsert");

    const first = await cli(["sync", "--json"], dir);
    expect(first.code, first.stderr).toBe(0);
    expect(jsonOf(first).syncs[0]).toMatchObject({ status: "succeeded", counts: { added: 600 }, results: { succeeded: 600, rejected: 0, failed: 0 } });
    expect(requestsSince(emulator, 0, bulk === "always" ? /jobs/ : /composite/)[1]).toBe(
      bulk === "always" ? "PUT /services/data/jobs/ingest/ID/batches 201 600" : "PATCH /services/data/composite/sobjects/Contact/External_Id__c 200 200",
    );
    expect(membersInSalesforce(emulator)).toEqual(await membersIn(warehouse));

    let mark = emulator.requestLog.length;
    const second = await cli(["sync", "--json"], dir);
    expect(second.code, second.stderr).toBe(0);
    expect(jsonOf(second).syncs[0].counts).toMatchObject({ added: 0, changed: 0, unchanged: 600 });
    expect(requestsSince(emulator, mark)).toEqual([]);

    // Changes of every type, and values set to null: exactly those records are modified.
    await warehouse.query(
      `update gold.members set opted_out = not opted_out where id in (3, 4);
       update gold.members set last_seen = last_seen + interval '1 second' where id = 10;
       update gold.members set birthdate = null, ltv = null, visits = 0 where id = 11;
       update gold.members set email = null where id = 500`,
    );
    const before = new Map(emulator.dump("Contact").map((c) => [c.External_Id__c, c.SystemModstamp]));
    await new Promise((resolve) => setTimeout(resolve, 5));
    mark = emulator.requestLog.length;
    const third = await cli(["sync", "--json"], dir);
    expect(third.code, third.stderr).toBe(0);
    expect(jsonOf(third).syncs[0]).toMatchObject({ counts: { changed: 5, unchanged: 595 }, results: { succeeded: 5 } });
    const modified = emulator.dump("Contact").filter((c) => before.get(c.External_Id__c) !== c.SystemModstamp);
    expect(modified.map((c) => c.External_Id__c).sort()).toEqual(["M-10", "M-11", "M-3", "M-4", "M-500"]);
    expect(membersInSalesforce(emulator)).toEqual(await membersIn(warehouse));
    if (bulk === "always") expect(requestsSince(emulator, mark, /jobs/)[1]).toBe("PUT /services/data/jobs/ingest/ID/batches 201 5");

    // Rows leave the model: mirror deletes exactly their records (deletes always use collections).
    await warehouse.query("delete from gold.members where id in (1, 250, 599, 600)");
    configure("mirror");
    mark = emulator.requestLog.length;
    const fourth = await cli(["sync", "--json"], dir);
    expect(fourth.code, fourth.stderr).toBe(0);
    expect(jsonOf(fourth).syncs[0]).toMatchObject({ status: "succeeded", counts: { removed: 4, added: 0, changed: 0 } });
    expect(requestsSince(emulator, mark)).toEqual(["GET /services/data/query 200", "DELETE /services/data/composite/sobjects 200"]);
    expect(emulator.dump("Contact")).toHaveLength(596);
    expect(membersInSalesforce(emulator)).toEqual(await membersIn(warehouse));
  }, 180_000);
});
