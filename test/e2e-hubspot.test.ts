import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { hubspotRateLimitAnswer, startHubSpotEmulator, type HubSpotEmulator } from "@reverse-etl/destination-hubspot/emulator";
import { startFaultProxy, type FaultProxy } from "@reverse-etl/testkit";
import { mostInWindow } from "./support/rate-window.js";
import { projectDir } from "./support/warehouse.js";
import { makeWarehouse, WAREHOUSES, type TestWarehouse } from "./support/warehouses.js";
import { jsonOf, runCli, startCli, type CliResult } from "./support/cli.js";

// A token that looks like a real private-app token; it must never appear in anything the CLI prints.
const TOKEN = "pat-na1-5ecr3t0-hub5-4a2b-9c3d-e2etokenvalue";

let emulator: HubSpotEmulator | undefined;
let proxy: FaultProxy | undefined;
/** Everything the CLI printed in the current test, checked for the token after each test. */
let outputs: string[] = [];
afterEach(async () => {
  const printed = outputs.join("\n");
  outputs = [];
  await proxy?.close();
  await emulator?.close();
  emulator = undefined;
  proxy = undefined;
  expect(printed).not.toContain(TOKEN);
  expect(printed).not.toContain("5ecr3t0");
});

/** Run the CLI with the token in the environment only, keeping what it printed for the token check. */
async function cli(args: string[], dir: string): Promise<CliResult> {
  const result = await runCli(args, { cwd: dir, env: { HUBSPOT_TOKEN: TOKEN } });
  outputs.push(result.stdout, result.stderr);
  return result;
}

/** Create `gold.people` with `rows` deterministic rows: id, email, first and last name, lifecycle stage. */
async function seedPeople(warehouse: TestWarehouse, rows: number): Promise<void> {
  const duck = warehouse.kind === "duckdb";
  const series = duck ? `range(1, ${rows + 1}) t(i)` : `generate_series(1, ${rows}) as t(i)`;
  const stages = duck ? "['subscriber', 'lead', 'customer']" : "(array['subscriber', 'lead', 'customer'])";
  await warehouse.query(
    `create schema if not exists gold;
     drop table if exists gold.people;
     create table gold.people as
       select cast(i as integer) as id, 'person' || i || '@example.com' as email, 'First' || i as first_name,
              'Last' || i as last_name, ${stages}[1 + i % 3] as stage
       from ${series}`,
  );
}

/** Write a JSON config syncing `gold.people` to HubSpot contacts, upsert by email unless `sync` says otherwise. */
function writeHubSpotConfig(dir: string, warehouse: TestWarehouse, e: { url: string }, sync: Record<string, unknown> = {}, destination: Record<string, unknown> = {}): void {
  writeFileSync(
    join(dir, "reverse-etl.config.json"),
    JSON.stringify(
      {
        sources: { warehouse: warehouse.source },
        destinations: {
          crm: { plugin: "@reverse-etl/destination-hubspot", accessToken: { $env: "HUBSPOT_TOKEN" }, baseUrl: e.url, ...destination },
        },
        models: {
          people: { source: "warehouse", primaryKey: "id", sql: "select id, email, first_name, last_name, stage from gold.people" },
        },
        syncs: {
          people_to_contacts: {
            model: "people",
            destination: "crm",
            object: "contacts",
            mode: "upsert",
            match: { email: "email" },
            fields: { first_name: "firstname", last_name: "lastname", stage: "lifecyclestage" },
            ...sync,
          },
        },
      },
      null,
      2,
    ),
  );
}

/** The mapped properties of every contact the emulator holds, by email. */
function contactsIn(e: HubSpotEmulator): Map<string, Record<string, string>> {
  const contacts = e.dump("contacts");
  const byEmail = new Map(
    contacts.map((c) => [c.properties.email!, { firstname: c.properties.firstname!, lastname: c.properties.lastname!, lifecyclestage: c.properties.lifecyclestage! }]),
  );
  // Upsert by email never makes two contacts of one address.
  expect(byEmail.size).toBe(contacts.length);
  return byEmail;
}

/** The model as HubSpot should hold it: email -> mapped properties. */
async function modelIn(warehouse: TestWarehouse): Promise<Map<string, Record<string, string>>> {
  const rows = await warehouse.query<{ email: string; first_name: string; last_name: string; stage: string }>(
    "select email, first_name, last_name, stage from gold.people order by id",
  );
  return new Map(rows.map((r) => [r.email, { firstname: r.first_name, lastname: r.last_name, lifecyclestage: r.stage }]));
}

