import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { WebhookReceiver } from "@reverse-etl/destination-webhook/emulator";
import type { FaultProxy } from "@reverse-etl/testkit";
import { projectDir, seedCustomers, writeConfig } from "./support/warehouse.js";
import { makeWarehouse, modelRowsIn, seedCustomersIn, WAREHOUSES, type WarehouseKind } from "./support/warehouses.js";
import { jsonOf, runCli, startCli } from "./support/cli.js";
import { receivedRows, startSlowReceiver } from "./support/webhook.js";

let receiver: WebhookReceiver | undefined;
let proxy: FaultProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await receiver?.close();
  receiver = undefined;
  proxy = undefined;
});

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
 * middle of sending, wherever the run's start-up time goes); resolves when the process is gone.
 */
async function syncKilledAfterPosts(dir: string, p: FaultProxy, posts: number): Promise<void> {
  const before = p.requests.filter((q) => q.method === "POST").length;
  const running = startCli(["sync"], { cwd: dir });
  let exited = false;
  void running.done.then(() => (exited = true));
  while (!exited && p.requests.filter((q) => q.method === "POST").length - before < posts) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  running.child.kill("SIGKILL");
  await running.done;
}

/** Start `sync` and SIGKILL it after `afterMs`; resolves when the process is gone. */
async function killedSync(dir: string, afterMs: number): Promise<void> {
  const running = startCli(["sync"], { cwd: dir });
  const timer = setTimeout(() => running.child.kill("SIGKILL"), afterMs);
  await running.done;
  clearTimeout(timer);
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
    // One kill while the run starts up or plans, then kills after a random number of batches.
    await killedSync(dir, 400);
    kills.push("400 ms");
    for (let round = 0; round < 4; round++) {
      const posts = 1 + Math.floor(random() * 15);
      kills.push(`${posts} batches`);
      await syncKilledAfterPosts(dir, proxy, posts);
    }
    const final = await runCli(["sync", "--json"], { cwd: dir });
    expect(final.code, `kills after ${kills.join(", ")}\n${final.stderr}`).toBe(0);
    expect(jsonOf(final).syncs[0].status).toBe("succeeded");
    expect(receivedRows(receiver)).toEqual(await modelRowsIn(warehouse));
    // Every record was applied exactly once: a batch acknowledged just before a kill is resent by the next
    // run with the same records, hence the same Idempotency-Key, and the receiver answers it from memory.
    expect([...receiver.deliveries.values()].every((n) => n === 1)).toBe(true);
    expect(receiver.deliveries.size).toBe(3000);
    const runs = jsonOf(await runCli(["runs", "--json", "--limit", "50"], { cwd: dir }));
    const list: Array<{ status: string; error: string | null }> = Array.isArray(runs) ? runs : runs.runs;
    expect(list.filter((r) => r.status === "failed" && /interrupted/.test(r.error ?? "")).length).toBeGreaterThan(0);
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
    expect(receivedRows(receiver)).toEqual(await modelRowsIn(warehouse));
    const again = jsonOf(await runCli(["sync", "--json"], { cwd: dir }));
    expect(again.syncs[0].counts).toMatchObject({ added: 0, changed: 0, removed: 0 });
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
      if (existsSync(out)) {
        // A file that exists is a finished run's complete change set: every row, each once.
        const lines = readFileSync(out, "utf8").trim().split("\n");
        expect(lines).toHaveLength(20000);
        expect(new Set(lines.map((l) => JSON.parse(l).key)).size).toBe(20000);
      }
    }
    const final = await runCli(["sync", "--json"], { cwd: dir });
    const report = jsonOf(final).syncs[0];
    expect(report.status).toBe("succeeded");
    if (report.results.succeeded > 0) {
      const lines = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l));
      expect(lines).toHaveLength(report.results.succeeded);
    }
    // Whatever the kills did, state says every row was delivered exactly once in a file that exists.
    const synced = await (await makeWarehouse("duckdb", dir)).query<{ n: string }>("select count(*) as n from reverse_etl.sync_state");
    expect(Number(synced[0]!.n)).toBe(20000);
    expect(readFileSync(out, "utf8").trim().split("\n").length).toBeGreaterThan(0);
  }, 180_000);
});
