// The quickstart's reverse-etl project: one warehouse, one destination, one model, one sync.
// Relative paths in this file are relative to this file's directory, wherever you run the CLI from.
// `defineConfig` does nothing at runtime; it gives your editor autocompletion and type checks.
import { defineConfig } from "@reverse-etl/core";

export default defineConfig({
  // Where reverse-etl keeps what it has synced (the `sync_state` table), the run history (`sync_runs`)
  // and rejected rows (`sync_errors`). They live in the warehouse itself, in this schema, so the diff
  // of the next run is computed there and analysts can query the history with SQL.
  state: { source: "warehouse", schema: "reverse_etl" },

  // Sources: the warehouses that models read from. DuckDB is embedded (no server, no credentials);
  // `generate-warehouse.mjs` creates this file with a `gold.customers` table.
  sources: {
    warehouse: { plugin: "@reverse-etl/source-duckdb", path: "warehouse.duckdb" },
  },

  // Destinations: the business tools syncs write to. The file destination writes each run's changes
  // as JSON lines ({"op": "upsert" | "delete", "key": ..., "fields": {...}}). The file appears
  // atomically when the run ends, so a crashed run never leaves half a file.
  destinations: {
    file: { plugin: "@reverse-etl/destination-file", path: "out/customers.jsonl" },
  },

  // Models: SQL over a source. Each row is identified by its primary key; reverse-etl fingerprints the
  // mapped columns of every row inside the warehouse to find what changed since the last sync.
  models: {
    customers: {
      source: "warehouse",
      sql: "select id, email, name, plan, lifetime_value, updated_at from gold.customers",
      primaryKey: "id",
      description: "Every customer, one row each, from the gold layer.",
    },
  },

  // Syncs: keep a model's rows in step with a destination.
  syncs: {
    customers_to_file: {
      model: "customers",
      destination: "file",
      // upsert: create or update; update: only existing records; insert: only new rows;
      // mirror: upsert, and also delete records whose rows left the model (with a mass-delete guard).
      mode: "mirror",
      // Model column -> destination field. Only these columns are fingerprinted: a change to a column
      // that is not mapped (none here) would not be sent.
      fields: {
        email: "email",
        name: "name",
        plan: "plan_tier",
        lifetime_value: "ltv",
        updated_at: "updated_at",
      },
    },
  },
});
