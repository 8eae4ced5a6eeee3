import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startWebhookReceiver, type WebhookReceiver } from "@reverse-etl/destination-webhook/emulator";
import { startFaultProxy, type FaultProxy } from "@reverse-etl/testkit";
import { duck, projectDir, seedCustomers, writeConfig } from "./support/warehouse.js";
import { makeWarehouse, modelRowsIn, seedCustomersIn, WAREHOUSES } from "./support/warehouses.js";
import { jsonOf, runCli } from "./support/cli.js";
import { receivedRows } from "./support/webhook.js";

let receiver: WebhookReceiver | undefined;
let proxy: FaultProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await receiver?.close();
  receiver = undefined;
  proxy = undefined;
});

describe.each(WAREHOUSES)("sync to a webhook from %s, end to end through the CLI", (kind) => {
  it("records rejected rows in sync_errors with the destination's message, lands the rest, and retries them next run", async () => {
    const dir = projectDir(`e2e-reject-${kind}`);
    const warehouse = await makeWarehouse(kind, dir);
    await seedCustomersIn(warehouse, 300);
    await warehouse.query("update gold.customers set email = 'not-an-email-' || id where id in (7, 150, 299)");
    receiver = await startWebhookReceiver();
    receiver.rejectRecord((record) => !String(record.fields.email).includes("@"), "INVALID_EMAIL: email is not valid");
    writeConfig(dir, { plugin: "@reverse-etl/destination-webhook", url: receiver.url, batchSize: 50 }, {}, warehouse.source);

    const first = await runCli(["sync", "--json"], { cwd: dir });
    expect(first.code, first.stderr).toBe(6);
    const report = jsonOf(first).syncs[0];
    expect(report.status).toBe("partial");
    expect(report.results).toEqual({ succeeded: 297, rejected: 3, failed: 0 });
    expect(receiver.records.size).toBe(297);

    const errors = await warehouse.query<{ row_key: string; kind: string; message: string }>(
      "select row_key, kind, message from reverse_etl.sync_errors order by cast(row_key as integer)",
    );
    expect(errors).toEqual([
      { row_key: "7", kind: "rejected", message: "INVALID_EMAIL: email is not valid" },
      { row_key: "150", kind: "rejected", message: "INVALID_EMAIL: email is not valid" },
      { row_key: "299", kind: "rejected", message: "INVALID_EMAIL: email is not valid" },
    ]);

    // Next run: only the three rejected rows are sent again (and rejected again).
    const before = receiver.requests.length;
    const second = await runCli(["sync", "--json"], { cwd: dir });
    const again = jsonOf(second).syncs[0];
    expect(again.counts).toMatchObject({ added: 3, unchanged: 297 });
    expect(again.results).toEqual({ succeeded: 0, rejected: 3, failed: 0 });
    const sentAgain = receiver.requests.slice(before).flatMap((r) => r.payload?.records.map((x) => x.key) ?? []);
    expect(sentAgain.sort()).toEqual(["150", "299", "7"]);
  });

  it("isolates a bad record in a batch the destination refuses as a whole, by halving", async () => {
    const dir = projectDir(`e2e-halve-${kind}`);
    const warehouse = await makeWarehouse(kind, dir);
    await seedCustomersIn(warehouse, 200);
    receiver = await startWebhookReceiver();
    receiver.rejectBatchWhen((record) => record.key === "123", "400 Bad Request: record 123 is malformed");
    writeConfig(dir, { plugin: "@reverse-etl/destination-webhook", url: receiver.url, batchSize: 100 }, {}, warehouse.source);

    const run = await runCli(["sync", "--json"], { cwd: dir });
    const report = jsonOf(run).syncs[0];
    expect(report.results).toEqual({ succeeded: 199, rejected: 1, failed: 0 });
    expect(receiver.records.has("123")).toBe(false);
    expect(receiver.records.size).toBe(199);
    const errors = await warehouse.query<{ row_key: string; message: string }>("select row_key, message from reverse_etl.sync_errors");
    expect(errors).toHaveLength(1);
    expect(errors[0]!.row_key).toBe("123");
    expect(errors[0]!.message).toContain("record 123 is malformed");
  });

  it("retries through bursts of 429 (with Retry-After), 5xx and dropped connections, losing nothing", async () => {
    const dir = projectDir(`e2e-bursts-${kind}`);
    const warehouse = await makeWarehouse(kind, dir);
    await seedCustomersIn(warehouse, 1000);
    receiver = await startWebhookReceiver();
    // The first seven POSTs fail, the sixth after the receiver applied it (its answer is lost).
    proxy = await startFaultProxy({
      target: receiver.url,
      faults: [
        { method: "POST", nth: [1, 2, 7], fault: { status: 429, retryAfterSeconds: 1 } },
        { method: "POST", nth: [3], fault: { status: 503 } },
        { method: "POST", nth: [4], fault: "drop" },
        { method: "POST", nth: [5], fault: { status: 500 } },
        { method: "POST", nth: [6], fault: { status: 502, when: "after" } },
      ],
    });
    writeConfig(dir, { plugin: "@reverse-etl/destination-webhook", url: proxy.url, batchSize: 100 }, {}, warehouse.source);

    const run = await runCli(["sync", "--json"], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const report = jsonOf(run).syncs[0];
    expect(report.status).toBe("succeeded");
    expect(report.results).toEqual({ succeeded: 1000, rejected: 0, failed: 0 });
    // Every fault was played: 7 failed POSTs, then the 10 batches of 100 each answered once more.
    const posts = proxy.requests.filter((r) => r.method === "POST");
    expect(posts.slice(0, 7).map((r) => r.outcome)).toEqual([429, 429, 503, "dropped", 500, 502, 429]);
    expect(posts.slice(7).every((r) => r.outcome === 200)).toBe(true);
    expect(posts).toHaveLength(17);
    expect(receivedRows(receiver)).toEqual(await modelRowsIn(warehouse));
    // The batch whose answer was lost was resent with the same Idempotency-Key and not applied twice.
    expect(receiver.replays).toBe(1);
    expect([...receiver.deliveries.values()].every((n) => n === 1)).toBe(true);

    const second = await runCli(["sync", "--json"], { cwd: dir });
    expect(jsonOf(second).syncs[0].counts).toMatchObject({ added: 0, changed: 0, unchanged: 1000 });
  });

});

describe("sync to a webhook, end to end through the CLI", () => {
  it("keeps the webhook's secret header out of every output, log, error and state row", async () => {
    const dir = projectDir("e2e-secret");
    const warehouse = join(dir, "warehouse.duckdb");
    await seedCustomers(warehouse, 50);
    const token = "Bearer sk_live_5ecr3t_T0ken_value_9f8e7d";
    receiver = await startWebhookReceiver({ requiredHeaders: { authorization: token } });
    writeConfig(dir, {
      plugin: "@reverse-etl/destination-webhook",
      url: receiver.url,
      headers: { authorization: { $env: "HOOK_TOKEN" } },
    });
    const outputs: string[] = [];
    for (const args of [["validate"], ["plan"], ["plan", "--json"], ["sync"], ["runs", "--json"], ["plugins", "--json"]]) {
      const r = await runCli(args, { cwd: dir, env: { HOOK_TOKEN: token } });
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
      outputs.push(r.stdout, r.stderr);
    }
    // A wrong token: the run stops at once (401 is not retried row by row) and the error names no secret.
    const wrong = "Bearer sk_live_wrong_wrong_wrong_123456";
    const refused = await runCli(["sync", "--json", "--full"], { cwd: dir, env: { HOOK_TOKEN: wrong } });
    // 401 is a fatal destination error: exit 3, like refused credentials anywhere.
    expect(refused.code).toBe(3);
    expect(jsonOf(refused).syncs[0].status).toBe("failed");
    outputs.push(refused.stdout, refused.stderr);
    expect(receiver.records.size).toBe(50);

    const state = await duck(
      warehouse,
      `select string_agg(s::varchar, '|') as t from (
         select * from reverse_etl.sync_state s1 union all by name select * from reverse_etl.sync_runs
         union all by name select * from reverse_etl.sync_errors) s`,
    );
    const everything = [...outputs, JSON.stringify(state)].join("\n");
    expect(everything).not.toContain("5ecr3t");
    expect(everything).not.toContain("wrong_wrong");
    expect(outputs.join("\n")).toContain("succeeded");
    // Seven CLI processes one after another: minutes on a loaded two-core machine, not the 60 s default.
  }, 180_000);
});
