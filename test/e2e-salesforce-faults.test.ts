import { describe, expect, it } from "vitest";
import type { SalesforceEmulator } from "@reverse-etl/destination-salesforce/emulator";
import { projectDir } from "./support/warehouse.js";
import { makeWarehouse } from "./support/warehouses.js";
import { jsonOf, startCli, type CliResult } from "./support/cli.js";
import { contactsIn, peopleIn, requestsSince, SALESFORCE_ENV, SALESFORCE_ORG, seedPeople, useSalesforceCli, writeSalesforceConfig } from "./support/salesforce.js";

const session = useSalesforceCli();
const { cli } = session;
let emulator: SalesforceEmulator | undefined;

/** Write requests (collections and job requests) the emulator answered since `from`. */
function writesSince(e: SalesforceEmulator, from: number): number {
  return e.requestLog.slice(from).filter((r) => /composite\/sobjects|jobs\/ingest/.test(r.path) && r.method !== "GET").length;
}

/** Run `sync` and act once the emulator has answered `after` write requests of it. */
async function syncAnd(dir: string, e: SalesforceEmulator, after: number, act: () => void): Promise<CliResult> {
  const mark = e.requestLog.length;
  const running = startCli(["sync", "--json"], { cwd: dir, env: SALESFORCE_ENV });
  let done = false;
  const watcher = setInterval(() => {
    if (!done && writesSince(e, mark) >= after) {
      done = true;
      act();
    }
  }, 1);
  const ended = await running.done;
  clearInterval(watcher);
  session.keep(ended);
  return ended;
}

