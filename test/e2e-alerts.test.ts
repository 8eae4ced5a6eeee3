import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startWebhookReceiver } from "@reverse-etl/destination-webhook/emulator";
import { startFaultProxy } from "@reverse-etl/testkit";
import { startAlertCollector } from "./support/alert-collector.js";
import { jsonOf, runCli } from "./support/cli.js";
import { duck, projectDir, seedCustomers, writeConfig } from "./support/warehouse.js";

let closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers) await close();
  closers = [];
});

/** Add an `alerts` section to the project's JSON config. */
function withAlerts(dir: string, alerts: Record<string, unknown>): void {
  const file = join(dir, "reverse-etl.config.json");
  writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, "utf8")), alerts }, null, 2));
}

describe("alerts sent by reverse-etl sync", () => {
  it("sends one failed alert when a destination starts failing, none while it keeps failing, and one recovered alert when it heals", async () => {
    const dir = projectDir("alerts-transitions");
    await seedCustomers(join(dir, "warehouse.duckdb"), 50);
    const receiver = await startWebhookReceiver();
    const proxy = await startFaultProxy({ target: receiver.url, faults: [] });
    const collector = await startAlertCollector();
    closers.push(() => collector.close(), () => proxy.close(), () => receiver.close());
    writeConfig(dir, { plugin: "@reverse-etl/destination-webhook", url: proxy.url, batchSize: 10 });
    withAlerts(dir, {
      ops: { url: `${collector.url}/ops`, on: ["failed", "partial", "recovered"] },
      chat: { url: `${collector.url}/services/T000/B000/SLACKSECRETTOKEN`, format: "slack", on: ["failed", "recovered"] },
      down: { url: "http://127.0.0.1:9/unreachable", on: ["failed"] },
    });
    const sync = () => runCli(["sync", "--json", "--log-format", "json"], { cwd: dir });
    const change = (n: number) => duck(join(dir, "warehouse.duckdb"), `update gold.customers set name = name || ' v${n}' where id <= 10`);

    const healthy = await sync();
    expect(healthy.code, healthy.stderr).toBe(0);
    expect(collector.alerts).toEqual([]);

    // The destination starts refusing the credentials: the run fails; one alert per alert, the slack one readable.
    proxy.setFaults([{ fault: { status: 401 } }]);
    await change(1);
    const failing = await sync();
    expect(failing.code).toBe(3); // credentials refused mid-run
    const failedRun = jsonOf(failing).syncs[0];
    expect(failedRun.status).toBe("failed");
    const ops = collector.alerts.filter((a) => a.path === "/ops");
    expect(ops).toHaveLength(1);
    expect(ops[0]!.body).toMatchObject({
      event: "failed",
      sync: "customers_sync",
      runId: failedRun.runId,
      status: "failed",
      counts: { changed: 10 },
      results: { succeeded: 0 },
      error: expect.stringContaining("HTTP 401"),
    });
    expect(ops[0]!.body.firstErrors.length).toBeGreaterThan(0);
    expect(ops[0]!.body.firstErrors[0]).toMatchObject({ kind: "failed", message: expect.any(String) });
    const slack = collector.alerts.filter((a) => a.path.startsWith("/services"));
    expect(slack).toHaveLength(1);
    expect(slack[0]!.body.text).toContain("*customers_sync* failed");
    expect(slack[0]!.body.text).toContain(failedRun.runId);
    // The unreachable endpoint was retried, logged by host only, and did not change the sync's outcome.
    expect(failing.stderr).toMatch(/"msg":"alert not delivered","alert":"down","sync":"customers_sync","event":"failed","host":"127.0.0.1:9"/);
    expect(failing.stderr + failing.stdout).not.toContain("SLACKSECRETTOKEN");

    // Still failing: no new alert.
    await change(2);
    expect((await sync()).code).toBe(3);
    expect(collector.alerts).toHaveLength(2);

    // Healed: one recovered alert each.
    proxy.setFaults([]);
    const healed = await sync();
    expect(healed.code, healed.stderr).toBe(0);
    expect(collector.alerts.slice(2).map((a) => [a.path.startsWith("/ops") ? "ops" : "chat", a.body.event ?? a.body.text.split(" ")[1]])).toEqual([
      ["ops", "recovered"],
      ["chat", "*customers_sync*"],
    ]);
    expect(collector.alerts[3]!.body.text).toContain("recovered");
    // And quiet again on the next success.
    await change(3);
    expect((await sync()).code).toBe(0);
    expect(collector.alerts).toHaveLength(4);
  });

  it("sends partial alerts only at or above minRejectedShare, and retries an endpoint that answers 503", async () => {
    const dir = projectDir("alerts-partial");
    await seedCustomers(join(dir, "warehouse.duckdb"), 100);
    const receiver = await startWebhookReceiver();
    const collector = await startAlertCollector();
    closers.push(() => collector.close(), () => receiver.close());
    receiver.rejectRecord((record) => ["7", "8", "9"].includes(record.key), "INVALID_EMAIL: email is not valid");
    writeConfig(dir, { plugin: "@reverse-etl/destination-webhook", url: receiver.url, batchSize: 50 });
    withAlerts(dir, {
      strict: { url: `${collector.url}/strict`, on: ["partial"], minRejectedShare: 0.02 },
      lenient: { url: `${collector.url}/lenient`, on: ["partial"], minRejectedShare: 0.5 },
    });
    collector.failNext(2);
    const run = await runCli(["sync", "--json"], { cwd: dir });
    expect(run.code).toBe(6);
    expect(collector.requests).toBe(3);
    expect(collector.alerts).toHaveLength(1);
    expect(collector.alerts[0]!.path).toBe("/strict");
    expect(collector.alerts[0]!.body).toMatchObject({ event: "partial", status: "partial", results: { sent: 100, succeeded: 97, rejected: 3, failed: 0 } });
    expect(collector.alerts[0]!.body.firstErrors).toEqual([
      { key: 7, kind: "rejected", message: "INVALID_EMAIL: email is not valid" },
      { key: 8, kind: "rejected", message: "INVALID_EMAIL: email is not valid" },
      { key: 9, kind: "rejected", message: "INVALID_EMAIL: email is not valid" },
    ]);
  });
});
