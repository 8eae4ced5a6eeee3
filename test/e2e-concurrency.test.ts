import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openProject, SyncLockedError } from "@reverse-etl/core";
import type { WebhookReceiver } from "@reverse-etl/destination-webhook/emulator";
import type { FaultProxy } from "@reverse-etl/testkit";
import { projectDir, seedCustomers, writeConfig } from "./support/warehouse.js";
import { makeWarehouse, seedCustomersIn, WAREHOUSES, type WarehouseKind } from "./support/warehouses.js";
import { jsonOf, runCli, startCli } from "./support/cli.js";
import { startSlowReceiver } from "./support/webhook.js";

let receiver: WebhookReceiver | undefined;
let proxy: FaultProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await receiver?.close();
  receiver = undefined;
  proxy = undefined;
});

/** Resolve once the proxy has seen a first batch, i.e. the sync is sending. */
async function sending(p: FaultProxy): Promise<void> {
  for (let i = 0; i < 600 && p.requests.filter((q) => q.method === "POST").length === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("one run per sync at a time", () => {
  it("refuses a second concurrent run of a sync in the same process with SyncLockedError, and the first run is unharmed", async () => {
    const dir = projectDir("e2e-lock");
    await seedCustomers(join(dir, "warehouse.duckdb"), 400);
    ({ receiver, proxy } = await startSlowReceiver(40));
    const configPath = writeConfig(dir, { plugin: "@reverse-etl/destination-webhook", url: proxy.url, batchSize: 20 });
    const first = await openProject({ configPath });
    const second = await openProject({ configPath });
    try {
      const running = first.sync();
      await sending(proxy);
      const refused = await second.sync().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(SyncLockedError);
      expect((refused as Error).message).toMatch(/sync "customers_sync" is already running \(run .+, pid \d+/);
      expect((refused as SyncLockedError).exitCode).toBe(4);
      const report = await running;
      expect(report.syncs[0]!.status).toBe("succeeded");
      expect(receiver.records.size).toBe(400);
      // Once the first run is done, the lock is free again.
      const after = await second.sync();
      expect(after.syncs[0]!.status).toBe("succeeded");
    } finally {
      await first.close();
      await second.close();
    }
  });

  it.each(WAREHOUSES)("refuses a second `reverse-etl sync` process on %s with a clear message and a non-zero exit code", async (kind: WarehouseKind) => {
    const dir = projectDir(`e2e-lock-cli-${kind}`);
    const warehouse = await makeWarehouse(kind, dir);
    await seedCustomersIn(warehouse, 1000);
    // Every batch is held back 3 s until the second process has been refused, so the first run is still
    // sending then, however long the second process takes to start.
    ({ receiver, proxy } = await startSlowReceiver(3000));
    writeConfig(dir, { plugin: "@reverse-etl/destination-webhook", url: proxy.url, batchSize: 20 }, {}, warehouse.source);
    const first = startCli(["sync", "--json"], { cwd: dir });
    await sending(proxy);
    const second = await runCli(["sync", "--json"], { cwd: dir });
    proxy.setFaults([]);
    const error = jsonOf(second).error;
    if (kind === "duckdb") {
      // DuckDB lets one process write a file at a time, so the second process is refused when it opens the
      // warehouse, before it can look at the lock table.
      expect(second.code).toBe(3);
      expect(error.message).toMatch(/in use by another process \(PID \d+\): another reverse-etl run may be in progress/);
    } else {
      // PostgreSQL: the sync's advisory lock, held by the first run's session.
      expect(second.code).toBe(4);
      expect(error.message).toMatch(/sync "customers_sync" is already running in another process/);
    }
    const done = await first.done;
    expect(done.code, done.stderr).toBe(0);
    expect(receiver.records.size).toBe(1000);
  });
});
