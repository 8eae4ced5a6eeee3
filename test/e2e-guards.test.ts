import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { duck, projectDir, seedCustomers, writeConfig } from "./support/warehouse.js";
import { jsonOf, runCli } from "./support/cli.js";

function lines(file: string): Array<{ op: string; key: number }> {
  return readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l));
}

describe("guards, through the CLI", () => {
  it("mirror mode refuses a mass delete (exit 5) until --allow-mass-delete, then deletes exactly the removed rows", async () => {
    const dir = projectDir("e2e-mass-delete");
    const warehouse = join(dir, "warehouse.duckdb");
    await seedCustomers(warehouse, 100);
    writeConfig(dir, { plugin: "@reverse-etl/destination-file", path: "out/changes.jsonl" }, { mode: "mirror" });
    expect((await runCli(["sync"], { cwd: dir })).code).toBe(0);
    await duck(warehouse, "delete from gold.customers where id > 30");

    const plan = jsonOf(await runCli(["plan", "--json"], { cwd: dir })).syncs[0];
    expect(plan.counts.removed).toBe(70);
    expect(plan.warnings.join("\n")).toMatch(/would delete 70 of 100 synced records .*--allow-mass-delete/);

    const refused = await runCli(["sync", "--json"], { cwd: dir });
    expect(refused.code).toBe(5);
    const report = jsonOf(refused).syncs[0];
    expect(report).toMatchObject({ status: "failed", errorCode: "MassDeleteError", counts: { removed: 70, unchanged: 30 } });
    expect(report.error).toMatch(/maxDeleteShare 50 %/);
    // The guard's text is said once, as the run's error; the 70 held-back deletes are the run's failed rows.
    expect(report.warnings.join("\n")).not.toMatch(/maxDeleteShare/);
    expect(report.results).toEqual({ succeeded: 0, rejected: 0, failed: 70 });
    expect(lines(join(dir, "out/changes.jsonl"))).toHaveLength(100); // the first run's file, untouched
    // Every row the stopped run did not deliver has a sync_errors row saying why.
    const errors = await duck<{ kind: string; message: string; row_key: string }>(
      warehouse,
      `select kind, message, row_key from reverse_etl.sync_errors where run_id = '${report.runId}' order by row_key::int`,
    );
    expect(errors).toHaveLength(70);
    expect(errors.map((e) => Number(e.row_key))).toEqual(Array.from({ length: 70 }, (_, i) => i + 31));
    expect(errors.every((e) => e.kind === "failed" && /not sent: .*would delete 70 of 100 .*--allow-mass-delete/.test(e.message))).toBe(true);

    const allowed = await runCli(["sync", "--json", "--allow-mass-delete"], { cwd: dir });
    expect(allowed.code, allowed.stderr).toBe(0);
    // A user who passed --allow-mass-delete is not told to pass it.
    const allowedWarnings = jsonOf(allowed).syncs[0].warnings.join("\n");
    expect(allowedWarnings).toMatch(/would delete 70 of 100 .*Allowed by --allow-mass-delete/);
    expect(allowedWarnings).not.toMatch(/run with --allow-mass-delete/);
    const deletes = lines(join(dir, "out/changes.jsonl"));
    expect(deletes.every((l) => l.op === "delete")).toBe(true);
    expect(deletes.map((l) => l.key).sort((a, b) => a - b)).toEqual(Array.from({ length: 70 }, (_, i) => i + 31));
  });

  it("refuses a run while another host holds the sync's lock (exit 4), until `state unlock`", async () => {
    const dir = projectDir("e2e-unlock");
    const warehouse = join(dir, "warehouse.duckdb");
    await seedCustomers(warehouse, 10);
    writeConfig(dir, { plugin: "@reverse-etl/destination-file", path: "out/changes.jsonl" });
    expect((await runCli(["sync"], { cwd: dir })).code).toBe(0);
    await duck(warehouse, "insert into reverse_etl.sync_locks (sync_name, run_id, pid, host) values ('customers_sync', 'r-elsewhere', 1, 'runner-7.example')");

    const refused = await runCli(["sync", "--json"], { cwd: dir });
    expect(refused.code).toBe(4);
    expect(jsonOf(refused).error.message).toMatch(
      /sync "customers_sync" is already running \(run r-elsewhere, pid 1 on runner-7\.example\).*reverse-etl state unlock customers_sync/,
    );
    const unlocked = jsonOf(await runCli(["state", "unlock", "customers_sync", "--json"], { cwd: dir }));
    expect(unlocked).toEqual({ sync: "customers_sync", unlocked: true });
    expect((await runCli(["sync"], { cwd: dir })).code).toBe(0);
    expect(existsSync(join(dir, "out/changes.jsonl"))).toBe(true);
  });
});
