import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { WebhookReceiver } from "@reverse-etl/destination-webhook/emulator";
import type { FaultProxy } from "@reverse-etl/testkit";
import { projectDir, seedCustomers, writeConfig } from "./support/warehouse.js";
import { makeWarehouse, modelRowsIn, seedCustomersIn, WAREHOUSES, type TestWarehouse, type WarehouseKind } from "./support/warehouses.js";
import { jsonOf, runCli, startCli, type CliResult } from "./support/cli.js";
import { receivedRows, startSlowReceiver } from "./support/webhook.js";

let receiver: WebhookReceiver | undefined;
let proxy: FaultProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await receiver?.close();
  receiver = undefined;
  proxy = undefined;
});

/** The runs `reverse-etl runs` lists for the project in `dir`. */
async function runsOf(dir: string): Promise<Array<{ status: string; error: string | null }>> {
  const runs = jsonOf(await runCli(["runs", "--json", "--limit", "50"], { cwd: dir }));
  return Array.isArray(runs) ? runs : runs.runs;
}

/** Rows whose delivery state has been committed (0 before the state tables exist). */
async function syncedRows(warehouse: TestWarehouse): Promise<number> {
  const tables = await warehouse.query<{ n: string }>(
    "select count(*) as n from information_schema.tables where table_schema = 'reverse_etl' and table_name = 'sync_state'",
  );
  if (Number(tables[0]!.n) === 0) return 0;
  return Number((await warehouse.query<{ n: string }>("select count(*) as n from reverse_etl.sync_state"))[0]!.n);
}

/** The lines of the file destination's output, none when the file does not exist. */
function fileLines(path: string): Array<{ key: unknown }> {
  return existsSync(path) ? readFileSync(path, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { key: unknown }) : [];
}

/** A small seeded random generator, so a failing kill schedule can be replayed. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * Start `sync` and SIGKILL it once the proxy has seen `posts` more batches (so the kill lands in the
 * middle of sending, wherever the run's start-up time goes); resolves with how the process ended.
 */
async function syncKilledAfterPosts(dir: string, p: FaultProxy, posts: number): Promise<CliResult> {
  const before = p.requests.filter((q) => q.method === "POST").length;
  const running = startCli(["sync"], { cwd: dir });
  let exited = false;
  void running.done.then(() => (exited = true));
  while (!exited && p.requests.filter((q) => q.method === "POST").length - before < posts) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  running.child.kill("SIGKILL");
  return running.done;
}

/** Start `sync` and SIGKILL it after `afterMs`; resolves with how the process ended. */
async function killedSync(dir: string, afterMs: number): Promise<CliResult> {
  const running = startCli(["sync"], { cwd: dir });
  const timer = setTimeout(() => running.child.kill("SIGKILL"), afterMs);
  const ended = await running.done;
  clearTimeout(timer);
  return ended;
}

