import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startHubSpotEmulator, type HubSpotEmulator } from "@reverse-etl/destination-hubspot/emulator";
import { projectDir } from "./support/warehouse.js";
import { makeWarehouse, type TestWarehouse } from "./support/warehouses.js";
import { jsonOf, runCli } from "./support/cli.js";

const TOKEN = "pat-na1-values-check-token-0000";
let emulator: HubSpotEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

function config(dir: string, warehouse: TestWarehouse, url: string, fields: Record<string, string>): void {
  writeFileSync(
    join(dir, "reverse-etl.config.json"),
    JSON.stringify({
      sources: { warehouse: warehouse.source },
      destinations: { crm: { plugin: "@reverse-etl/destination-hubspot", accessToken: { $env: "HUBSPOT_TOKEN" }, baseUrl: url } },
      models: { people: { source: "warehouse", primaryKey: "id", sql: "select * from gold.people" } },
      syncs: { people_to_contacts: { model: "people", destination: "crm", object: "contacts", match: { email: "email" }, fields } },
    }),
  );
}

describe("values HubSpot would refuse are caught before any write", () => {
  it("validate and plan name the values that are not options of an enumeration; sync sends the rest and rejects those rows", async () => {
    const dir = projectDir("e2e-hubspot-values");
    const warehouse = await makeWarehouse("duckdb", dir);
    await warehouse.query(
      `create schema gold; create table gold.people as
         select i as id, 'p' || i || '@example.com' as email, case when i in (3, 7) then 'vip' when i = 9 then 'gold' else 'lead' end as stage
         from range(1, 21) t(i)`,
    );
    emulator = await startHubSpotEmulator({ accessToken: TOKEN });
    config(dir, warehouse, emulator.url, { stage: "lifecyclestage" });
    const env = { HUBSPOT_TOKEN: TOKEN };

    const validate = await runCli(["validate"], { cwd: dir, env });
    expect(validate.code).toBe(2);
    expect(validate.stdout).toMatch(/\/syncs\/people_to_contacts\/fields\/stage: column "stage" holds values that are not options of enumeration "lifecyclestage" of object "contacts": ("gold", "vip"|"vip", "gold")/);
    expect(emulator.requestLog.filter((r) => r.path.includes("/batch/"))).toEqual([]);

    const plan = jsonOf(await runCli(["plan", "--json"], { cwd: dir, env })).syncs[0];
    expect(plan.warnings.join("\n")).toMatch(/not options of enumeration "lifecyclestage".*those rows will be rejected/);

    const sync = jsonOf(await runCli(["sync", "--json"], { cwd: dir, env })).syncs[0];
    expect(sync.results).toEqual({ succeeded: 17, rejected: 3, failed: 0 });
    expect(emulator.dump("contacts")).toHaveLength(17);
  });

  it("validate refuses a column whose type a property cannot take, naming both", async () => {
    const dir = projectDir("e2e-hubspot-types");
    const warehouse = await makeWarehouse("duckdb", dir);
    await warehouse.query(
      `create schema gold; create table gold.people as
         select i as id, 'p' || i || '@example.com' as email, i % 2 = 0 as opted_out, timestamp '2024-01-01' as born, true as flag
         from range(1, 4) t(i)`,
    );
    emulator = await startHubSpotEmulator({ accessToken: TOKEN });
    config(dir, warehouse, emulator.url, { opted_out: "hs_email_optout", born: "date_of_birth", flag: "hs_lead_status" });
    expect((await runCli(["validate"], { cwd: dir, env: { HUBSPOT_TOKEN: TOKEN } })).code).toBe(0);

    config(dir, warehouse, emulator.url, { born: "hs_email_optout" });
    const refused = await runCli(["validate"], { cwd: dir, env: { HUBSPOT_TOKEN: TOKEN } });
    expect(refused.code).toBe(2);
    expect(refused.stdout).toContain('/syncs/people_to_contacts/fields/born: type mismatch: column "born" is TIMESTAMP but field "hs_email_optout" of object "contacts" is a bool');
    const sync = await runCli(["sync", "--json"], { cwd: dir, env: { HUBSPOT_TOKEN: TOKEN } });
    expect(sync.code).toBe(2);
    expect(emulator.dump("contacts")).toEqual([]);
  });
});
