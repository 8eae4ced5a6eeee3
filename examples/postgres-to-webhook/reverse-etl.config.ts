// A PostgreSQL table synced to a webhook: gold.customers -> POST batches of JSON to WEBHOOK_URL.
// Relative paths in this file are relative to this file's directory, wherever you run the CLI from.
import { defineConfig, env } from "@reverse-etl/core";

export default defineConfig({
  // Sync state (`sync_state`), the run history (`sync_runs`) and undelivered rows (`sync_errors`) live in
  // the warehouse itself, in this schema; the first sync creates it. The diff of each run is computed there.
  state: { source: "warehouse", schema: "reverse_etl" },

  sources: {
    warehouse: {
      plugin: "@reverse-etl/source-postgres",
      // postgres://user:password@host:5432/database — a secret: read when the config loads, never printed.
      url: env("WAREHOUSE_URL"),
      // libpq's sslmode; `prefer` uses SSL when the server offers it. Use `verify-full` across networks.
      sslmode: "prefer",
    },
  },

  destinations: {
    hook: {
      plugin: "@reverse-etl/destination-webhook",
      // Where batches are POSTed. `node examples/postgres-to-webhook/receiver.mjs` prints one to use.
      url: env("WEBHOOK_URL"),
      batchSize: 100,
    },
  },

  models: {
    customers: {
      source: "warehouse",
      primaryKey: "customer_id",
      sql: "select customer_id, email, full_name, plan, lifetime_value, updated_at from gold.customers",
      description: "Every customer, one row each, from the gold layer.",
    },
  },

  syncs: {
    customers_to_hook: {
      model: "customers",
      destination: "hook",
      object: "customers",
      // Create or update; `mirror` would also send a delete for each row that leaves the model.
      mode: "upsert",
      // Destination identifier <- model column, sent as each record's `match`.
      match: { email: "email" },
      // Model column -> destination field. Only these columns (and `match`) are fingerprinted.
      fields: { full_name: "name", plan: "plan_tier", lifetime_value: "ltv", updated_at: "updated_at" },
    },
  },
});
