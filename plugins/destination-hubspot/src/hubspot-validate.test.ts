import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { openProject } from "@reverse-etl/core";
import { afterAll, describe, expect, it } from "vitest";
import { startHubSpotEmulator } from "./emulator/hubspot-emulator.js";

// Inside the package (git-ignored .tmp/), so core resolves the plugins from the repository's node_modules.
const dir = join(dirname(fileURLToPath(import.meta.url)), "..", ".tmp", `validate-${process.pid}`);
const emulator = await startHubSpotEmulator();
afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("hubspot destination through core's validate", () => {
  it("fails validate before any write for a property that does not exist and a read-only one, naming them and the object", async () => {
    mkdirSync(dir, { recursive: true });
    const configPath = join(dir, "reverse-etl.config.json");
    writeFileSync(
      configPath,
      JSON.stringify({
        sources: { warehouse: { plugin: "@reverse-etl/source-duckdb", path: join(dir, "warehouse.duckdb") } },
        destinations: { crm: { plugin: "@reverse-etl/destination-hubspot", accessToken: emulator.accessToken, baseUrl: emulator.url } },
        models: {
          customers: { source: "warehouse", primaryKey: "id", sql: "select 1 as id, 'a@example.com' as email, 'blue' as colour, 5 as deals" },
        },
        syncs: {
          customers_to_hubspot: {
            model: "customers", destination: "crm", object: "contacts", mode: "upsert",
            match: { email: "email" }, fields: { colour: "favourite_colour", deals: "num_associated_deals" },
          },
        },
      }),
    );
    const project = await openProject({ configPath });
    try {
      const report = await project.validate({ offline: false });
      expect(report.ok).toBe(false);
      const problems = report.syncs.flatMap((s) => s.problems).join("\n");
      expect(problems).toMatch(/field "favourite_colour" does not exist on object "contacts"/);
      expect(problems).toMatch(/field "num_associated_deals" of object "contacts" is read-only/);
      expect(emulator.requestLog.filter((r) => r.path.includes("/batch/"))).toEqual([]);
    } finally {
      await project.close();
    }
  });
});
