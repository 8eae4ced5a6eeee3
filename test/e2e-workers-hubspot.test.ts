import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startHubSpotEmulator } from "@reverse-etl/destination-hubspot/emulator";
import { stopAfterEach, waitFor } from "./support/daemon.js";
import { mostInWindow } from "./support/rate-window.js";
import { projectDir } from "./support/warehouse.js";
import { makeWarehouse, type TestWarehouse } from "./support/warehouses.js";
import { startWorkers } from "./support/workers.js";

const TOKEN = "pat-na1-5ecr3t0-hub5-4a2b-9c3d-workerstoken01";

const { daemons, closers } = stopAfterEach();

/** `syncs` syncs of `gold.people` to HubSpot contacts, each over its own email addresses. */
function writeConfig(dir: string, warehouse: TestWarehouse, e: { url: string }, syncs: number): string[] {
  const names = Array.from({ length: syncs }, (_, i) => `people_${i}`);
  const config = {
    scheduler: { queue: warehouse.source.url, concurrency: 2 },
    sources: { warehouse: warehouse.source },
    destinations: { crm: { plugin: "@reverse-etl/destination-hubspot", accessToken: { $env: "HUBSPOT_TOKEN" }, baseUrl: e.url } },
    models: Object.fromEntries(
      names.map((name, i) => [name, { source: "warehouse", primaryKey: "id", sql: `select id, 's${i}-' || email as email, first_name from gold.people` }]),
    ),
    syncs: Object.fromEntries(
      names.map((name) => [name, { model: name, destination: "crm", object: "contacts", mode: "upsert", match: { email: "email" }, fields: { first_name: "firstname" } }]),
    ),
  };
  writeFileSync(join(dir, "reverse-etl.config.json"), JSON.stringify(config, null, 2));
  return names;
}

describe("reverse-etl start --queue: one rate budget per destination across workers", () => {
  it("three workers writing to one HubSpot account stay under its 100 requests per 10 s together: the emulator never answers 429", async () => {
    const dir = projectDir("workers-hubspot");
    const warehouse = await makeWarehouse("postgres", dir);
    // 6 syncs of 3,000 contacts: 180 batch writes of 100, plus each run's reads: nearly two windows' worth.
    const SYNCS = 6;
    const ROWS = 3000;
    await warehouse.query(
      `create schema if not exists gold;
       create table gold.people as select i as id, 'person' || i || '@example.com' as email, 'First' || i as first_name from generate_series(1, ${ROWS}) as t(i)`,
    );
    const emulator = await startHubSpotEmulator({ accessToken: TOKEN });
    closers.push(() => emulator.close());
    const names = writeConfig(dir, warehouse, emulator, SYNCS);
    const env = { HUBSPOT_TOKEN: TOKEN };
    const workers = await startWorkers(dir, 3, daemons, { env });

    // Every sync triggered at once, through one worker's API: the queue spreads them over the three.
    for (const name of names) expect((await fetch(`${workers[0]!.ready.url}/api/syncs/${name}/runs`, { method: "POST" })).status).toBe(202);
    const runs = await waitFor(
      "every sync to succeed",
      async () => {
        const rows = await warehouse.query<{ sync_name: string; status: string; pid: number; succeeded: string }>(
          "select sync_name, status, pid, succeeded from reverse_etl.sync_runs where status <> 'running'",
        );
        return rows.length === SYNCS ? rows : undefined;
      },
      240_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${workers.map((w) => w.daemon.stderr().slice(-3000)).join("\n---\n")}`);
    });
    expect(runs.filter((r) => r.status !== "succeeded")).toEqual([]);
    expect(runs.reduce((n, r) => n + Number(r.succeeded), 0)).toBe(SYNCS * ROWS);
    expect(emulator.dump("contacts")).toHaveLength(SYNCS * ROWS);
    // The work was shared: at least two workers ran syncs at the same time.
    expect(new Set(runs.map((r) => r.pid)).size).toBeGreaterThanOrEqual(2);

    // More than one window's worth of requests went out, and none was refused: the budget was shared.
    expect(emulator.rateLimitStats.admitted).toBeGreaterThan(150);
    expect(emulator.rateLimitStats.rejectedInterval).toBe(0);
    expect(emulator.rateLimitStats.maxInInterval).toBeLessThanOrEqual(100);
    expect(mostInWindow(emulator.requestLog.filter((r) => r.status !== 429).map((r) => r.at), 10_000)).toBeLessThanOrEqual(100);
    for (const w of workers) expect((await w.daemon.stop()).code, w.daemon.stderr()).toBe(0);
    // Each trigger ran once.
    const all = await warehouse.query<{ sync_name: string; status: string; error: string | null }>("select sync_name, status, error from reverse_etl.sync_runs order by sync_name");
    expect(all.map((r) => r.sync_name), JSON.stringify(all) + workers.map((w) => w.daemon.stderr()).join("\n")).toEqual(names);
  }, 360_000);
});