/** Batch write requests (upsert, create, update, archive; not reads) the emulator answered since `from`. */
function writesSince(e: HubSpotEmulator, from: number): Array<{ path: string; inputs: number; status: number }> {
  return e.requestLog
    .slice(from)
    .filter((r) => /\/batch\/(upsert|create|update|archive)$/.test(r.path))
    .map((r) => ({ path: r.path, inputs: r.inputs ?? 0, status: r.status }));
}

describe.each(WAREHOUSES)("sync %s to HubSpot contacts, end to end through the CLI against the emulator", (kind) => {
  it("creates, then sends nothing, then updates exactly the changed contacts, then mirror archives the removed ones", async () => {
    const dir = projectDir(`e2e-hubspot-${kind}`);
    const warehouse = await makeWarehouse(kind, dir);
    await seedPeople(warehouse, 250);
    emulator = await startHubSpotEmulator({ accessToken: TOKEN });
    writeHubSpotConfig(dir, warehouse, emulator);

    const first = await cli(["sync", "--json"], dir);
    expect(first.code, first.stderr).toBe(0);
    expect(jsonOf(first).syncs[0]).toMatchObject({ status: "succeeded", counts: { added: 250 }, results: { succeeded: 250, rejected: 0, failed: 0 } });
    expect(writesSince(emulator, 0).map((w) => w.path)).toEqual(Array(3).fill("/crm/v3/objects/contacts/batch/upsert"));
    expect(contactsIn(emulator)).toEqual(await modelIn(warehouse));

    // Nothing changed: the diff happens in the warehouse and nothing is written to HubSpot.
    let mark = emulator.requestLog.length;
    const second = await cli(["sync", "--json"], dir);
    expect(jsonOf(second).syncs[0].counts).toMatchObject({ added: 0, changed: 0, unchanged: 250 });
    expect(writesSince(emulator, mark)).toEqual([]);

    // Three people change: exactly those three contacts are sent and modified.
    await warehouse.query("update gold.people set stage = 'evangelist' where id in (5, 17); update gold.people set last_name = 'Renamed' where id = 42");
    const before = new Map(emulator.dump("contacts").map((c) => [c.properties.email, c.properties.lastmodifieddate]));
    mark = emulator.requestLog.length;
    const third = await cli(["sync", "--json"], dir);
    expect(jsonOf(third).syncs[0]).toMatchObject({ counts: { changed: 3, unchanged: 247 }, results: { succeeded: 3 } });
    expect(writesSince(emulator, mark)).toEqual([{ path: "/crm/v3/objects/contacts/batch/upsert", inputs: 3, status: 200 }]);
    const modified = emulator.dump("contacts").filter((c) => before.get(c.properties.email) !== c.properties.lastmodifieddate);
    expect(modified.map((c) => c.properties.email).sort()).toEqual(["person17@example.com", "person42@example.com", "person5@example.com"]);
    expect(contactsIn(emulator)).toEqual(await modelIn(warehouse));

    // Rows leave the model: a mirror sync archives exactly those contacts.
    await warehouse.query("delete from gold.people where id in (3, 99, 200)");
    writeHubSpotConfig(dir, warehouse, emulator, { mode: "mirror" });
    mark = emulator.requestLog.length;
    const fourth = await cli(["sync", "--json"], dir);
    expect(fourth.code, fourth.stderr).toBe(0);
    expect(jsonOf(fourth).syncs[0]).toMatchObject({ status: "succeeded", counts: { removed: 3, added: 0, changed: 0 } });
    expect(writesSince(emulator, mark)).toEqual([{ path: "/crm/v3/objects/contacts/batch/archive", inputs: 3, status: 204 }]);
    expect(emulator.dump("contacts")).toHaveLength(247);
    expect(contactsIn(emulator)).toEqual(await modelIn(warehouse));
  }, 180_000);

  it("rejects the rows with invalid emails with HubSpot's message in sync_errors, lands the rest, and retries them next run", async () => {
    const dir = projectDir(`e2e-hubspot-email-${kind}`);
    const warehouse = await makeWarehouse(kind, dir);
    await seedPeople(warehouse, 120);
    await warehouse.query("update gold.people set email = 'not-an-email-' || id where id in (7, 64, 101)");
    emulator = await startHubSpotEmulator({ accessToken: TOKEN });
    writeHubSpotConfig(dir, warehouse, emulator);

    const first = await cli(["sync", "--json"], dir);
    expect(first.code, first.stderr).toBe(6);
    expect(jsonOf(first).syncs[0]).toMatchObject({ status: "partial", results: { succeeded: 117, rejected: 3, failed: 0 } });
    const model = await modelIn(warehouse);
    for (const bad of ["not-an-email-7", "not-an-email-64", "not-an-email-101"]) model.delete(bad);
    expect(contactsIn(emulator)).toEqual(model);

    const errors = await warehouse.query<{ row_key: string; kind: string; message: string }>(
      "select row_key, kind, message from reverse_etl.sync_errors order by cast(row_key as integer)",
    );
    expect(errors.map((e) => [e.row_key, e.kind])).toEqual([["7", "rejected"], ["64", "rejected"], ["101", "rejected"]]);
    for (const error of errors) {
      // HubSpot's own words (the emulator's INVALID_EMAIL message), kept in the warehouse for analysts.
      expect(error.message).toContain(`Email address not-an-email-${error.row_key} is invalid`);
    }

    // Next run: only the three rejected rows are sent again, and rejected again.
    const mark = emulator.requestLog.length;
    const second = await cli(["sync", "--json"], dir);
    expect(second.code).toBe(6);
    expect(jsonOf(second).syncs[0]).toMatchObject({ counts: { added: 3, unchanged: 117 }, results: { succeeded: 0, rejected: 3, failed: 0 } });
    expect(writesSince(emulator, mark).reduce((n, w) => n + w.inputs, 0)).toBe(3);
    expect(contactsIn(emulator)).toEqual(model);
  });
});

