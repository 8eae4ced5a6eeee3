import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { migrateWorkerTables, PostgresRequestBudget } from "@reverse-etl/server";
import { mostInWindow } from "./support/rate-window.js";
import { projectDir } from "./support/warehouse.js";
import { makeWarehouse } from "./support/warehouses.js";

let pools: pg.Pool[] = [];
afterEach(async () => {
  await Promise.all(pools.map((p) => p.end()));
  pools = [];
});

/** Three budgets over one database, as three workers hold them; the tables made as a worker makes them. */
async function threeWorkers(): Promise<PostgresRequestBudget[]> {
  const warehouse = await makeWarehouse("postgres", projectDir("request-budget"));
  const url = String(warehouse.source.url);
  pools = [0, 1, 2].map(() => new pg.Pool({ connectionString: url, max: 2 }));
  await migrateWorkerTables(pools[0]!);
  return pools.map((p) => new PostgresRequestBudget(p));
}

describe("PostgresRequestBudget: one destination's rate limits shared by several workers", () => {
  it("grants three workers together at most the limit in any sliding window, measured by the database's grants", async () => {
    const budgets = await threeWorkers();
    const limit = { requests: 10, perMs: 1000 };
    const grants: number[] = [];
    await Promise.all(
      budgets.map(async (budget) => {
        for (let i = 0; i < 12; i++) {
          await budget.acquire("crm", [limit], 1);
          grants.push(Date.now());
        }
      }),
    );
    grants.sort((a, b) => a - b);
    expect(grants).toHaveLength(36);
    // Granted here at most 10 in any second (the budget counts 500 ms more than the window, for requests in flight).
    expect(mostInWindow(grants, limit.perMs)).toBeLessThanOrEqual(10);
    // 36 requests at 10 per 1.5 s: the last ones waited at least three windows.
    expect(grants[35]! - grants[0]!).toBeGreaterThanOrEqual(3 * limit.perMs);
  }, 60_000);

  it("counts a daily quota across workers: once it is spent, a request waits until aborted", async () => {
    const budgets = await threeWorkers();
    const limits = [{ requests: 100, perMs: 1000 }, { requests: 9, perMs: 86_400_000 }];
    for (const budget of budgets) for (let i = 0; i < 3; i++) await budget.acquire("crm", limits, 1);
    const refused = budgets[1]!.acquire("crm", limits, 1, AbortSignal.timeout(1500));
    await expect(refused).rejects.toThrow(/aborted|timeout/i);
    // Another destination has its own budget.
    await budgets[2]!.acquire("segment", limits, 1, AbortSignal.timeout(5000));
  }, 60_000);

  it("a pause one worker learned of (a 429's Retry-After) holds the others' requests too", async () => {
    const budgets = await threeWorkers();
    const limits = [{ requests: 100, perMs: 10_000 }];
    await budgets[0]!.acquire("crm", limits, 1);
    await budgets[0]!.pause!("crm", 60_000);
    await expect(budgets[1]!.acquire("crm", limits, 1, AbortSignal.timeout(1500))).rejects.toThrow(/aborted|timeout/i);
    // Another destination has its own budget.
    await budgets[2]!.acquire("segment", limits, 1, AbortSignal.timeout(5000));
  }, 60_000);
});
