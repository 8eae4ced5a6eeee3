#!/usr/bin/env node
// The quickstart's customers synced to Salesforce Contacts, in one command, with nothing leaving the machine:
//
//   npm run build && node examples/duckdb-to-salesforce/run.mjs        # 5,000 customers (Bulk API 2.0)
//   node examples/duckdb-to-salesforce/run.mjs --rows 500               # fewer (sObject Collections)
//
// It starts the Salesforce emulator in this process (the one `reverse-etl emulate salesforce` runs) with
// the custom fields of schema.json, creates a fresh warehouse.duckdb here with the quickstart's generator,
// runs the real CLI's `validate`, `plan` and `sync` with --config, changes a few customers and syncs again,
// prints what the emulator holds and the API calls it answered, and stops the emulator.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { startSalesforceEmulator } from "@reverse-etl/destination-salesforce/emulator";
import { startExample } from "../example-run.mjs";
import { generateWarehouse, removeWarehouse } from "../quickstart/generate-warehouse.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const warehouse = join(here, "warehouse.duckdb");

const { rows, step, reverseEtl } = startExample({ name: "duckdb-to-salesforce", plugin: "plugins/destination-salesforce", defaultRows: 5000 });

/** Requests the emulator answered under /services/data (each counts against the org's daily allocation). */
const apiCalls = (emulator, from = 0) => emulator.requestLog.slice(from).filter((r) => r.path.startsWith("/services/data/v"));

step("Salesforce emulator");
const schema = JSON.parse(readFileSync(join(here, "schema.json"), "utf8"));
const salesforce = await startSalesforceEmulator({ ...schema, bulkProcessingMs: 50 });
console.log(`Listening on ${salesforce.url}: Contact has ${schema.fields.Contact.map((f) => f.name).join(", ")}`);
let exitCode = 0;
try {
  step("Warehouse");
  removeWarehouse(warehouse);
  await generateWarehouse(warehouse, { rows });
  console.log(`Created ${warehouse} with ${rows.toLocaleString("en-US")} rows in gold.customers`);

  const env = {
    SALESFORCE_LOGIN_URL: salesforce.url,
    SALESFORCE_CLIENT_ID: salesforce.clientId,
    SALESFORCE_CLIENT_SECRET: salesforce.clientSecret,
    SALESFORCE_REFRESH_TOKEN: salesforce.refreshToken,
  };
  step("Validate: the mapping against Contact's describe");
  exitCode = await reverseEtl(["validate"], env);
  if (exitCode === 0) {
    step("Plan: what would change in Salesforce (nothing is written)");
    exitCode = await reverseEtl(["plan"], env);
  }
  if (exitCode === 0) {
    step("Sync");
    const mark = salesforce.requestLog.length;
    exitCode = await reverseEtl(["sync"], env);
    console.log(`${apiCalls(salesforce, mark).length} API calls for ${rows.toLocaleString("en-US")} rows`);
  }
  if (exitCode === 0) {
    step("Ten customers change plan; sync again: only they are sent");
    const instance = await DuckDBInstance.create(warehouse);
    const connection = await instance.connect();
    await connection.run("update gold.customers set plan = 'enterprise' where id % 500 = 1");
    connection.closeSync();
    instance.closeSync();
    const mark = salesforce.requestLog.length;
    exitCode = await reverseEtl(["sync"], env);
    console.log(apiCalls(salesforce, mark).map((r) => `${r.method} ${r.path}${r.records !== undefined ? ` (${r.records} records)` : ""}`).join("\n"));
  }

  step("What the emulator holds");
  const contacts = salesforce.dump("Contact");
  console.log(`${contacts.length.toLocaleString("en-US")} Contacts, e.g.:`);
  for (const c of contacts.slice(0, 3)) console.log(`  ${c.Id}  ${c.Customer_Id__c}  ${c.Name}  ${c.Email}  ${c.Plan__c}  ${c.Lifetime_Value__c}`);
  console.log(`API usage: ${salesforce.apiUsage.used} of ${salesforce.apiUsage.max} daily requests`);
} finally {
  await salesforce.close();
}
process.exit(exitCode);
