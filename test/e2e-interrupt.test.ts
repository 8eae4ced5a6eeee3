import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { WebhookReceiver } from "@reverse-etl/destination-webhook/emulator";
import type { FaultProxy } from "@reverse-etl/testkit";
import { jsonOf, runCli, startCli } from "./support/cli.js";
import { duck, projectDir, seedCustomers, writeConfig } from "./support/warehouse.js";
import { startSlowReceiver } from "./support/webhook.js";

let receiver: WebhookReceiver | undefined;
let proxy: FaultProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await receiver?.close();
  receiver = undefined;
  proxy = undefined;
});

/** Wait until `condition` holds, checking every 20 ms, for at most `timeoutMs` (generous: the machine is shared). */
async function waitFor(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("sync interrupted by a signal", () => {
  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("%s lets the batches in flight finish and commit, sends nothing more, and exits %i", async (signal, exitCode) => {
    const dir = projectDir(`e2e-interrupt-${signal}`);
    await seedCustomers(join(dir, "warehouse.duckdb"), 100);
    // Every answer takes 1.5 s: the signal lands while two batches are in flight.
    ({ receiver, proxy } = await startSlowReceiver(1500));
    writeConfig(dir, { plugin: "@reverse-etl/destination-webhook", url: proxy.url, batchSize: 10, maxConcurrency: 2 });
    const running = startCli(["sync", "--json"], { cwd: dir });
    await waitFor(() => proxy!.requests.filter((r) => r.method === "POST").length >= 2, "two batches in flight");
    running.child.kill(signal);
    const ended = await running.done;

    expect(ended.code, ended.stderr).toBe(exitCode);
    expect(ended.stderr).toContain("stopping after the batches in flight");
    // The batches in flight reached the receiver whole (their connections were not cut) and were acknowledged.
    expect(proxy.requests.filter((r) => r.method === "POST").every((r) => r.outcome === 200)).toBe(true);
    const delivered = receiver.records.size;
    expect(delivered).toBeGreaterThanOrEqual(20);
    expect(delivered).toBeLessThan(100);
    const report = jsonOf(ended).syncs[0];
    expect(report.status).toBe("failed");
    expect(report.error).toContain(`interrupted by ${signal}`);
    expect(report.results).toEqual({ succeeded: delivered, rejected: 0, failed: 100 - delivered });

    // Their state was committed: the next plan shows exactly the delivered rows unchanged.
    const plan = jsonOf(await runCli(["plan", "--json"], { cwd: dir })).syncs[0];
    expect(plan.counts).toMatchObject({ unchanged: delivered, added: 100 - delivered });
    // Every row the run did not deliver has a sync_errors row saying why.
    const errors = await duck<{ n: number; message: string }>(
      join(dir, "warehouse.duckdb"),
      "select count(*)::int as n, min(message) as message from reverse_etl.sync_errors where kind = 'failed'",
    );
    expect(errors[0]).toMatchObject({ n: 100 - delivered });
    expect(errors[0]!.message).toContain(`interrupted by ${signal}`);
  }, 120_000);
});