describe("Salesforce faults, end to end through the CLI", () => {
  it("renews an expired session mid-run, through collections and while polling a Bulk API job: nothing lost, nothing duplicated", async () => {
    const dir = projectDir("e2e-salesforce-expiry");
    const warehouse = await makeWarehouse("duckdb", dir);
    await seedPeople(warehouse, 1500);
    emulator = await session.start(SALESFORCE_ORG);
    writeSalesforceConfig(dir, warehouse, emulator);
    const e = emulator;
    const run = await syncAnd(dir, e, 3, () => e.expireSessions());
    expect(run.code, run.stderr).toBe(0);
    expect(jsonOf(run).syncs[0]).toMatchObject({ status: "succeeded", results: { succeeded: 1500, rejected: 0, failed: 0 } });
    const statuses = e.requestLog.map((r) => r.status);
    expect(statuses).toContain(401);
    expect(e.requestLog.filter((r) => r.path === "/services/oauth2/token")).toHaveLength(2);
    expect(contactsIn(e)).toEqual(await peopleIn(warehouse));

    // Through the Bulk API: the session expires while the run waits for its job.
    await warehouse.query("update gold.people set last_name = last_name || ' Jr.' where id <= 1000");
    writeSalesforceConfig(dir, warehouse, e, { options: { bulk: "always" } }, { bulkPollIntervalMs: 100 });
    const mark = e.requestLog.length;
    const bulk = await syncAnd(dir, e, 3, () => e.expireSessions());
    expect(bulk.code, bulk.stderr).toBe(0);
    expect(jsonOf(bulk).syncs[0]).toMatchObject({ status: "succeeded", results: { succeeded: 1000 } });
    expect(e.requestLog.slice(mark).filter((r) => r.status === 401).length).toBeGreaterThan(0);
    expect(contactsIn(e)).toEqual(await peopleIn(warehouse));
  }, 120_000);

  it("retries 503 bursts and rows locked by other transactions until every record lands once", async () => {
    const dir = projectDir("e2e-salesforce-503");
    const warehouse = await makeWarehouse("duckdb", dir);
    await seedPeople(warehouse, 1200);
    emulator = await session.start(SALESFORCE_ORG);
    writeSalesforceConfig(dir, warehouse, emulator);
    const e = emulator;
    // The first requests meet a 503 burst; later, 30 records are locked.
    e.failNext(4, 503);
    const run = await syncAnd(dir, e, 2, () => e.lockNextRecords(30));
    expect(run.code, run.stderr).toBe(0);
    expect(jsonOf(run).syncs[0]).toMatchObject({ status: "succeeded", results: { succeeded: 1200, rejected: 0, failed: 0 } });
    expect(e.requestLog.filter((r) => r.status === 503)).toHaveLength(4);
    expect(contactsIn(e)).toEqual(await peopleIn(warehouse));
    // Upserts of the same external ids: 1,200 records, not one more.
    expect(e.dump("Contact")).toHaveLength(1200);
  }, 120_000);

  it("ends the run as partial when the org's daily allocation (less the reserve) is used, and sends the rest next run", async () => {
    const dir = projectDir("e2e-salesforce-allocation");
    const warehouse = await makeWarehouse("duckdb", dir);
    await seedPeople(warehouse, 1600);
    emulator = await session.start({ ...SALESFORCE_ORG, dailyApiRequests: 100 });
    // Other integrations used 90 of the 100 requests; this sync keeps 5% free and writes one batch at a time.
    emulator.useApiRequests(90);
    writeSalesforceConfig(dir, warehouse, emulator, {}, { apiReserve: 0.05, maxConcurrency: 1 });

    const first = await cli(["sync", "--json"], dir);
    expect(first.code).toBe(6);
    const report = jsonOf(first).syncs[0];
    expect(report.status).toBe("partial");
    expect(report.error).toContain("the org has used 95 of its 100 daily API requests, and 5% is kept for its other integrations");
    // The describe and four batches of 200 fit in the 5 requests left.
    expect(report.results).toEqual({ succeeded: 800, rejected: 0, failed: 800 });
    expect(emulator.dump("Contact")).toHaveLength(800);
    expect(emulator.apiUsage).toMatchObject({ used: 95, refused: 0 });

    // A new day: the rest is sent, exactly once.
    emulator.resetApiUsage();
    const second = await cli(["sync", "--json"], dir);
    expect(second.code, second.stderr).toBe(0);
    expect(jsonOf(second).syncs[0]).toMatchObject({ status: "succeeded", counts: { added: 800, unchanged: 800 }, results: { succeeded: 800 } });
    expect(contactsIn(emulator)).toEqual(await peopleIn(warehouse));
  }, 120_000);

  it("kill -9 mid-sync (collections and Bulk API), then re-run: Salesforce holds exactly the model, no duplicates", async () => {
    const dir = projectDir("e2e-salesforce-kill");
    const warehouse = await makeWarehouse("duckdb", dir);
    await seedPeople(warehouse, 5000);
    emulator = await session.start({ ...SALESFORCE_ORG, bulkProcessingMs: 200 });
    const e = emulator;
    writeSalesforceConfig(dir, warehouse, e, { mode: "mirror" }, { bulkPollIntervalMs: 100 });
    const baseline = await cli(["sync", "--json"], dir);
    expect(baseline.code, baseline.stderr).toBe(0);
    // Rounds: collections killed after 7 batches, the Bulk API killed once its job is closed (Salesforce
    // goes on processing it), collections again. Between rounds the model changes, gains rows and loses
    // rows that were synced.
    for (const [round, { bulk, after }] of [{ bulk: "never", after: 7 }, { bulk: "always", after: 3 }, { bulk: "never", after: 12 }].entries()) {
      await warehouse.query(
        `update gold.people set tier = '${["Pro", "Enterprise", "Free"][round]}', ltv = ltv + ${round + 1} where id % ${2 + round} = 0;
         insert into gold.people select i, 'P-' || i, 'new' || i || '@example.com', 'New' || i, 'Row' || i, 'Starter', 1.5
           from range(${6000 + round * 100}, ${6000 + round * 100 + 100}) t(i);
         delete from gold.people where id between ${4900 - round * 30} and ${4910 - round * 30}`,
      );
      writeSalesforceConfig(dir, warehouse, e, { mode: "mirror", options: { bulk } }, { bulkPollIntervalMs: 100 });
      await killWhen(dir, e, (mark) => writesSince(e, mark) >= after, `round ${round}`);
    }
    writeSalesforceConfig(dir, warehouse, e, { mode: "mirror" }, { bulkPollIntervalMs: 100 });
    const final = await cli(["sync", "--json"], dir);
    expect(final.code, final.stderr).toBe(0);
    expect(jsonOf(final).syncs[0].status).toBe("succeeded");
    expect(contactsIn(e)).toEqual(await peopleIn(warehouse));
    const again = await cli(["sync", "--json"], dir);
    expect(jsonOf(again).syncs[0].counts).toMatchObject({ added: 0, changed: 0, removed: 0 });
  }, 240_000);

  it("a Bulk API job that outlives a killed run: the next run waits for it before writing, so it neither overwrites newer values nor brings back deleted records (mirror)", async () => {
    const dir = projectDir("e2e-salesforce-orphan-mirror");
    const warehouse = await makeWarehouse("duckdb", dir);
    await seedPeople(warehouse, 400);
    // Jobs take a while to run: the killed run's job is still in progress when the next run starts.
    emulator = await session.start({ ...SALESFORCE_ORG, bulkProcessingMs: 4000 });
    const e = emulator;
    writeSalesforceConfig(dir, warehouse, e, { mode: "mirror" });
    expect((await cli(["sync", "--json"], dir)).code).toBe(0);

    await warehouse.query("update gold.people set ltv = ltv + 1");
    writeSalesforceConfig(dir, warehouse, e, { mode: "mirror", options: { bulk: "always" } }, { bulkPollIntervalMs: 100 });
    await killAfterJobClosed(dir, e);

    // Meanwhile the model moves on: the job holds stale values of row 5 and rows 7 and 8, now gone.
    await warehouse.query("update gold.people set tier = 'Free', ltv = 1 where id = 5; delete from gold.people where id in (7, 8)");
    writeSalesforceConfig(dir, warehouse, e, { mode: "mirror" });
    const mark = e.requestLog.length;
    const next = await cli(["sync", "--json"], dir);
    expect(next.code, next.stderr).toBe(0);
    expect(jsonOf(next).syncs[0]).toMatchObject({ status: "succeeded", counts: { changed: 398, removed: 2 } });
    // It listed the org's jobs and waited for the running one before its first write.
    const log = requestsSince(e, mark);
    expect(log[0]).toBe("GET /services/data/jobs/ingest 200");
    expect(log.findIndex((r) => r.startsWith("PATCH /services/data/composite"))).toBeGreaterThan(log.lastIndexOf("GET /services/data/jobs/ingest/ID 200"));
    await jobsFinished(e);
    expect(contactsIn(e)).toEqual(await peopleIn(warehouse));
    const again = await cli(["sync", "--json"], dir);
    expect(jsonOf(again).syncs[0].counts).toMatchObject({ added: 0, changed: 0, removed: 0 });
    expect(contactsIn(e)).toEqual(await peopleIn(warehouse));
  }, 180_000);

  it("insert mode after a killed run whose Bulk API job went on: records it created are found by their external id, not created twice", async () => {
    const dir = projectDir("e2e-salesforce-orphan-insert");
    const warehouse = await makeWarehouse("duckdb", dir);
    await seedPeople(warehouse, 400);
    emulator = await session.start({ ...SALESFORCE_ORG, bulkProcessingMs: 1500 });
    const e = emulator;
    const insert = (bulk: string) => ({
      mode: "insert",
      match: undefined,
      fields: { external_id: "External_Id__c", email: "Email", first_name: "FirstName", last_name: "LastName", tier: "Tier__c", ltv: "Lifetime_Value__c" },
      options: { bulk },
    });
    writeSalesforceConfig(dir, warehouse, e, insert("always"), { bulkPollIntervalMs: 100 });
    await killAfterJobClosed(dir, e);
    await jobsFinished(e);
    expect(e.dump("Contact")).toHaveLength(400);

    // The job created every record, but no state says so: the next run looks them up instead of inserting again.
    await warehouse.query("insert into gold.people select i, 'P-' || i, 'new' || i || '@example.com', 'New' || i, 'Row' || i, 'Starter', 1.5 from range(401, 411) t(i)");
    for (const bulk of ["never", "always"]) {
      writeSalesforceConfig(dir, warehouse, e, insert(bulk), { bulkPollIntervalMs: 100 });
      const next = await cli(["sync", "--json"], dir);
      expect(next.code, next.stderr).toBe(0);
      expect(jsonOf(next).syncs[0]).toMatchObject({ status: "succeeded", results: { succeeded: bulk === "never" ? 410 : 0, rejected: 0, failed: 0 } });
      expect(contactsIn(e)).toEqual(await peopleIn(warehouse));
    }
  }, 180_000);
});

