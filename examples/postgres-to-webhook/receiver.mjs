#!/usr/bin/env node
// A local webhook receiver for this example: `startWebhookReceiver` from @reverse-etl/destination-webhook/emulator
// (the webhook destination's emulator), a real HTTP server on 127.0.0.1 that applies the destination's payloads
// (upsert/update/insert set a record by its key, delete removes it) and answers each batch. It prints every
// batch it receives; `npx reverse-etl emulate webhook` runs the same receiver without printing them.
//
//   node examples/postgres-to-webhook/receiver.mjs        # prints `export WEBHOOK_URL=...`; Ctrl-C stops it
//
// The port is chosen by the system (a free one), so copy the printed WEBHOOK_URL into the shell that runs
// reverse-etl.
import { startWebhookReceiver } from "@reverse-etl/destination-webhook/emulator";

const receiver = await startWebhookReceiver();
console.log(`Webhook receiver listening. In the shell that runs reverse-etl:\n\n  export WEBHOOK_URL=${receiver.url}\n`);
console.log("Waiting for batches (Ctrl-C to stop) ...");

// The receiver records every request; print the new ones as they arrive.
let printed = 0;
const timer = setInterval(() => {
  // A request is printed once answered (in arrival order).
  for (; printed < receiver.requests.length && receiver.requests[printed].outcome !== "pending"; printed++) {
    const request = receiver.requests[printed];
    const payload = request.payload;
    if (!payload || !Array.isArray(payload.records)) {
      console.log(`${request.method} ${request.url} -> ${request.status}`);
      continue;
    }
    const first = payload.records[0];
    const example = first ? `  e.g. key ${first.key} ${JSON.stringify(first.fields)}` : "";
    console.log(
      `${payload.operation} of ${payload.records.length} records from ${payload.sync} (run ${payload.runId}) -> ${request.status} ${request.outcome};` +
        ` holding ${receiver.records.size}${example}`,
    );
  }
}, 200);

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, async () => {
    clearInterval(timer);
    console.log(`\nStopping: received ${receiver.requests.length} requests, holding ${receiver.records.size} records.`);
    await receiver.close();
    process.exit(0);
  });
}
