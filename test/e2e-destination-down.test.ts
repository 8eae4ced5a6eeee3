import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { jsonOf, runCli } from "./support/cli.js";
import { duck, projectDir, seedCustomers, writeConfig } from "./support/warehouse.js";

/** A loopback port nothing listens on: taken from the system, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("a destination that cannot be reached", () => {
  // The default retry policy would spend minutes on 8 attempts per batch; the test's timeout is well below.
  it("stops the run early as failed (exit 3) with the reason in the output, and leaves every row for the next run", async () => {
    const dir = projectDir("e2e-down");
    const warehouse = join(dir, "warehouse.duckdb");
    await seedCustomers(warehouse, 30);
    writeConfig(dir, { plugin: "@reverse-etl/destination-webhook", url: `http://127.0.0.1:${await closedPort()}/hook`, batchSize: 5 });

    const human = await runCli(["sync", "--full"], { cwd: dir });
    expect(human.code, human.stderr).toBe(3);
    expect(human.stdout).toMatch(/failed in/);
    expect(human.stdout).toMatch(/error: .*destination "target" cannot be reached: the connection was refused.*ECONNREFUSED/);
    // Only the first batches went out before the run stopped: the sent line says so, not what was planned.
    expect(human.stdout).toMatch(/sent: \d+ of 30 writes, 0 deletes -> 0 succeeded, 0 rejected, 30 failed/);
    // The destination's message is quoted without a second [reverse-etl] prefix.
    expect(human.stdout).not.toMatch(/\[reverse-etl\].*\[reverse-etl\]/);
    // Each retry wave is logged at info, with its reason.
    expect(human.stderr).toMatch(/retrying failed batches.*ECONNREFUSED/);

    const json = await runCli(["sync", "--json"], { cwd: dir });
    expect(json.code).toBe(3);
    const run = jsonOf(json).syncs[0];
    expect(run).toMatchObject({ status: "failed", errorCode: "DestinationUnreachableError", results: { succeeded: 0, rejected: 0, failed: 30 } });
    expect(run.error).toContain("cannot be reached");
    // The summary and `runs` agree on how long the run took.
    const listed = jsonOf(await runCli(["runs", "--json", "--limit", "1"], { cwd: dir })).runs[0];
    expect(listed.runId).toBe(run.runId);
    expect(Date.parse(listed.finishedAt) - Date.parse(listed.startedAt)).toBe(run.durationMs);

    // State untouched: the next plan still sends every row; each undelivered row says why in sync_errors.
    const plan = jsonOf(await runCli(["plan", "--json"], { cwd: dir })).syncs[0];
    expect(plan.counts).toMatchObject({ added: 30, unchanged: 0 });
    const errors = await duck<{ run_id: string; n: number; message: string }>(
      warehouse,
      "select run_id, count(*)::int as n, min(message) as message from reverse_etl.sync_errors group by run_id order by run_id",
    );
    expect(errors.map((e) => e.n)).toEqual([30, 30]);
    expect(errors[1]!.message).toContain("cannot be reached");
  }, 60_000);
});
