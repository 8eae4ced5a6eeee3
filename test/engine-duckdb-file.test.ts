import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { ConfiguredProject, type ReverseEtlConfig } from "@reverse-etl/core";
import duckdb from "@reverse-etl/source-duckdb";
import fileDestination from "@reverse-etl/destination-file";
import { DuckDBInstance } from "@duckdb/node-api";

async function sqlOn(path: string, statements: string): Promise<void> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  await connection.run(statements);
  connection.closeSync();
  instance.closeSync();
}

function projectFor(dir: string, mode: "upsert" | "mirror" = "upsert") {
  const config: ReverseEtlConfig = {
    sources: { warehouse: { plugin: "@reverse-etl/source-duckdb", path: "warehouse.duckdb" } },
    destinations: { out: { plugin: "@reverse-etl/destination-file", path: "out/changes.jsonl" } },
    models: {
      customers: { source: "warehouse", primaryKey: "id", sql: "select id, email, plan, ltv from gold.customers" },
    },
    syncs: { customers_out: { model: "customers", destination: "out", mode, fields: { email: "email", plan: "plan_tier", ltv: "ltv" } } },
  };
  return new ConfiguredProject(
    { file: join(dir, "reverse-etl.config.json"), dir, config },
    {
      sources: new Map([["warehouse", { plugin: duckdb as never, options: { path: "warehouse.duckdb" }, package: "@reverse-etl/source-duckdb" }]]),
      destinations: new Map([["out", { plugin: fileDestination as never, options: { path: "out/changes.jsonl" }, package: "@reverse-etl/destination-file" }]]),
    },
  );
}

function lines(dir: string): Array<{ op: string; key: unknown; fields: Record<string, unknown> }> {
  return readFileSync(join(dir, "out/changes.jsonl"), "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

describe("engine on DuckDB to a file", () => {
  let dir: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "retl-engine-"));
    await sqlOn(
      join(dir, "warehouse.duckdb"),
      `create schema gold;
       create table gold.customers as
         select i as id, 'user' || i || '@example.com' as email, case when i % 3 = 0 then 'pro' else 'free' end as plan,
                cast(i * 1.5 as decimal(10,2)) as ltv
         from range(1, 1001) t(i);`,
    );
    mkdirSync(join(dir, "out"));
  });

  it("sends every row first, nothing the second time, then exactly the changed rows with their field changes", async () => {
    let project = projectFor(dir);
    const plan0 = await project.plan();
    expect(plan0.syncs[0]!.counts).toEqual({ added: 1000, changed: 0, removed: 0, unchanged: 0, invalid: 0 });
    const first = await project.sync();
    expect(first.syncs[0]!.status).toBe("succeeded");
    expect(first.syncs[0]!.results).toEqual({ succeeded: 1000, rejected: 0, failed: 0 });
    expect(lines(dir)).toHaveLength(1000);
    expect(lines(dir)[0]).toEqual({ op: "upsert", key: 1, fields: { email: "user1@example.com", plan_tier: "free", ltv: 1.5 } });

    const second = await project.sync();
    expect(second.syncs[0]!.counts).toMatchObject({ added: 0, changed: 0, unchanged: 1000 });
    expect(second.syncs[0]!.results.succeeded).toBe(0);
    await project.close();

    await sqlOn(join(dir, "warehouse.duckdb"), "update gold.customers set plan = 'enterprise' where id <= 10");
    project = projectFor(dir);
    const plan = await project.plan({ sampleSize: 3 });
    expect(plan.syncs[0]!.counts).toMatchObject({ changed: 10, unchanged: 990 });
    expect(plan.syncs[0]!.samples.changed[0]!.changes).toEqual([{ field: "plan_tier", from: "free", to: "enterprise" }]);
    const third = await project.sync();
    expect(third.syncs[0]!.results.succeeded).toBe(10);
    expect(lines(dir).map((l) => l.key).sort((a, b) => Number(a) - Number(b))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const runs = await project.runs();
    expect(runs.map((r) => r.status)).toEqual(["succeeded", "succeeded", "succeeded"]);
    await project.close();
  });

  it("mirror mode deletes exactly the rows that left the model, and null/duplicate keys are never sent", async () => {
    let project = projectFor(dir, "mirror");
    await project.sync();
    await project.close();
    await sqlOn(
      join(dir, "warehouse.duckdb"),
      `delete from gold.customers where id in (5, 6, 7);
       insert into gold.customers values (null, 'nokey@example.com', 'free', 1), (2000, 'a@x', 'free', 1), (2000, 'b@x', 'pro', 2);`,
    );
    project = projectFor(dir, "mirror");
    const run = await project.sync();
    const s = run.syncs[0]!;
    expect(s.counts).toMatchObject({ removed: 3, invalid: 3, added: 0 });
    expect(s.samples.invalid.map((x) => x.reason)).toEqual(expect.arrayContaining(["primary key id is null", "duplicate primary key: 2 rows share it"]));
    const out = lines(dir);
    expect(out.filter((l) => l.op === "delete").map((l) => l.key)).toEqual([5, 6, 7]);
    expect(out.some((l) => l.key === 2000 || l.key === null)).toBe(false);
    await project.close();
    expect(existsSync(join(dir, "out/changes.jsonl"))).toBe(true);
  });
});