/** Run `sync` and kill -9 it once `due(mark)` holds, `mark` being the emulator's request count at the start. */
async function killWhen(dir: string, e: SalesforceEmulator, due: (mark: number) => boolean, what = "the run"): Promise<void> {
  const mark = e.requestLog.length;
  const running = startCli(["sync"], { cwd: dir, env: SALESFORCE_ENV });
  const watcher = setInterval(() => {
    if (due(mark)) running.child.kill("SIGKILL");
  }, 1);
  const ended = await running.done;
  clearInterval(watcher);
  session.keep(ended);
  expect(ended.signal, `${what} ended before the kill:\n${ended.stderr}`).toBe("SIGKILL");
}

/** Run a Bulk API sync and kill -9 it once its job is created, uploaded and closed. */
function killAfterJobClosed(dir: string, e: SalesforceEmulator): Promise<void> {
  return killWhen(dir, e, (mark) => e.requestLog.slice(mark).some((r) => r.method === "PATCH" && /jobs\/ingest\/\w+$/.test(r.path)));
}

/** Wait until every ingest job of the org has ended. */
async function jobsFinished(e: SalesforceEmulator): Promise<void> {
  for (;;) {
    const answer = await fetch(`${e.url}/services/data/v${e.apiVersion}/jobs/ingest`, { headers: { authorization: `Bearer ${e.accessToken}` } });
    const { records } = (await answer.json()) as { records: Array<{ state: string }> };
    if (records.every((j) => ["JobComplete", "Failed", "Aborted"].includes(j.state))) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
