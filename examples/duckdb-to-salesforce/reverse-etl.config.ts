// The quickstart's customers synced to Salesforce Contacts, against the local Salesforce emulator
// (`npx reverse-etl emulate salesforce --port 4020`, see the README) or, with the settings below, a real org.
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
    salesforce: {
      plugin: "@reverse-etl/destination-salesforce",
      // Where tokens come from. The default is the emulator on port 4020, so this example never reaches a
      // real org by accident; set SALESFORCE_LOGIN_URL to https://login.salesforce.com (or
      // https://test.salesforce.com for a sandbox) and the three secrets below to a connected app's.
      loginUrl: process.env.SALESFORCE_LOGIN_URL ?? "http://127.0.0.1:4020",
      // The refresh-token flow: sessions renew themselves mid-run. Secrets are read from the environment
      // when the config loads, and never printed, logged or stored.
      clientId: env("SALESFORCE_CLIENT_ID"),
      clientSecret: env("SALESFORCE_CLIENT_SECRET"),
      refreshToken: env("SALESFORCE_REFRESH_TOKEN"),
      // A fifth of the org's daily API allocation stays free for its other integrations (the default).
      apiReserve: 0.2,
    },
  },

  models: {
    // Salesforce Contacts need a last name; the model shapes the gold table into the org's fields.
    customers: {
      source: "warehouse",
      primaryKey: "id",
      sql: `select id, 'C-' || lpad(cast(id as varchar), 6, '0') as customer_id, email,
                   split_part(name, ' ', 1) as first_name,
                   split_part(name, ' ', 2) as last_name,
                   upper(plan[1]) || plan[2:] as plan,
                   lifetime_value, updated_at
            from gold.customers`,
      description: "Every customer as a Salesforce Contact.",
    },
  },

  syncs: {
    customers_to_contacts: {
      model: "customers",
      destination: "salesforce",
      object: "Contact",
      // Create or update Contacts; `mirror` would also delete Contacts whose rows leave the model.
      mode: "upsert",
      // External id field <- model column: Contacts are found (and never duplicated) by Customer_Id__c.
      match: { Customer_Id__c: "customer_id" },
      // Model column -> Contact field. `validate` checks each exists, is writable, and that LastName
      // (which a Contact cannot be created without) is mapped.
      fields: {
        email: "Email",
        first_name: "FirstName",
        last_name: "LastName",
        plan: "Plan__c",
        lifetime_value: "Lifetime_Value__c",
        updated_at: "Last_Activity__c",
      },
      // Bulk API 2.0 for runs of 2,000 records or more, sObject Collections below (the defaults).
      options: { bulk: "auto", bulkThreshold: 2000 },
    },
  },
});
