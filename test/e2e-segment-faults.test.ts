import { afterEach, describe, expect, it } from "vitest";
import { startSegmentEmulator, type SegmentEmulator } from "@reverse-etl/destination-segment/emulator";
import { startFaultProxy, type FaultProxy } from "@reverse-etl/testkit";
import { projectDir } from "./support/warehouse.js";
import { makeWarehouse } from "./support/warehouses.js";
import { jsonOf } from "./support/cli.js";
import { copiesDiffer, identifiedTraits, SegmentCli, seedUsers, USER_FIELDS, userTraits, WRITE_KEY, writeSegmentConfig } from "./support/segment-project.js";

let emulator: SegmentEmulator | undefined;
let proxy: FaultProxy | undefined;
let cli = new SegmentCli();
afterEach(async () => {
  const leaked = cli.leakedWriteKey();
  cli = new SegmentCli();
  await proxy?.close();
  proxy = undefined;
  await emulator?.close();
  emulator = undefined;
  expect(leaked, "the write key was printed").toBe(false);
});

/** Resolve once `ready()` holds, polling every millisecond; reject after `timeoutMs`. */
async function until(ready: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now();
  while (!ready()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** No two accepted calls of one user carry the same content: a resent call was never accepted twice under two ids. */
function acceptedTwice(e: SegmentEmulator): string[] {
  const seen = new Set<string>();
  const twice: string[] = [];
  for (const m of e.messages) {
    const { messageId: _id, ...content } = m;
    const text = JSON.stringify(content);
    if (seen.has(text)) twice.push(String(m.userId));
    seen.add(text);
  }
  return twice;
}

const identifySync = { model: "users", object: "identify", mode: "upsert", match: { userId: "user_id" }, fields: USER_FIELDS };

describe("Segment under faults, through the CLI", () => {
  it("500s, lost answers and 429s: every user's call arrives, each copy is the same message, nothing is retried behind core's back", async () => {
    const dir = projectDir("e2e-segment-faults");
    const warehouse = await makeWarehouse("duckdb", dir);
    await seedUsers(warehouse, 2000);
    // Segment (the emulator) takes 3 requests a second and the plugin is told 20: Segment's own 429s with
    // Retry-After pace it. In front, the fault proxy fails the first requests: 500 and 503 before Segment
    // sees them, 500 and 502 after it took their calls (answers lost on the way back), and one 429.
    emulator = await startSegmentEmulator({ writeKey: WRITE_KEY, requestsPerSecond: 3 });
    proxy = await startFaultProxy({
      target: emulator.url,
      faults: [
        { path: "/v1/batch", nth: [1], fault: { status: 500 } },
        { path: "/v1/batch", nth: [2], fault: { when: "after", status: 500 } },
        { path: "/v1/batch", nth: [3], fault: { status: 503 } },
        { path: "/v1/batch", nth: [4], fault: { when: "after", status: 502 } },
        { path: "/v1/batch", nth: [5], fault: { status: 429, retryAfterSeconds: 1, headers: { "X-RateLimit-Reset": "1" } } },
      ],
    });
    writeSegmentConfig(dir, warehouse, proxy, { users_to_segment: identifySync }, {}, { batchSize: 50, requestsPerSecond: 20 });

    const run = await cli.run(["sync", "--json"], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(jsonOf(run).syncs[0]).toMatchObject({ status: "succeeded", results: { succeeded: 2000, rejected: 0, failed: 0 } });
    expect(identifiedTraits(emulator)).toEqual(await userTraits(warehouse));
    expect(emulator.messages).toHaveLength(2000);
    // The faults happened: 5xx answers, the injected 429 and Segment's own, copies of the calls whose answer was lost.
    const outcomes = proxy.requests.map((r) => r.outcome);
    expect(outcomes.filter((o) => typeof o === "number" && o >= 500)).toHaveLength(4);
    expect(emulator.rateLimitStats.limited).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o === 429)).toHaveLength(emulator.rateLimitStats.limited + 1);
    expect(emulator.received.filter((r) => r.outcome === "duplicate")).toHaveLength(100);
    // Every copy carries the same messageId and the same content, and no call was accepted twice.
    expect(copiesDiffer(emulator)).toEqual([]);
    expect(acceptedTwice(emulator)).toEqual([]);
    // The client made each request once: it never retried by itself (it would send X-Retry-Count).
    expect(emulator.requests.every((r) => r.retryCount === undefined)).toBe(true);
  }, 120_000);

  it("through the testkit's fault proxy: reset and dropped connections, an answer lost after Segment took the calls, 503s, delays", async () => {
    const dir = projectDir("e2e-segment-proxy");
    const warehouse = await makeWarehouse("duckdb", dir);
    await seedUsers(warehouse, 1500);
    emulator = await startSegmentEmulator({ writeKey: WRITE_KEY });
    proxy = await startFaultProxy({
      target: emulator.url,
      faults: [
        { path: "/v1/batch", nth: [2], fault: { when: "after", connection: "drop" } },
        { path: "/v1/batch", every: 4, fault: "reset" },
        { path: "/v1/batch", every: 7, fault: { status: 503 } },
        { path: "/v1/batch", nth: [9], fault: "drop" },
        { path: "/v1/batch", probability: 0.2, seed: 5, fault: { delayMs: 150 } },
      ],
    });
    writeSegmentConfig(dir, warehouse, proxy, { users_to_segment: identifySync }, {}, { batchSize: 50 });

    const run = await cli.run(["sync", "--json"], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(jsonOf(run).syncs[0]).toMatchObject({ status: "succeeded", results: { succeeded: 1500, rejected: 0, failed: 0 } });
    expect(identifiedTraits(emulator)).toEqual(await userTraits(warehouse));
    // The batch whose answer was lost after Segment took it was sent again, as the same 50 messages.
    expect(emulator.received.filter((r) => r.outcome === "duplicate")).toHaveLength(50);
    expect(copiesDiffer(emulator)).toEqual([]);
    expect(acceptedTwice(emulator)).toEqual([]);
    const outcomes = proxy.requests.map((r) => r.outcome);
    expect(outcomes.filter((o) => o === "reset").length).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o === 503).length).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o === "dropped")).toHaveLength(2);
  }, 120_000);

  it("kill -9 mid-run, three times, with the model changing between: every change arrives once, any copy is the same message", async () => {
    const dir = projectDir("e2e-segment-kill");
    const warehouse = await makeWarehouse("duckdb", dir);
    await seedUsers(warehouse, 3000);
    emulator = await startSegmentEmulator({ writeKey: WRITE_KEY });
    proxy = await startFaultProxy({ target: emulator.url });
    // With the row's own time (updated_at) as the timestamp, a call sent again by another run is byte for byte the same.
    const sync = { ...identifySync, options: { timestampColumn: "updated_at" } };
    writeSegmentConfig(dir, warehouse, proxy, { users_to_segment: sync }, {}, { batchSize: 50, requestsPerSecond: 25 });

    for (const [round, afterRequests] of [7, 15, 4].entries()) {
      const mark = emulator.requests.length;
      const running = cli.start(["sync"], dir);
      await until(() => emulator!.requests.length - mark >= afterRequests, 60_000, `request ${afterRequests} of round ${round}`);
      // The next request reaches Segment, which takes its calls, but its answer is held back: the process
      // dies before it learns that they were accepted.
      const slow = emulator.requests.length;
      proxy.setFaults([{ path: "/v1/batch", nth: [1], fault: { when: "after", delayMs: 30_000 } }]);
      await until(() => emulator!.requests.length > slow, 30_000, `the slow request of round ${round}`);
      running.child.kill("SIGKILL");
      proxy.setFaults([]);
      const ended = await running.done;
      expect(ended.signal, `round ${round} ended before the kill:\n${ended.stderr}`).toBe("SIGKILL");
      await warehouse.query(
        `update gold.users set plan = 'round${round}', updated_at = timestamp '2025-01-0${round + 1} 00:00:00' + user_id * interval '1 second'
         where user_id % ${7 + round} = 0`,
      );
    }
    const final = await cli.run(["sync", "--json"], dir);
    expect(final.code, final.stderr).toBe(0);
    expect(jsonOf(final).syncs[0].status).toBe("succeeded");
    expect(identifiedTraits(emulator)).toEqual(await userTraits(warehouse));
    // The calls of each killed run's last request arrived again from the next run, as the same messages.
    expect(emulator.received.filter((r) => r.outcome === "duplicate").length).toBeGreaterThanOrEqual(3 * 50);
    expect(copiesDiffer(emulator)).toEqual([]);
    expect(acceptedTwice(emulator)).toEqual([]);
    const again = await cli.run(["sync", "--json"], dir);
    expect(jsonOf(again).syncs[0].counts).toMatchObject({ added: 0, changed: 0 });
  }, 180_000);

  it("rejects a row over 32 KB before the network, records it in sync_errors, delivers the rest, and sends no request over 500 KB", async () => {
    const dir = projectDir("e2e-segment-sizes");
    const warehouse = await makeWarehouse("duckdb", dir);
    await seedUsers(warehouse, 1);
    // About 20 KB of multi-byte text per user (which the client's own size check undercounts); user 77 has 40 KB.
    await warehouse.query(
      `create table gold.profiles as select cast(i as integer) as user_id, repeat('é€😀', case when i = 77 then 4500 else 2200 end) as bio
       from range(1, 301) t(i)`,
    );
    emulator = await startSegmentEmulator({ writeKey: WRITE_KEY });
    const profiles = { source: "warehouse", primaryKey: "user_id", sql: "select user_id, bio from gold.profiles" };
    const sync = { model: "profiles", object: "identify", match: { userId: "user_id" }, fields: { bio: "bio" } };
    writeSegmentConfig(dir, warehouse, emulator, { profiles_to_segment: sync }, { profiles });

    const run = await cli.run(["sync", "--json"], dir);
    expect(run.code, run.stderr).toBe(6);
    expect(jsonOf(run).syncs[0]).toMatchObject({ status: "partial", results: { succeeded: 299, rejected: 1, failed: 0 } });
    expect(emulator.messages.map((m) => m.userId)).toEqual(Array.from({ length: 300 }, (_, i) => String(i + 1)).filter((id) => id !== "77"));
    // 299 calls of about 20 KB in one write: split into requests of at most 500 KB, all accepted.
    expect(emulator.requests.length).toBeGreaterThanOrEqual(12);
    expect(emulator.requests.filter((r) => r.status !== 200 || r.bytes > 500_000)).toEqual([]);
    const errors = await warehouse.query<{ row_key: string; kind: string; message: string }>("select row_key, kind, message from reverse_etl.sync_errors");
    expect(errors).toEqual([
      {
        row_key: "77",
        kind: "rejected",
        message: expect.stringMatching(/^\[reverse-etl\] \[segment\] the identify call of this row is 40,\d{3} bytes as sent, over Segment's limit of 32 KB \(32,768 bytes\) per call, so it was not sent/),
      },
    ]);
  }, 120_000);
});
