import { afterEach, describe, expect, it } from "vitest";
import { startSegmentEmulator, type SegmentEmulator } from "@reverse-etl/destination-segment/emulator";
import { projectDir } from "./support/warehouse.js";
import { makeWarehouse, WAREHOUSES, type TestWarehouse } from "./support/warehouses.js";
import { jsonOf } from "./support/cli.js";
import { identifiedTraits, SegmentCli, seedUsers, USER_FIELDS, userTraits, WRITE_KEY, writeSegmentConfig } from "./support/segment-project.js";

let emulator: SegmentEmulator | undefined;
let cli = new SegmentCli();
afterEach(async () => {
  const leaked = cli.leakedWriteKey();
  cli = new SegmentCli();
  await emulator?.close();
  emulator = undefined;
  expect(leaked, "the write key was printed").toBe(false);
});

/** The batch requests the emulator answered since `from`: calls carried and status. */
function batchesSince(e: SegmentEmulator, from: number): Array<{ events: number; status: number }> {
  return e.requests.slice(from).map((r) => ({ events: r.events, status: r.status }));
}

const identifySync = { model: "users", object: "identify", mode: "upsert", match: { userId: "user_id" }, fields: USER_FIELDS };

describe.each(WAREHOUSES)("identify a users model from %s through the CLI against the Segment emulator", (kind) => {
  it("sends every user, then nothing, then exactly the changed users, with Segment's value shapes", async () => {
    const dir = projectDir(`e2e-segment-identify-${kind}`);
    const warehouse = await makeWarehouse(kind, dir);
    await seedUsers(warehouse, 1200);
    emulator = await startSegmentEmulator({ writeKey: WRITE_KEY });
    writeSegmentConfig(dir, warehouse, emulator, { users_to_segment: identifySync });

    const first = await cli.run(["sync", "--json"], dir);
    expect(first.code, first.stderr).toBe(0);
    expect(jsonOf(first).syncs[0]).toMatchObject({ status: "succeeded", counts: { added: 1200 }, results: { succeeded: 1200, rejected: 0, failed: 0 } });
    // 500 calls per batch request (the default batchSize): three requests.
    expect(batchesSince(emulator, 0)).toEqual([
      { events: 500, status: 200 },
      { events: 500, status: 200 },
      { events: 200, status: 200 },
    ]);
    expect(identifiedTraits(emulator)).toEqual(await userTraits(warehouse));
    // Numbers as numbers, a decimal no double holds as its text, dates and timestamps ISO 8601, JSON nested.
    expect(emulator.messages.find((m) => m.userId === "7")).toMatchObject({
      type: "identify",
      userId: "7",
      traits: {
        ltv: 71.75,
        big_ltv: "12345678901234567890.12",
        signed_up_at: "2024-01-01T00:07:00.000Z",
        signup_day: "2024-01-08",
        attrs: { tier: 1, tags: ["a", "b"] },
      },
    });

    // Nothing changed: the diff runs in the warehouse and nothing reaches Segment.
    let mark = emulator.requests.length;
    const second = await cli.run(["sync", "--json"], dir);
    expect(jsonOf(second).syncs[0].counts).toMatchObject({ added: 0, changed: 0, unchanged: 1200 });
    expect(batchesSince(emulator, mark)).toEqual([]);

    // Three users change: exactly their identify calls are sent, with the new traits.
    await warehouse.query("update gold.users set plan = 'trial' where user_id in (5, 17); update gold.users set email = 'renamed@example.com' where user_id = 42");
    mark = emulator.requests.length;
    const before = emulator.messages.length;
    const third = await cli.run(["sync", "--json"], dir);
    expect(jsonOf(third).syncs[0]).toMatchObject({ status: "succeeded", counts: { changed: 3, unchanged: 1197 }, results: { succeeded: 3 } });
    expect(batchesSince(emulator, mark)).toEqual([{ events: 3, status: 200 }]);
    expect(emulator.messages.slice(before).map((m) => m.userId)).toEqual(["5", "17", "42"]);
    expect(identifiedTraits(emulator)).toEqual(await userTraits(warehouse));
    // Each call was accepted once: no messageId arrived twice.
    expect(emulator.received.every((r) => r.outcome === "accepted")).toBe(true);
  });
});

