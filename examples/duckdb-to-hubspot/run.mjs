#!/usr/bin/env node
// The quickstart's customers synced to HubSpot contacts, in one command, with nothing leaving the machine:
//
//   npm run build && node examples/duckdb-to-hubspot/run.mjs              # 2,000 customers
//   node examples/duckdb-to-hubspot/run.mjs --rows 10000                  # more (HubSpot's limits pace it)
//
// It starts the HubSpot emulator in this process (the same one `reverse-etl emulate hubspot` runs), creates
// a fresh warehouse.duckdb here with the quickstart's generator, runs the real CLI's `plan` and `sync`
// with --config, prints what the emulator holds, and stops the emulator. The emulator keeps records in
// memory only, so every run starts from a fresh warehouse (its sync state would otherwise say "synced").
import { statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startEmulator } from "@reverse-etl/destination-hubspot/emulator";
import { startExample } from "../example-run.mjs";
import { generateWarehouse, removeWarehouse } from "../quickstart/generate-warehouse.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const warehouse = join(here, "warehouse.duckdb");

const { rows, step, reverseEtl } = startExample({ name: "duckdb-to-hubspot", plugin: "plugins/destination-hubspot", defaultRows: 2000 });

step("HubSpot emulator");
const hubspot = await startEmulator({ port: 0 });
console.log(`Listening on ${hubspot.url} (HubSpot's limits: 100 requests per 10 s, 100 records per batch)`);
let exitCode = 0;
try {
  step("Warehouse");
  removeWarehouse(warehouse);
  await generateWarehouse(warehouse, { rows });
  console.log(`Created ${warehouse} with ${rows.toLocaleString("en-US")} rows in gold.customers (${Math.round(statSync(warehouse).size / 1024)} KB)`);

  const env = { HUBSPOT_TOKEN: hubspot.accessToken, HUBSPOT_BASE_URL: hubspot.url };
  step("Plan: what would change in HubSpot (nothing is written)");
  exitCode = await reverseEtl(["plan"], env);
  if (exitCode === 0) {
    step("Sync");
    exitCode = await reverseEtl(["sync"], env);
  }

  step("What the emulator holds");
  const contacts = hubspot.dump("contacts");
  console.log(`${contacts.length.toLocaleString("en-US")} contacts, e.g.:`);
  for (const contact of contacts.slice(0, 3)) {
    const { email, firstname, lastname, lifecyclestage } = contact.properties;
    console.log(`  ${contact.id}  ${email}  ${firstname} ${lastname}  ${lifecyclestage}`);
  }
  const writes = hubspot.requestLog.filter((r) => r.path.endsWith("/batch/upsert"));
  console.log(`${writes.length} batch upsert requests; at most ${hubspot.rateLimitStats.maxInInterval} requests in any 10 s; ${hubspot.rateLimitStats.rejectedInterval} answered 429`);
} finally {
  await hubspot.close();
}
process.exit(exitCode);
