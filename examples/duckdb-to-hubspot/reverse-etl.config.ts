// The quickstart's customers synced to HubSpot contacts, against the local HubSpot emulator
// (`npx reverse-etl emulate hubspot --port 4010`) or, with the two settings below, a real account.
// Relative paths in this file are relative to this file's directory, wherever you run the CLI from.
import { defineConfig, env } from "@reverse-etl/core";

export default defineConfig({
  // Sync state (`sync_state`, `sync_runs`, `sync_errors`) lives in the warehouse, in this schema.
  state: { source: "warehouse", schema: "reverse_etl" },

  // `node run.mjs` (or `node ../quickstart/generate-warehouse.mjs`, see the README) creates this file.
  sources: {
    warehouse: { plugin: "@reverse-etl/source-duckdb", path: "warehouse.duckdb" },
  },

  destinations: {
    hubspot: {
      plugin: "@reverse-etl/destination-hubspot",
      // A secret: read from the environment when the config loads, never printed, logged or stored.
      accessToken: env("HUBSPOT_TOKEN"),
      // Where HubSpot's API is. The default is the emulator that `reverse-etl emulate hubspot --port 4010`
      // starts, so this example never reaches a real account by accident; set HUBSPOT_BASE_URL to
      // https://api.hubapi.com (and HUBSPOT_TOKEN to a private app's token) to sync a real one.
      baseUrl: process.env.HUBSPOT_BASE_URL ?? "http://127.0.0.1:4010",
      // HubSpot's limits for a Free/Starter private app (the plugin's and the emulator's defaults).
      rateLimit: { requestsPer10s: 100, daily: 250000 },
    },
  },

  models: {
    // HubSpot contacts have a first and a last name and a lifecycle stage (an enumeration), so the model
    // shapes the gold table into them: the warehouse does the work, the sync only maps columns.
    customers: {
      source: "warehouse",
      primaryKey: "id",
      sql: `select id, email,
                   split_part(name, ' ', 1) as first_name,
                   split_part(name, ' ', 2) as last_name,
                   case plan when 'free' then 'lead' when 'starter' then 'opportunity' else 'customer' end as lifecycle_stage
            from gold.customers`,
      description: "Every customer as a HubSpot contact.",
    },
  },

  syncs: {
    customers_to_contacts: {
      model: "customers",
      destination: "hubspot",
      object: "contacts",
      // Create or update contacts; `mirror` would also archive contacts whose rows leave the model.
      mode: "upsert",
      // HubSpot identifier <- model column: contacts are found (and deduplicated) by email.
      match: { email: "email" },
      // Model column -> HubSpot property. `validate` checks each one exists and is writable.
      fields: { first_name: "firstname", last_name: "lastname", lifecycle_stage: "lifecyclestage" },
    },
  },
});
