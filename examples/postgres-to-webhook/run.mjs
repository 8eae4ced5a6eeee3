#!/usr/bin/env node
// The whole example in one command, on a machine with the PostgreSQL server binaries and no server running:
//
//   npm run build && node examples/postgres-to-webhook/run.mjs
//
// It starts a throwaway PostgreSQL cluster (startPostgres from @reverse-etl/testkit: initdb + pg_ctl in a
// temporary directory on a free port of 127.0.0.1; as root, run as the `postgres` user), seeds it with
// seed.sql, starts the webhook receiver (the webhook destination's emulator) in this process, runs the real CLI's `plan` and `sync` with --config,
// runs `sync` again to show that nothing is sent twice, prints what the receiver holds, and stops everything.
// To use your own Postgres and a receiver in another terminal instead, follow the README.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startWebhookReceiver } from "@reverse-etl/destination-webhook/emulator";
import { startPostgres } from "@reverse-etl/testkit";
import pg from "pg";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const cli = join(root, "packages/cli/bin/run.js");
const configFile = join(here, "reverse-etl.config.ts");

for (const built of ["packages/cli/dist", "packages/testkit/dist", "plugins/source-postgres/dist", "plugins/destination-webhook/dist"]) {
  if (!existsSync(join(root, built))) {
    console.error("[reverse-etl] [postgres-to-webhook] The packages are not built. Run `npm run build` first.");
    process.exit(1);
  }
}

const step = (title) => console.log(`\n== ${title}`);

/** Run the CLI as a child process without blocking this process, so the receiver keeps answering. */
function reverseEtl(args, env) {
  return new Promise((resolveRun) => {
    console.log(`$ reverse-etl ${args.join(" ")} --config ${configFile}`);
    const child = spawn(process.execPath, [cli, ...args, "--config", configFile], { stdio: "inherit", env: { ...process.env, ...env } });
    child.on("close", (code) => resolveRun(code ?? 1));
  });
}

step("PostgreSQL");
let server;
try {
  // Always a throwaway cluster (url: null), even when REVERSE_ETL_TEST_POSTGRES_URL is set: seed.sql
  // replaces gold.customers, which must never happen to a database of yours by accident.
  server = await startPostgres({ url: null, database: "analytics" });
} catch (error) {
  console.error(`[reverse-etl] [postgres-to-webhook] could not start a throwaway PostgreSQL cluster: ${error.message}`);
  console.error("With a server of your own, follow examples/postgres-to-webhook/README.md instead.");
  process.exit(1);
}
console.log(`Started a throwaway cluster: ${server.url}`);

let receiver;
let exitCode = 0;
try {
  step("Seed gold.customers (seed.sql)");
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    await client.query(readFileSync(join(here, "seed.sql"), "utf8"));
    const { rows } = await client.query("select count(*)::int as n from gold.customers");
    console.log(`gold.customers holds ${rows[0].n.toLocaleString("en-US")} rows`);
  } finally {
    await client.end();
  }

  step("Webhook receiver");
  receiver = await startWebhookReceiver();
  console.log(`Listening on ${receiver.url}`);

  const env = { WAREHOUSE_URL: server.url, WEBHOOK_URL: receiver.url };
  step("Plan: what would be sent (nothing is written)");
  exitCode = await reverseEtl(["plan"], env);
  if (exitCode === 0) {
    step("Sync");
    exitCode = await reverseEtl(["sync"], env);
  }
  if (exitCode === 0) {
    step("Sync again: only changed rows are sent, and nothing changed");
    const before = receiver.requests.length;
    exitCode = await reverseEtl(["sync"], env);
    console.log(`The second sync sent ${receiver.requests.length - before} requests.`);
  }

  step("What the receiver holds");
  console.log(`${receiver.records.size.toLocaleString("en-US")} records from ${receiver.requests.length} requests, e.g.:`);
  for (const [key, record] of [...receiver.records].slice(0, 3)) console.log(`  ${key}  ${JSON.stringify(record.match)}  ${JSON.stringify(record.fields)}`);
} catch (error) {
  console.error(`[reverse-etl] [postgres-to-webhook] ${error.message}`);
  exitCode = 1;
} finally {
  await receiver?.close();
  await server.stop();
  console.log("\nStopped the receiver and the cluster.");
}
process.exit(exitCode);
