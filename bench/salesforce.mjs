// `node bench/salesforce.mjs` (after `npm run build`): records per second and API calls per 10,000 rows
// syncing N rows from DuckDB to the Salesforce emulator, through sObject Collections and through Bulk API
// 2.0 ingest jobs.
//
//   node bench/salesforce.mjs                              # 50,000 rows
//   BENCH_SALESFORCE_ROWS=200000 node bench/salesforce.mjs  # another size (a whole number >= 1,000)
//
// Salesforce counts every API call against the org's daily allocation (15,000 for a Developer Edition,
// 100,000 plus per-licence shares for Enterprise), so calls per 10,000 rows is what a sync costs an org:
// collections take 200 records a request, a Bulk API job takes up to 150,000 records (100 MB) for a
// handful of calls. Records per second is measured against the emulator (no network, Salesforce's own
// processing time not modelled), so it shows the client's overhead, not an org's throughput. Each sync
// runs through the real CLI in a child process; the emulator runs in this process. Not a test.
import { spawn } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { startSalesforceEmulator } from "@reverse-etl/destination-salesforce/emulator";
import { generateModel } from "./generate-model.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const cli = resolve(here, "../packages/cli/bin/run.js");
const rows = Number(process.env.BENCH_SALESFORCE_ROWS ?? 50000);
if (!Number.isInteger(rows) || rows < 1000) {
  console.error(`[reverse-etl] [bench] BENCH_SALESFORCE_ROWS: "${process.env.BENCH_SALESFORCE_ROWS}" is not a whole number of rows >= 1000. Example: BENCH_SALESFORCE_ROWS=50000`);
  process.exit(2);
}

const dir = join(here, ".data", `salesforce-${rows}`);
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
await generateModel(join(dir, "warehouse.duckdb"), rows);

/** One sync of every row to a fresh emulator through `bulk` ("never": collections, "always": Bulk API). */
async function measure(bulk) {
  rmSync(join(dir, "warehouse.duckdb.wal"), { force: true });
  const salesforce = await startSalesforceEmulator({
    dailyApiRequests: 1_000_000,
    bulkProcessingMs: 1,
    fields: { Contact: [{ name: "Customer_Id__c", type: "string", externalId: true, unique: true, length: 20 }, { name: "Plan__c", type: "string", length: 20 }] },
  });
  writeFileSync(
    join(dir, "reverse-etl.config.json"),
    JSON.stringify({
      state: { source: "warehouse", schema: `state_${bulk}` },
      sources: { warehouse: { plugin: "@reverse-etl/source-duckdb", path: "warehouse.duckdb" } },
      destinations: {
        crm: { plugin: "@reverse-etl/destination-salesforce", loginUrl: salesforce.url, clientId: salesforce.clientId, clientSecret: { $env: "SF_SECRET" }, refreshToken: { $env: "SF_REFRESH" }, bulkPollIntervalMs: 100 },
      },
      models: { customers: { source: "warehouse", primaryKey: "id", sql: "select id, 'C' || id as customer_id, email, name, plan from bench.customers" } },
      syncs: {
        customers_to_contacts: {
          model: "customers",
          destination: "crm",
          object: "Contact",
          mode: "upsert",
          match: { Customer_Id__c: "customer_id" },
          fields: { email: "Email", name: "LastName", plan: "Plan__c" },
          options: { bulk },
        },
      },
    }),
  );
  const started = performance.now();
  const { code, report } = await new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [cli, "sync", "--json", "--log-level", "warn"], {
      cwd: dir,
      env: { ...process.env, SF_SECRET: salesforce.clientSecret, SF_REFRESH: salesforce.refreshToken },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.on("close", (exit) => {
      try {
        resolveRun({ code: exit, report: JSON.parse(stdout) });
      } catch {
        reject(new Error(`[reverse-etl] [bench] sync exited ${exit} without a JSON report:\n${stdout}`));
      }
    });
  });
  const wallS = (performance.now() - started) / 1000;
  const run = report.syncs?.[0];
  const calls = salesforce.requestLog.filter((r) => r.path.startsWith("/services/data/v")).length;
  const held = salesforce.dump("Contact").length;
  await salesforce.close();
  const problems = [];
  if (code !== 0 || run?.status !== "succeeded") problems.push(`sync exited ${code} with status ${run?.status}`);
  if (held !== rows) problems.push(`the emulator holds ${held} Contacts, expected ${rows}`);
  return { bulk, wallS, syncS: run.durationMs / 1000, calls, problems };
}

const fmt = (n, d = 1) => n.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
console.log(`Syncing ${rows.toLocaleString("en-US")} rows from DuckDB to the Salesforce emulator, through each transport...`);
const results = [await measure("never"), await measure("always")];
console.log(`
transport              sync time   records/s   API calls   calls per 10,000 rows   wall (CLI start to exit)`);
for (const r of results) {
  const name = r.bulk === "never" ? "sObject Collections" : "Bulk API 2.0";
  console.log(
    `${name.padEnd(22)} ${`${fmt(r.syncS, 2)} s`.padStart(9)}   ${fmt(rows / r.syncS, 0).padStart(9)}   ${String(r.calls).padStart(9)}   ${fmt((r.calls * 10_000) / rows, 1).padStart(21)}   ${fmt(r.wallS, 2)} s`,
  );
}
const problems = results.flatMap((r) => r.problems.map((p) => `${r.bulk}: ${p}`));
if (problems.length > 0) {
  console.log(`\nProblems:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  process.exitCode = 1;
}
