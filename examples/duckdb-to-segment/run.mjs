#!/usr/bin/env node
// The quickstart's customers as Segment identify calls and an events table as track calls, in one command,
// with nothing leaving the machine:
//
//   npm run build && node examples/duckdb-to-segment/run.mjs          # 2,000 customers and their events
//   node examples/duckdb-to-segment/run.mjs --rows 10000              # more
//
// It starts the Segment emulator in this process (the one `reverse-etl emulate segment` runs), creates a
// fresh warehouse.duckdb here (the quickstart's gold.customers, plus gold.events), runs the real CLI's
// `plan` and `sync` with --config, then adds events and changes customers and syncs again, prints what the
// emulator received, and stops it. The emulator keeps messages in memory only, so every run starts from a
// fresh warehouse (its sync state would otherwise say "already sent").
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { startSegmentEmulator } from "@reverse-etl/destination-segment/emulator";
import { startExample } from "../example-run.mjs";
import { generateWarehouse, removeWarehouse } from "../quickstart/generate-warehouse.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const warehouse = join(here, "warehouse.duckdb");

const { rows, step, reverseEtl } = startExample({ name: "duckdb-to-segment", plugin: "plugins/destination-segment", defaultRows: 2000 });

/** Run SQL on the warehouse (only while no CLI process holds it). */
async function sql(text) {
  const instance = await DuckDBInstance.create(warehouse);
  try {
    const connection = await instance.connect();
    try {
      await connection.run(text);
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/**
 * `gold.events`: what customers did, computed from gold.customers (no randomness): every customer signed
 * up; paying customers completed an order, and every seventh upgraded.
 */
function eventsSql(fromId, toId, offsetId = 0) {
  return `
    insert into gold.events
    select ${offsetId} + row_number() over (order by c.id, e.k) as event_id, c.id as customer_id, e.event,
           timestamp '2024-01-01 00:00:00' + to_minutes(cast(c.id * 37 + e.k * 1440 as bigint)) as occurred_at, c.plan,
           case when e.event = 'Order Completed' then c.lifetime_value / 10 else null end as amount
    from gold.customers c
    join (values (1, 'Signed Up'), (2, 'Order Completed'), (3, 'Plan Upgraded')) as e(k, event)
      on e.k = 1 or (e.k = 2 and c.plan <> 'free') or (e.k = 3 and c.id % 7 = 0)
    where c.id between ${fromId} and ${toId}`;
}

step("Segment emulator");
const segment = await startSegmentEmulator({ port: 0 });
console.log(`Listening on ${segment.url} (Segment's limits: 32 KB per call, 500 KB per batch request, 1,000 requests per second)`);
let exitCode = 0;
try {
  step("Warehouse");
  removeWarehouse(warehouse);
  await generateWarehouse(warehouse, { rows });
  await sql(`create table gold.events (event_id bigint, customer_id integer, event varchar, occurred_at timestamp, plan varchar, amount decimal(12, 2));
             ${eventsSql(1, Math.max(1, rows - 100))}`);
  console.log(`Created ${warehouse}: ${rows.toLocaleString("en-US")} customers in gold.customers, their events in gold.events`);

  const env = { SEGMENT_WRITE_KEY: segment.writeKey, SEGMENT_BASE_URL: segment.url };
  step("Plan: what would be sent to Segment (nothing is sent)");
  exitCode = await reverseEtl(["plan"], env);
  if (exitCode === 0) {
    step("Sync: identify every customer, track every event");
    exitCode = await reverseEtl(["sync"], env);
  }
  if (exitCode === 0) {
    step("The warehouse moves on: 25 customers change plan, the last customers' events arrive");
    const before = segment.messages.length;
    await sql(`update gold.customers set plan = 'enterprise', updated_at = timestamp '2025-01-01 00:00:00' where id between 1 and 25 and plan <> 'enterprise';
               ${eventsSql(Math.max(1, rows - 100) + 1, rows, 1000000)}`);
    exitCode = await reverseEtl(["sync"], env);
    console.log(`This sync sent ${segment.messages.length - before} calls: the changed customers and the new events only.`);
  }

  step("What the emulator received");
  const count = (type) => segment.messages.filter((m) => m.type === type).length;
  console.log(`${count("identify").toLocaleString("en-US")} identify calls and ${count("track").toLocaleString("en-US")} track calls in ${segment.requests.length} batch requests (largest ${Math.max(...segment.requests.map((r) => r.bytes)).toLocaleString("en-US")} bytes)`);
  const show = (m) => {
    const { type, userId, event, traits, properties, timestamp, messageId } = m;
    console.log(`  ${JSON.stringify({ type, userId, ...(event ? { event } : {}), ...(traits ? { traits } : { properties }), timestamp, messageId })}`);
  };
  show(segment.messages.find((m) => m.type === "identify"));
  show(segment.messages.find((m) => m.type === "track" && m.event === "Order Completed"));
  const dropped = segment.received.filter((r) => r.outcome !== "accepted").length;
  console.log(`${dropped} calls dropped or duplicated.`);
} finally {
  await segment.close();
}
process.exit(exitCode);
