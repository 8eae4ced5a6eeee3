import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isPluginEmulator, silentLogger } from "@reverse-etl/core";
import emulatorExport from "@reverse-etl/destination-salesforce/emulator";
import salesforce from "@reverse-etl/destination-salesforce";
import { projectDir } from "./support/warehouse.js";
import { makeWarehouse } from "./support/warehouses.js";
import { jsonOf, runCli, startCli, type RunningCli, killIfRunning, stdoutUntil } from "./support/cli.js";
import { seedPeople } from "./support/salesforce.js";

let running: RunningCli | undefined;
afterEach(async () => {
  await killIfRunning(running);
  running = undefined;
});


/** Custom fields the emulated org gets from a schema file. */
const SCHEMA = { fields: { Contact: [{ name: "External_Id__c", type: "string", externalId: true, unique: true, length: 40 }, { name: "Tier__c", type: "picklist", picklistValues: ["Free", "Starter", "Pro", "Enterprise"], restrictedPicklist: true }] } };

describe("the Salesforce emulator export", () => {
  it("is an emulator by core's contract, whose options point the plugin at it", async () => {
    expect(isPluginEmulator(emulatorExport)).toBe(true);
    expect(emulatorExport.name).toBe("salesforce");
    const dir = projectDir("e2e-salesforce-emulator-export");
    writeFileSync(join(dir, "schema.json"), JSON.stringify(SCHEMA));
    const running = await emulatorExport.start({ port: 0, schema: join(dir, "schema.json") });
    try {
      expect(running.options).toEqual({ loginUrl: running.url, clientId: "emulator-client-id", clientSecret: "emulator-client-secret", refreshToken: "emulator-refresh-token" });
      const connection = await salesforce.connect({ ...running.options, apiVersion: "62.0" }, { configDir: dir, name: "crm", logger: silentLogger });
      expect((await connection.describe("Contact", { mode: "upsert" })).identifiers).toEqual(["External_Id__c"]);
    } finally {
      await running.close();
      await running.close();
    }
  });
});

describe("reverse-etl emulate salesforce", () => {
  it("serves an org a sync can write to, with the given token and fields defined over its test endpoints, until SIGINT", async () => {
    const dir = projectDir("e2e-salesforce-emulate");
    running = startCli(["emulate", "salesforce", "--json", "--token", "00DEm0000000007!emulated-token"], { cwd: dir });
    const ready = JSON.parse(await stdoutUntil(running, "\n")) as { url: string; options: Record<string, unknown> };
    expect(ready.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // The plugin options that point at it: the refresh-token flow, so sessions renew however long it runs.
    expect(ready.options).toEqual({ loginUrl: ready.url, clientId: "emulator-client-id", clientSecret: "emulator-client-secret", refreshToken: "emulator-refresh-token" });
    const accessToken = "00DEm0000000007!emulated-token";
    // A script defines the org's custom fields over the test endpoints (no session needed there).
    for (const field of SCHEMA.fields.Contact) {
      const defined = await fetch(`${ready.url}/_emulator/objects/Contact/fields`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(field) });
      expect(defined.status).toBe(201);
    }

    // A project syncs to it with the access token, as a user's CI would.
    const warehouse = await makeWarehouse("duckdb", dir);
    await seedPeople(warehouse, 30);
    writeFileSync(
      join(dir, "reverse-etl.config.json"),
      JSON.stringify({
        sources: { warehouse: warehouse.source },
        destinations: { crm: { plugin: "@reverse-etl/destination-salesforce", instanceUrl: ready.url, accessToken: { $env: "SF_TOKEN" } } },
        models: { people: { source: "warehouse", primaryKey: "id", sql: "select id, external_id, last_name, tier from gold.people" } },
        syncs: { people: { model: "people", destination: "crm", object: "Contact", match: { External_Id__c: "external_id" }, fields: { last_name: "LastName", tier: "Tier__c" } } },
      }),
    );
    const sync = await runCli(["sync", "--json"], { cwd: dir, env: { SF_TOKEN: accessToken } });
    expect(sync.code, sync.stderr).toBe(0);
    expect(jsonOf(sync).syncs[0]).toMatchObject({ status: "succeeded", results: { succeeded: 30 } });
    expect(sync.stdout + sync.stderr).not.toContain("emulated-token");

    // Test endpoints read what it holds.
    const dump = (await (await fetch(`${ready.url}/_emulator/objects/Contact/records`)).json()) as { records: Array<Record<string, unknown>> };
    expect(dump.records).toHaveLength(30);
    expect(dump.records[0]).toMatchObject({ External_Id__c: "P-1", LastName: "Last1", Tier__c: "Starter" });

    running.child.kill("SIGINT");
    const ended = await running.done;
    expect(ended.code).toBe(0);
  }, 60_000);
});
