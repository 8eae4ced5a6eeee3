// A reverse-etl project whose syncs are reviewed in pull requests: CI plans every change of this file
// against a fixture warehouse (ci/seed.sql) and the HubSpot emulator, and posts the plan on the pull
// request (see README.md). Relative paths in this file are relative to this file's directory.
import { defineConfig, env } from "@reverse-etl/core";

export default defineConfig({
  state: { source: "warehouse", schema: "reverse_etl" },

  sources: {
    // In CI, ci/plan-comment.mjs seeds a fresh DuckDB file and sets WAREHOUSE_PATH to it; elsewhere this
    // is your warehouse (here a local file; a PostgreSQL source would read env("WAREHOUSE_URL") the same way).
    warehouse: { plugin: "@reverse-etl/source-duckdb", path: process.env.WAREHOUSE_PATH ?? "warehouse.duckdb" },
  },

  destinations: {
    hubspot: {
      plugin: "@reverse-etl/destination-hubspot",
      // A secret: read from the environment when the config loads, never printed, logged or stored. In CI
      // it is the emulator's token, which ci/plan-comment.mjs exports.
      accessToken: env("HUBSPOT_TOKEN"),
      // The HubSpot emulator by default, so a plan never reaches a real account by accident; set
      // HUBSPOT_BASE_URL=https://api.hubapi.com (and a private app's token) to sync a real one.
      baseUrl: process.env.HUBSPOT_BASE_URL ?? "http://127.0.0.1:4010",
    },
  },

  models: {
    customers: {
      source: "warehouse",
      primaryKey: "id",
      // HubSpot's lifecycle stage is an enumeration: the warehouse maps plans onto its internal values.
      sql: `select id, email, first_name, last_name, country,
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
      mode: "upsert",
      // HubSpot identifier <- model column: contacts are found (and deduplicated) by email.
      match: { email: "email" },
      // Model column -> HubSpot property. Renaming a property here resends every contact once: the plan
      // on the pull request says so, and why.
      fields: { first_name: "firstname", last_name: "lastname", country: "country", lifecycle_stage: "lifecyclestage" },
    },
  },
});
