// The quickstart's customers as Segment identify calls and an events table as track calls, against the
// local Segment emulator (`npx reverse-etl emulate segment --port 4020`) or, with the two settings below, a
// real Segment source. Relative paths in this file are relative to this file's directory.
import { defineConfig, env } from "@reverse-etl/core";

export default defineConfig({
  // Sync state (`sync_state`, `sync_runs`, `sync_errors`) lives in the warehouse, in this schema.
  state: { source: "warehouse", schema: "reverse_etl" },

  // `node run.mjs` creates this file: the quickstart's gold.customers and a gold.events table.
  sources: {
    warehouse: { plugin: "@reverse-etl/source-duckdb", path: "warehouse.duckdb" },
  },

  destinations: {
    segment: {
      plugin: "@reverse-etl/destination-segment",
      // The write key of a Segment source: a secret, read from the environment, never printed or stored.
      writeKey: env("SEGMENT_WRITE_KEY"),
      // The Tracking API host. The default here is the emulator `reverse-etl emulate segment --port 4020`
      // starts, so the example never reaches a real workspace by accident; set SEGMENT_BASE_URL to
      // https://api.segment.io (EU: https://events.eu1.segmentapis.com) to send to a real one.
      baseUrl: process.env.SEGMENT_BASE_URL ?? "http://127.0.0.1:4020",
    },
  },

  models: {
    customers: {
      source: "warehouse",
      primaryKey: "id",
      sql: "select id, email, name, plan, lifetime_value, updated_at from gold.customers",
      description: "Every customer, as a Segment user.",
    },
    events: {
      source: "warehouse",
      primaryKey: "event_id",
      sql: "select event_id, customer_id, event, occurred_at, plan, amount from gold.events",
      description: "What customers did, one row per event: a gold table of events.",
    },
  },

  syncs: {
    customers_to_segment: {
      model: "customers",
      destination: "segment",
      // The call: identify a user with traits.
      object: "identify",
      mode: "upsert",
      // Segment identifier <- model column (sent as a string).
      match: { userId: "id" },
      // Model column -> trait.
      fields: { email: "email", name: "name", plan: "plan", lifetime_value: "ltv" },
      // The row's own time: a call resent after a crash is the very same message, and a value that changes
      // back within Segment's 24-hour deduplication window is still a new one.
      options: { timestampColumn: "updated_at" },
    },
    events_to_segment: {
      model: "events",
      destination: "segment",
      object: "track",
      // Each new row of the event table becomes one track call, once.
      mode: "insert",
      match: { userId: "customer_id" },
      fields: { plan: "plan", amount: "revenue" },
      options: { eventColumn: "event", timestampColumn: "occurred_at", context: { app: { name: "warehouse" } } },
    },
  },
});