describe("sync to HubSpot through the CLI against the emulator", () => {
  it("syncs 5,000 rows under HubSpot's default limits (100 requests / 10 s), sharing the window with other traffic, losing nothing", async () => {
    const dir = projectDir("e2e-hubspot-limits");
    const warehouse = await makeWarehouse("duckdb", dir);
    await seedPeople(warehouse, 5000);
    emulator = await startHubSpotEmulator({ accessToken: TOKEN });
    writeHubSpotConfig(dir, warehouse, emulator);
    const mark = emulator.requestLog.length;
    const running = startCli(["sync", "--json"], { cwd: dir, env: { HUBSPOT_TOKEN: TOKEN } });
    // HubSpot counts the limit per account, so other integrations share the window: as soon as the sync
    // talks to HubSpot, another integration spends what is left of the 100 requests (after the sync's
    // start-up, however long that takes). The window is then full for the sync's first writes, which a
    // 429 refuses; the 429s must cost nothing.
    while (emulator.requestLog.length === mark && running.child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 2));
    const left = 100 - (emulator.requestLog.length - mark);
    const others = await Promise.all(
      Array.from({ length: left }, async () => {
        const r = await fetch(`${emulator!.url}/crm/v3/properties/contacts/email`, { headers: { authorization: `Bearer ${TOKEN}` } });
        await r.arrayBuffer();
        return r.status;
      }),
    );
    // The other integration shares the limit too: its requests are admitted or refused, like the sync's.
    expect(others.filter((status) => status !== 200 && status !== 429)).toEqual([]);
    const run = await running.done;
    outputs.push(run.stdout, run.stderr);
    expect(run.code, run.stderr).toBe(0);
    expect(jsonOf(run).syncs[0]).toMatchObject({ status: "succeeded", results: { succeeded: 5000, rejected: 0, failed: 0 } });
    expect(contactsIn(emulator)).toEqual(await modelIn(warehouse));

    // The emulator admitted at most 100 requests in any rolling 10 s (counted from its log, too).
    const admitted = emulator.requestLog.filter((r) => r.status !== 429).map((r) => r.at);
    expect(mostInWindow(admitted, 10_000)).toBeLessThanOrEqual(100);
    expect(emulator.rateLimitStats.maxInInterval).toBeLessThanOrEqual(100);
    // A 429 was answered (the shared window ran out) and the batch it refused was resent, not lost:
    // every contact is there and each 100-row batch was accepted once.
    const writes = writesSince(emulator, mark);
    // How many requests the window refused depends on timing; each refusal is in the log as a 429.
    expect(emulator.rateLimitStats.rejectedInterval).toBeGreaterThan(0);
    expect(emulator.requestLog.filter((r) => r.status === 429)).toHaveLength(emulator.rateLimitStats.rejectedInterval);
    expect(writes.filter((w) => w.status === 429).length).toBeGreaterThan(0);
    expect(writes.filter((w) => w.status === 200).reduce((n, w) => n + w.inputs, 0)).toBe(5000);
  }, 180_000);

  it("mirror deletes under a small window: each delete's read and archive both count, so HubSpot never answers 429", async () => {
    const dir = projectDir("e2e-hubspot-delete-limits");
    const warehouse = await makeWarehouse("duckdb", dir);
    await seedPeople(warehouse, 1200);
    // The contacts are created under a roomy limit, so only the deletes meet the small window.
    emulator = await startHubSpotEmulator({ accessToken: TOKEN, requestsPer10s: 1000 });
    writeHubSpotConfig(dir, warehouse, emulator, { mode: "mirror" }, { rateLimit: { requestsPer10s: 1000 } });
    const first = await cli(["sync", "--json"], dir);
    expect(first.code, first.stderr).toBe(0);
    expect(emulator.dump("contacts")).toHaveLength(1200);

    // 500 rows leave the model: 5 delete batches, each a batch/read by email then a batch/archive by id.
    // With 6 requests per 10 s on both sides, counting one request per write would let all 5 writes go at
    // once: 10 requests plus the properties read, 11 in a window of 6. Counted per request, the run waits.
    await warehouse.query("delete from gold.people where id > 700");
    emulator.resetRateLimits();
    emulator.setLimits({ requestsPer10s: 6 });
    writeHubSpotConfig(dir, warehouse, emulator, { mode: "mirror" }, { rateLimit: { requestsPer10s: 6 } });
    const mark = emulator.requestLog.length;
    const rejectedBefore = emulator.rateLimitStats.rejectedInterval;

    const run = await cli(["sync", "--json"], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(jsonOf(run).syncs[0]).toMatchObject({
      status: "succeeded",
      counts: { added: 0, changed: 0, removed: 500 },
      results: { succeeded: 500, rejected: 0, failed: 0 },
    });
    const requests = emulator.requestLog.slice(mark);
    expect(requests.filter((r) => r.status === 429)).toEqual([]);
    expect(emulator.rateLimitStats.rejectedInterval).toBe(rejectedBefore);
    expect(requests.map((r) => r.path).sort()).toEqual([
      "/crm/v3/objects/contacts/batch/archive",
      "/crm/v3/objects/contacts/batch/archive",
      "/crm/v3/objects/contacts/batch/archive",
      "/crm/v3/objects/contacts/batch/archive",
      "/crm/v3/objects/contacts/batch/archive",
      "/crm/v3/objects/contacts/batch/read",
      "/crm/v3/objects/contacts/batch/read",
      "/crm/v3/objects/contacts/batch/read",
      "/crm/v3/objects/contacts/batch/read",
      "/crm/v3/objects/contacts/batch/read",
      "/crm/v3/properties/contacts",
    ]);
    expect(writesSince(emulator, mark)).toEqual(Array(5).fill({ path: "/crm/v3/objects/contacts/batch/archive", inputs: 100, status: 204 }));
    // The run went as fast as the window allows: 6 requests in the first 10 s, the other 5 after it.
    expect(mostInWindow(requests.map((r) => r.at), 10_000)).toBe(6);
    expect(contactsIn(emulator)).toEqual(await modelIn(warehouse));
  }, 120_000);

  it("fails validate (exit 2) for a mapping to a property contacts do not have, naming both, before any write", async () => {
    const dir = projectDir("e2e-hubspot-validate");
    const warehouse = await makeWarehouse("duckdb", dir);
    await seedPeople(warehouse, 10);
    emulator = await startHubSpotEmulator({ accessToken: TOKEN });
    writeHubSpotConfig(dir, warehouse, emulator, { fields: { first_name: "firstname", stage: "favourite_colour" } });

    const result = await cli(["validate"], dir);
    expect(result.code).toBe(2);
    expect(result.stdout + result.stderr).toMatch(/favourite_colour/);
    expect(result.stdout + result.stderr).toMatch(/"contacts"/);
    const json = await cli(["validate", "--json"], dir);
    expect(json.code).toBe(2);
    expect(JSON.stringify(jsonOf(json))).toMatch(/field \\"favourite_colour\\" does not exist on object \\"contacts\\"/);
    expect(writesSince(emulator, 0)).toEqual([]);
    expect(emulator.dump("contacts")).toEqual([]);
  });

  it("kill -9 mid-sync, then re-run: the emulator holds exactly the model, no duplicate contacts", async () => {
    const dir = projectDir("e2e-hubspot-kill");
    const warehouse = await makeWarehouse("duckdb", dir);
    await seedPeople(warehouse, 6000);
    // A roomier account (1,000 requests / 10 s on both sides) so the rounds do not wait out windows.
    emulator = await startHubSpotEmulator({ accessToken: TOKEN, requestsPer10s: 1000 });
    writeHubSpotConfig(dir, warehouse, emulator, { mode: "mirror" }, { rateLimit: { requestsPer10s: 1000 } });

    // Kill when the emulator has answered a chosen number of this run's batch writes: mid-sync, by construction.
    for (const [round, afterWrites] of [5, 17, 9].entries()) {
      const mark = emulator.requestLog.length;
      const running = startCli(["sync"], { cwd: dir, env: { HUBSPOT_TOKEN: TOKEN } });
      const watcher = setInterval(() => {
        if (writesSince(emulator!, mark).length >= afterWrites) running.child.kill("SIGKILL");
      }, 1);
      const ended = await running.done;
      clearInterval(watcher);
      outputs.push(ended.stdout, ended.stderr);
      expect(ended.signal, `round ${round} ended before the kill:\n${ended.stderr}`).toBe("SIGKILL");
      // The model moves between kills: changes and removals must land too.
      await warehouse.query(`update gold.people set stage = 'opportunity' where id % ${40 + round} = 0; delete from gold.people where id > ${5990 - round * 7}`);
    }
    const final = await cli(["sync", "--json"], dir);
    expect(final.code, final.stderr).toBe(0);
    expect(jsonOf(final).syncs[0].status).toBe("succeeded");
    expect(contactsIn(emulator)).toEqual(await modelIn(warehouse));
    const again = await cli(["sync", "--json"], dir);
    expect(jsonOf(again).syncs[0].counts).toMatchObject({ added: 0, changed: 0, removed: 0, unchanged: (await modelIn(warehouse)).size });
  }, 180_000);

  it("through a fault proxy: HubSpot's 429s, a 502, a reset and a lost answer cost nothing, and the emulator holds exactly the model", async () => {
    const dir = projectDir("e2e-hubspot-faults");
    const warehouse = await makeWarehouse("duckdb", dir);
    await seedPeople(warehouse, 250);
    emulator = await startHubSpotEmulator({ accessToken: TOKEN });
    // The first six batch writes fail; HubSpot's 429 names a 200 ms window, so the retry comes soon.
    const batchWrites = { method: "POST", path: "/crm/v3/objects/contacts/batch/" };
    proxy = await startFaultProxy({
      target: emulator.url,
      faults: [
        { ...batchWrites, nth: [1, 2], fault: hubspotRateLimitAnswer("TEN_SECONDLY_ROLLING", { intervalMs: 200 }) },
        { ...batchWrites, nth: [3], fault: { status: 502, body: { status: "error", message: "Bad gateway", category: "INTERNAL_ERROR" } } },
        { ...batchWrites, nth: [4], fault: "reset" },
        { ...batchWrites, nth: [5], fault: "drop" },
        { ...batchWrites, nth: [6], fault: { when: "after", connection: "drop" } },
      ],
    });
    writeHubSpotConfig(dir, warehouse, proxy);

    const run = await cli(["sync", "--json"], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(jsonOf(run).syncs[0]).toMatchObject({ status: "succeeded", results: { succeeded: 250, rejected: 0, failed: 0 } });
    expect(contactsIn(emulator)).toEqual(await modelIn(warehouse));
    // Three batches of 100, 100 and 50: six failed attempts, then one answered upsert each.
    const writes = proxy.requests.filter((r) => r.method === "POST" && r.url.startsWith(batchWrites.path));
    expect(writes.map((r) => r.outcome)).toEqual([429, 429, 502, "reset", "dropped", "dropped", 200, 200, 200]);
    // Only the batch whose answer was lost reached HubSpot twice (which one depends on arrival order); upsert
    // by email made no second contact of it.
    expect(writesSince(emulator, 0).map((w) => w.status)).toEqual([200, 200, 200, 200]);
    const inputs = writesSince(emulator, 0).map((w) => w.inputs).sort((a, b) => a - b);
    expect([[50, 50, 100, 100], [50, 100, 100, 100]]).toContainEqual(inputs);
  });
});
