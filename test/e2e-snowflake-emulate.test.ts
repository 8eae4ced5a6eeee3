import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadSnowflakeSdk } from "@reverse-etl/source-snowflake";
import { afterEach, describe, expect, it } from "vitest";
import { jsonOf, runCli, startCli, type RunningCli, killIfRunning, stdoutUntil } from "./support/cli.js";
import { projectDir, writeConfig } from "./support/warehouse.js";

let running: RunningCli | undefined;
afterEach(async () => {
  await killIfRunning(running);
  running = undefined;
});


describe("reverse-etl emulate snowflake", () => {
  it("--json prints the URL and the source options; a user loads a table with snowflake-sdk, and a sync reads it", { timeout: 120_000 }, async () => {
    const dir = projectDir("e2e-snowflake-emulate");
    running = startCli(["emulate", "snowflake", "--json", "--password", "load-it-2026", "--database", "ANALYTICS"], { cwd: dir });
    const ready = JSON.parse(await stdoutUntil(running, "\n")) as { url: string; options: Record<string, string> };
    expect(ready.options).toMatchObject({ account: "emulator", username: "emulator", password: "load-it-2026", database: "ANALYTICS", warehouse: "COMPUTE_WH", accessUrl: ready.url });

    // The user's own loading script: the unchanged driver, pointed at the emulator by its options.
    const sdk = await loadSnowflakeSdk();
    const connection = sdk.createConnection({ ...ready.options } as never);
    await new Promise<void>((resolve, reject) => connection.connect((e) => (e ? reject(e) : resolve())));
    for (const sqlText of [
      "create schema gold",
      "create table gold.customers (id number(38,0), email varchar, name varchar, plan varchar, ltv number(12,2))",
      "insert into gold.customers values (1, 'a@example.com', 'Ann', 'pro', 10.50), (2, 'b@example.com', 'Bo', 'free', 0)",
    ]) {
      await new Promise<void>((resolve, reject) => connection.execute({ sqlText, complete: (e) => (e ? reject(e) : resolve()) }));
    }
    await new Promise<void>((resolve) => connection.destroy(() => resolve()));

    writeConfig(dir, { plugin: "@reverse-etl/destination-file", path: "out.jsonl" }, {}, { plugin: "@reverse-etl/source-snowflake", ...ready.options });
    const sync = await runCli(["sync", "--json"], { cwd: dir });
    expect(sync.code, sync.stderr).toBe(0);
    expect(jsonOf(sync).syncs[0].results).toMatchObject({ succeeded: 2, rejected: 0, failed: 0 });
    const lines = readFileSync(join(dir, "out.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { key: number; fields: Record<string, unknown> });
    expect(new Map(lines.map((l) => [l.key, l.fields]))).toEqual(
      new Map([
        [1, { email: "a@example.com", name: "Ann", plan_tier: "pro", ltv: "10.50" }],
        [2, { email: "b@example.com", name: "Bo", plan_tier: "free", ltv: "0.00" }],
      ]),
    );
    expect(sync.stdout + sync.stderr).not.toContain("load-it-2026");

    running.child.kill("SIGINT");
    expect((await running.done).code).toBe(0);
  });
});
