#!/usr/bin/env node
// Customers in Snowflake synced to HubSpot contacts, in one command, with nothing leaving the machine:
//
//   npm run build && node examples/snowflake-to-hubspot/run.mjs            # 2,000 customers
//   node examples/snowflake-to-hubspot/run.mjs --rows 10000
//
// It starts the Snowflake emulator and the HubSpot emulator in this process, loads gold.customers into
// the Snowflake emulator with snowflake-sdk (as you would load a real account), runs the real CLI's `plan`
// and `sync`, then a second `sync` that sends nothing, and prints what HubSpot holds.
import { startEmulator } from "@reverse-etl/destination-hubspot/emulator";
import { startSnowflakeEmulator } from "@reverse-etl/source-snowflake/emulator";
import { startExample } from "../example-run.mjs";


const { rows, step, reverseEtl } = startExample({ name: "snowflake-to-hubspot", plugin: "plugins/source-snowflake", defaultRows: 2000 });

/** Run statements on the emulator with snowflake-sdk, as a user loads a real account. */
async function load(options, statements) {
  // The plugin's loader turns snowflake-sdk's cloud platform probes off before loading it.
  const { loadSnowflakeSdk } = await import("@reverse-etl/source-snowflake");
  const snowflake = await loadSnowflakeSdk();
  const connection = snowflake.createConnection({ ...options });
  await new Promise((ok, fail) => connection.connect((e) => (e ? fail(e) : ok())));
  for (const sqlText of statements) {
    await new Promise((ok, fail) => connection.execute({ sqlText, complete: (e) => (e ? fail(e) : ok()) }));
  }
  await new Promise((ok) => connection.destroy(ok));
}

step("Snowflake and HubSpot emulators");
const snowflake = await startSnowflakeEmulator();
const hubspot = await startEmulator({ port: 0 });
console.log(`Snowflake on ${snowflake.url}, HubSpot on ${hubspot.url}`);
let exitCode = 0;
try {
  step("Warehouse");
  await load(snowflake.options, [
    "create schema gold",
    `create table gold.customers as
       select n as id, 'user' || n || '@example.com' as email,
              decode(n % 5, 0, 'Ada', 1, 'Grace', 2, 'Alan', 3, 'Edsger', 'Barbara') || ' ' ||
              decode(n % 3, 0, 'Lovelace', 1, 'Hopper', 'Turing') as name,
              decode(n % 3, 0, 'free', 1, 'starter', 'pro') as plan
       from (select seq4() + 1 as n from table(generator(rowcount => ${rows})))`,
  ]);
  console.log(`Loaded ${rows.toLocaleString("en-US")} rows into DEV.GOLD.CUSTOMERS with snowflake-sdk`);

  const env = {
    SNOWFLAKE_ACCESS_URL: snowflake.url,
    SNOWFLAKE_ACCOUNT: snowflake.options.account,
    SNOWFLAKE_USER: snowflake.options.username,
    SNOWFLAKE_PASSWORD: snowflake.options.password,
    HUBSPOT_TOKEN: hubspot.accessToken,
    HUBSPOT_BASE_URL: hubspot.url,
  };
  step("Plan: what would change in HubSpot (nothing is written)");
  exitCode = await reverseEtl(["plan"], env);
  if (exitCode === 0) {
    step("Sync");
    exitCode = await reverseEtl(["sync"], env);
  }
  if (exitCode === 0) {
    step("Sync again: nothing changed in Snowflake, so nothing is sent");
    exitCode = await reverseEtl(["sync"], env);
  }

  step("What HubSpot holds");
  const contacts = hubspot.dump("contacts");
  console.log(`${contacts.length.toLocaleString("en-US")} contacts, e.g.:`);
  for (const contact of contacts.slice(0, 3)) {
    const { email, firstname, lastname, lifecyclestage } = contact.properties;
    console.log(`  ${contact.id}  ${email}  ${firstname} ${lastname}  ${lifecyclestage}`);
  }
  const tagged = snowflake.emulator.history.filter((h) => h.queryTag.startsWith("reverse-etl sync=customers_to_contacts run=")).length;
  console.log(`${tagged} statements in Snowflake carried the run's QUERY_TAG`);
} finally {
  await hubspot.close();
  await snowflake.close();
}
process.exit(exitCode);