describe("a sync killed with SIGKILL at random points", () => {
  it.each(WAREHOUSES)("webhook from %s: re-runs leave the receiver holding exactly the model, no acknowledged batch applied twice", async (kind: WarehouseKind) => {
    const dir = projectDir(`e2e-kill-webhook-${kind}`);
    const warehouse = await makeWarehouse(kind, dir);
    await seedCustomersIn(warehouse, 3000);
    // Each request takes a little while, so kills land in the middle of sending as well as before it.
    ({ receiver, proxy } = await startSlowReceiver(15));
    writeConfig(dir, { plugin: "@reverse-etl/destination-webhook", url: proxy.url, batchSize: 40 }, { mode: "mirror" }, warehouse.source);
    const random = seeded(20261126);
    const kills: string[] = [];
    // One kill while the run starts up or plans: it may land before or after the run is recorded.
    expect((await killedSync(dir, 400)).signal).toBe("SIGKILL");
    kills.push("400 ms");
    const recordedAtStartUp = (await runsOf(dir)).length;
    expect(recordedAtStartUp).toBeLessThanOrEqual(1);
    // Then kills after a random number of batches: at most 60 of the 75, so each lands in a run that is sending.
    for (let round = 0; round < 4; round++) {
      const posts = 1 + Math.floor(random() * 15);
      kills.push(`${posts} batches`);
      expect((await syncKilledAfterPosts(dir, proxy, posts)).signal, `kills after ${kills.join(", ")}`).toBe("SIGKILL");
    }
    const final = await runCli(["sync", "--json"], { cwd: dir });
    expect(final.code, `kills after ${kills.join(", ")}\n${final.stderr}`).toBe(0);
    expect(jsonOf(final).syncs[0].status).toBe("succeeded");
    expect(receivedRows(receiver)).toEqual(await modelRowsIn(warehouse));
    // Every record was applied exactly once: a batch acknowledged just before a kill is resent by the next
    // run with the same records, hence the same Idempotency-Key, and the receiver answers it from memory.
    expect(receiver.deliveries.size).toBe(3000);
    expect([...receiver.deliveries.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    // Each killed run that had been recorded is closed as interrupted by the next run; the last one succeeded.
    const runs = await runsOf(dir);
    expect(runs).toHaveLength(5 + recordedAtStartUp);
    expect(runs.filter((r) => r.status === "succeeded")).toHaveLength(1);
    expect(runs.filter((r) => r.status === "failed" && /^interrupted/.test(r.error ?? ""))).toHaveLength(4 + recordedAtStartUp);
  }, 180_000);

  it("webhook: with the model changing between kills, the receiver still ends up holding exactly the model", async () => {
    const dir = projectDir("e2e-kill-moving");
    const warehouse = await makeWarehouse("duckdb", dir);
    await seedCustomersIn(warehouse, 3000);
    ({ receiver, proxy } = await startSlowReceiver(15));
    writeConfig(dir, { plugin: "@reverse-etl/destination-webhook", url: proxy.url, batchSize: 40 }, { mode: "mirror" });
    const random = seeded(7);
    for (let round = 0; round < 3; round++) {
      await killedSync(dir, 900 + Math.floor(random() * 1600));
      await warehouse.query(`update gold.customers set plan = 'round${round}' where id % ${50 + round} = 0; delete from gold.customers where id > ${2990 - round * 5}`);
    }
    const final = await runCli(["sync", "--json"], { cwd: dir });
    expect(final.code, final.stderr).toBe(0);
    const model = await modelRowsIn(warehouse);
    expect(receivedRows(receiver)).toEqual(model);
    const again = jsonOf(await runCli(["sync", "--json"], { cwd: dir }));
    expect(again.syncs[0].counts).toMatchObject({ added: 0, changed: 0, removed: 0, unchanged: model.size });
  }, 180_000);

  it("file: after each kill the file holds a whole change set or nothing, and the re-run writes the whole model", async () => {
    const dir = projectDir("e2e-kill-file");
    const warehouse = join(dir, "warehouse.duckdb");
    await seedCustomers(warehouse, 20000);
    writeConfig(dir, { plugin: "@reverse-etl/destination-file", path: "out/customers.jsonl", maxBatchSize: 500 });
    const out = join(dir, "out", "customers.jsonl");
    const random = seeded(42);
    for (let round = 0; round < 3; round++) {
      await killedSync(dir, 700 + Math.floor(random() * 1500));
      // The file appears only when a run's whole change set (every row, each once) is renamed into place.
      const lines = fileLines(out);
      expect([0, 20000]).toContain(lines.length);
      expect(new Set(lines.map((l) => JSON.stringify(l.key))).size).toBe(lines.length);
    }
    // State commits the whole change set in one transaction after the rename: all rows or none.
    const duckdb = await makeWarehouse("duckdb", dir);
    const before = await syncedRows(duckdb);
    expect([0, 20000]).toContain(before);
    const final = await runCli(["sync", "--json"], { cwd: dir });
    const report = jsonOf(final).syncs[0];
    expect(report.status).toBe("succeeded");
    // The final run sends what no killed run committed; the file holds the model either way, each row once.
    expect(report.results).toEqual({ succeeded: 20000 - before, rejected: 0, failed: 0 });
    const lines = fileLines(out);
    expect(lines).toHaveLength(20000);
    expect(new Set(lines.map((l) => JSON.stringify(l.key))).size).toBe(20000);
    expect(await syncedRows(duckdb)).toBe(20000);
  }, 180_000);
});
