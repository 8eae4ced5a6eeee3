#!/usr/bin/env node
// The quickstart: `npm run quickstart` from the repository root (it builds the packages, then runs this).
//
//   npm run quickstart                  # create the warehouse if missing, then `plan` and `sync`
//   npm run quickstart -- --change 25   # change 25 customers' plan in the warehouse, then plan and sync them
//   npm run quickstart -- --reset       # delete the warehouse (with its sync state) and out/, start over
//
// It runs the real CLI (`packages/cli/bin/run.js`, the `reverse-etl` bin) so what you see is what you
// get when you run `reverse-etl plan` and `reverse-etl sync` yourself.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import { WAREHOUSE_PATH, generateWarehouse, removeWarehouse } from "./generate-warehouse.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const cli = join(root, "packages/cli/bin/run.js");
const configFile = join(here, "reverse-etl.config.ts");
const outDir = join(here, "out");
const outFile = join(outDir, "customers.jsonl");
// Commands are printed relative to where the user is (the repository root under `npm run`).
const show = (path) => relative(process.cwd(), path) || ".";

const usage = `Usage: npm run quickstart [-- --reset] [-- --change N]

  (no option)   create examples/quickstart/warehouse.duckdb if missing, then reverse-etl plan and sync
  --change N    change the plan of N customers in the warehouse first, so only those N rows are synced
  --reset       delete warehouse.duckdb (and the sync state inside it) and out/, then start over
  --help        show this help`;

let args;
try {
  args = parseArgs({
    options: { reset: { type: "boolean", default: false }, change: { type: "string" }, help: { type: "boolean", default: false } },
  }).values;
} catch (error) {
  console.error(`[reverse-etl] [quickstart] ${error.message}\n\n${usage}`);
  process.exit(2);
}
if (args.help) {
  console.log(usage);
  process.exit(0);
}
const change = args.change === undefined ? 0 : Number(args.change);
if (!Number.isInteger(change) || change < 0) {
  console.error(`[reverse-etl] [quickstart] --change expects a whole number of customers, got "${args.change}". Example: npm run quickstart -- --change 25`);
  process.exit(2);
}

if (!existsSync(join(root, "packages/cli/dist")) || !existsSync(join(root, "packages/core/dist"))) {
  console.error("[reverse-etl] [quickstart] The packages are not built. Run `npm run build` (or `npm run quickstart`, which builds first).");
  process.exit(1);
}

const bold = process.stdout.isTTY ? (text) => `\x1b[1m${text}\x1b[0m` : (text) => text;
const step = (title) => console.log(`\n${bold(`== ${title}`)}`);

if (args.reset) {
  step("Reset");
  removeWarehouse(WAREHOUSE_PATH);
  rmSync(outDir, { recursive: true, force: true });
  console.log(`Deleted ${show(WAREHOUSE_PATH)} (the customers and the sync state kept beside them) and ${show(outDir)}/`);
}

if (!existsSync(WAREHOUSE_PATH)) {
  step("Warehouse");
  const { rows } = await generateWarehouse(WAREHOUSE_PATH);
  console.log(`Created ${show(WAREHOUSE_PATH)} with ${rows.toLocaleString("en-US")} rows in gold.customers`);
}
mkdirSync(outDir, { recursive: true });

if (change > 0) {
  step(`Change ${change} customers`);
  const changed = await changeCustomers(change);
  console.log(`Moved ${changed} customers to the next plan (free -> starter -> pro -> enterprise -> free) and touched their updated_at.`);
}

const config = show(configFile);
const syncStarted = Date.now();
step(`reverse-etl plan --config ${config}`);
runCli(["plan", "--config", config]);
step(`reverse-etl sync --config ${config}`);
runCli(["sync", "--config", config]);

const bin = existsSync(join(root, "node_modules/.bin/reverse-etl")) ? "npx reverse-etl" : `node ${show(cli)}`;
step("Done");
const written = existsSync(outFile) && statSync(outFile).mtimeMs >= syncStarted;
const outNote = written ? "this run's changes, one JSON line each" : "not rewritten: this run had nothing to send";
console.log(`Changes file:         ${show(outFile)}  (${outNote})
Run history:          ${bin} runs --config ${config}
Run it again:         npm run quickstart                 (shows zero changes)
Make a change:        npm run quickstart -- --change 25  (plans and syncs exactly those 25 rows)
Start over:           npm run quickstart -- --reset`);

/** Run the CLI in this terminal, so its table and progress bar show as they would for the user. */
function runCli(argv) {
  const result = spawnSync(process.execPath, [cli, ...argv], { stdio: "inherit", cwd: process.cwd() });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    const how = result.status === null ? `was killed by ${result.signal}` : `exited with code ${result.status}`;
    console.error(`\n[reverse-etl] [quickstart] \`reverse-etl ${argv.join(" ")}\` ${how}; see its message above.`);
    process.exit(result.status ?? 1);
  }
}

/** Move `count` customers, spread over the table, to the next plan. Returns how many rows changed. */
async function changeCustomers(count) {
  const instance = await DuckDBInstance.create(WAREHOUSE_PATH);
  const connection = await instance.connect();
  try {
    // A fixed order spread over the ids (not the first N) so the plan shows a realistic scatter of keys;
    // running --change twice changes the same customers again, each time to their next plan.
    const reader = await connection.runAndReadAll(`
      update gold.customers
      set plan = case plan when 'free' then 'starter' when 'starter' then 'pro' when 'pro' then 'enterprise' else 'free' end,
          updated_at = date_trunc('second', localtimestamp)
      where id in (select id from gold.customers order by (id * 7919) % 10007, id limit ${count})`);
    return Number(reader.getRows()[0]?.[0] ?? count);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