describe("track and group through the CLI against the Segment emulator", () => {
  async function seedEvents(w: TestWarehouse, from: number, to: number, create: boolean): Promise<void> {
    const rows = `select cast(i as integer) as event_id, 'u' || (i % 40) as user_id,
                  ['Signed Up', 'Order Completed', 'Plan Upgraded'][1 + i % 3] as event_name,
                  timestamp '2024-05-01 00:00:00' + i * interval '1 hour' as occurred_at, cast(i * 1.5 as double) as amount
                  from range(${from}, ${to + 1}) t(i)`;
    await w.query(create ? `create schema if not exists gold; create table gold.events as ${rows}` : `insert into gold.events ${rows}`);
  }

  it("track in insert mode: each new row of an event table once, named by its event column, at its timestamp column's time", async () => {
    const dir = projectDir("e2e-segment-track");
    const warehouse = await makeWarehouse("duckdb", dir);
    await seedUsers(warehouse, 1);
    await seedEvents(warehouse, 1, 300, true);
    emulator = await startSegmentEmulator({ writeKey: WRITE_KEY });
    const events = { source: "warehouse", primaryKey: "event_id", sql: "select event_id, user_id, event_name, occurred_at, amount from gold.events" };
    const sync = {
      model: "events",
      object: "track",
      mode: "insert",
      match: { userId: "user_id" },
      fields: { event_id: "event_id", amount: "amount" },
      options: { eventColumn: "event_name", timestampColumn: "occurred_at", context: { app: { name: "warehouse" } } },
    };
    writeSegmentConfig(dir, warehouse, emulator, { events_to_segment: sync }, { events });

    const first = await cli.run(["sync", "--json"], dir);
    expect(first.code, first.stderr).toBe(0);
    expect(jsonOf(first).syncs[0]).toMatchObject({ status: "succeeded", results: { succeeded: 300, rejected: 0, failed: 0 } });
    const expected = (i: number) => ({
      type: "track",
      userId: `u${i % 40}`,
      event: ["Signed Up", "Order Completed", "Plan Upgraded"][i % 3],
      timestamp: new Date(Date.UTC(2024, 4, 1) + i * 3_600_000).toISOString(),
      properties: { event_id: i, amount: i * 1.5 },
    });
    const tracked = () => emulator!.messages.map((m) => ({ type: m.type, userId: m.userId, event: m.event, timestamp: m.timestamp, properties: m.properties }));
    expect(tracked()).toEqual(Array.from({ length: 300 }, (_, i) => expected(i + 1)));
    expect(emulator.messages[0]!.context).toMatchObject({ app: { name: "warehouse" }, library: { name: "@segment/analytics-node" } });

    // New events arrive and an old one is corrected: insert mode sends the new rows only, once.
    await seedEvents(warehouse, 301, 305, false);
    await warehouse.query("update gold.events set amount = 0 where event_id = 3");
    const second = await cli.run(["sync", "--json"], dir);
    expect(jsonOf(second).syncs[0]).toMatchObject({ status: "succeeded", counts: { added: 5, changed: 1 }, results: { succeeded: 5 } });
    expect(tracked()).toEqual(Array.from({ length: 305 }, (_, i) => expected(i + 1)));
    const third = await cli.run(["sync", "--json"], dir);
    expect(jsonOf(third).syncs[0].results).toEqual({ succeeded: 0, rejected: 0, failed: 0 });
    expect(emulator.messages).toHaveLength(305);
  });

  it("group: accounts with their groupId and a userId, the fields as traits", async () => {
    const dir = projectDir("e2e-segment-group");
    const warehouse = await makeWarehouse("duckdb", dir);
    await seedUsers(warehouse, 1);
    await warehouse.query(
      `create table gold.accounts as select cast(i as integer) as account_id, cast(i * 10 as integer) as owner_id, 'Account ' || i as name,
         cast(i * 7 as integer) as employees from range(1, 26) t(i)`,
    );
    emulator = await startSegmentEmulator({ writeKey: WRITE_KEY });
    const accounts = { source: "warehouse", primaryKey: "account_id", sql: "select account_id, owner_id, name, employees from gold.accounts" };
    const sync = { model: "accounts", object: "group", match: { groupId: "account_id", userId: "owner_id" }, fields: { name: "name", employees: "employees" } };
    writeSegmentConfig(dir, warehouse, emulator, { accounts_to_segment: sync }, { accounts });

    const run = await cli.run(["sync", "--json"], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(emulator.messages.map((m) => ({ type: m.type, groupId: m.groupId, userId: m.userId, traits: m.traits }))).toEqual(
      Array.from({ length: 25 }, (_, k) => ({ type: "group", groupId: String(k + 1), userId: String((k + 1) * 10), traits: { name: `Account ${k + 1}`, employees: (k + 1) * 7 } })),
    );
  });

  it("validate refuses, naming it, what cannot work: a track without an event, mirror mode, a group without a userId, an event column the model lacks", async () => {
    const dir = projectDir("e2e-segment-validate");
    const warehouse = await makeWarehouse("duckdb", dir);
    await seedUsers(warehouse, 3);
    emulator = await startSegmentEmulator({ writeKey: WRITE_KEY });
    const track = { model: "users", object: "track", mode: "insert", match: { userId: "user_id" }, fields: { plan: "plan" } };
    writeSegmentConfig(dir, warehouse, emulator, { no_event: track });
    const noEvent = await cli.run(["validate"], dir);
    expect(noEvent.code).toBe(2);
    expect(noEvent.stdout + noEvent.stderr).toContain(
      '/syncs/no_event/options: missing required property "event" (a track sync needs an event: the name of every call, e.g. "Order Completed", or eventColumn, the model column that holds it)',
    );

    writeSegmentConfig(dir, warehouse, emulator, {
      mirrored: { ...identifySync, mode: "mirror" },
      group_without_user: { model: "users", object: "group", match: { groupId: "plan" }, fields: { email: "email" } },
      bad_event_column: { ...track, options: { eventColumn: "event_name" } },
    });
    const result = await cli.run(["validate"], dir);
    expect(result.code).toBe(2);
    const said = result.stdout + result.stderr;
    expect(said).toContain('/syncs/mirrored/mode: destination "cdp" does not support mode "mirror"; it supports: upsert, insert');
    expect(said).toContain('/syncs/group_without_user/match: object "group" of destination "cdp" needs one of "userId", "anonymousId" in match');
    expect(said).toContain('/syncs/bad_event_column/options/eventColumn: column "event_name" is not in model "users"');
    expect(emulator.messages).toEqual([]);
  });

  it("reverse-etl emulate segment runs the emulator the plugin talks to, and shows what it received", async () => {
    const dir = projectDir("e2e-segment-emulate");
    const running = cli.start(["emulate", "segment", "--json"], dir);
    const line = await new Promise<string>((resolve, reject) => {
      let out = "";
      running.child.stdout!.on("data", (d) => {
        out += d;
        if (out.includes("\n")) resolve(out.slice(0, out.indexOf("\n")));
      });
      void running.done.then((r) => reject(new Error(`emulate exited ${r.code}: ${r.stderr}`)));
    });
    const ready = JSON.parse(line) as { url: string; options: { baseUrl: string; writeKey: string } };
    expect(ready.options).toEqual({ baseUrl: ready.url, writeKey: "emulator-write-key" });
    const key = ready.options.writeKey;
    const sent = await fetch(`${ready.url}/v1/batch`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Basic ${Buffer.from(`${key}:`).toString("base64")}` },
      body: JSON.stringify({ batch: [{ type: "identify", userId: "u1", messageId: "m1", traits: { plan: "pro" } }] }),
    });
    expect(await sent.json()).toEqual({ success: true });
    const messages = (await (await fetch(`${ready.url}/_emulator/messages`)).json()) as { messages: unknown[] };
    expect(messages.messages).toEqual([{ type: "identify", userId: "u1", messageId: "m1", traits: { plan: "pro" } }]);
    running.child.kill("SIGTERM");
    expect((await running.done).code).toBe(0);
  });
});
