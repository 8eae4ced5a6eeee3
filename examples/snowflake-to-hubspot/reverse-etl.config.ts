// Customers in Snowflake synced to HubSpot contacts. `node run.mjs` runs it against the local Snowflake
// and HubSpot emulators; with the environment below set, against real accounts.
import { defineConfig, env } from "@reverse-etl/core";

export default defineConfig({
  // Sync state (`sync_state`, `sync_runs`, `sync_errors`) lives in Snowflake, in this schema.
  state: { source: "warehouse", schema: "reverse_etl" },

  sources: {
    warehouse: {
      plugin: "@reverse-etl/source-snowflake",
      account: process.env.SNOWFLAKE_ACCOUNT ?? "emulator",
      username: process.env.SNOWFLAKE_USER ?? "emulator",
      // A secret: read from the environment when the config loads, never printed, logged or stored.
      password: env("SNOWFLAKE_PASSWORD"),
      database: process.env.SNOWFLAKE_DATABASE ?? "DEV",
      warehouse: process.env.SNOWFLAKE_WAREHOUSE ?? "COMPUTE_WH",
      // Where the account is. Unset (a real account), the driver builds it from `account`; run.mjs sets it
      // to the emulator's URL.
      ...(process.env.SNOWFLAKE_ACCESS_URL ? { accessUrl: process.env.SNOWFLAKE_ACCESS_URL } : {}),
    },
  },

  destinations: {
    hubspot: {
      plugin: "@reverse-etl/destination-hubspot",
      accessToken: env("HUBSPOT_TOKEN"),
      // The emulator that `reverse-etl emulate hubspot --port 4010` starts unless HUBSPOT_BASE_URL says otherwise.
      baseUrl: process.env.HUBSPOT_BASE_URL ?? "http://127.0.0.1:4010",
    },
  },

  models: {
    // Snowflake folds unquoted names to upper case; the config names them in lower case and they resolve.
    customers: {
      source: "warehouse",
      primaryKey: "id",
      sql: `select id, email,
                   split_part(name, ' ', 1) as first_name,
                   split_part(name, ' ', 2) as last_name,
                   iff(plan = 'free', 'lead', iff(plan = 'starter', 'opportunity', 'customer')) as lifecycle_stage
            from gold.customers`,
      description: "Every customer as a HubSpot contact.",
    },
  },

  syncs: {
    customers_to_contacts: {
      model: "customers",
      destination: "hubspot",
      object: "contacts",
      mode: "upsert",
      match: { email: "email" },
      fields: { first_name: "firstname", last_name: "lastname", lifecycle_stage: "lifecyclestage" },
    },
  },
});
