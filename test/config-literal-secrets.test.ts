import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { jsonOf, runCli } from "./support/cli.js";
import { projectDir } from "./support/warehouse.js";

const URL_PASSWORD = "l1teral-url-pw";
const TOKEN = "literal-bearer-t0ken";
const HUBSPOT_TOKEN = "pat-na1-literal-hub-t0ken";
const ENV_TOKEN = "env-bearer-t0ken-value";

/** A config with secrets written literally (a URL's password, a header, HubSpot's token) and one read with env(). */
function writeLiteralConfig(dir: string): void {
  writeFileSync(
    join(dir, "reverse-etl.config.json"),
    JSON.stringify({
      sources: { warehouse: { plugin: "@reverse-etl/source-duckdb", path: "warehouse.duckdb" } },
      destinations: {
        hook: {
          plugin: "@reverse-etl/destination-webhook",
          url: `http://svc:${URL_PASSWORD}@127.0.0.1:9/hook`,
          headers: { Authorization: `Bearer ${TOKEN}`, "X-Api-Key": { $env: "RETL_LITERAL_TEST_KEY" }, "X-Tenant": "acme-tenant" },
        },
        crm: { plugin: "@reverse-etl/destination-hubspot", accessToken: HUBSPOT_TOKEN },
      },
      models: { m: { source: "warehouse", primaryKey: "id", sql: "select 1 as id, 'a@example.com' as email" } },
      syncs: {
        to_hook: { model: "m", destination: "hook", mode: "upsert", fields: { email: "email" } },
        to_crm: { model: "m", destination: "crm", object: "contacts", mode: "upsert", match: { email: "email" }, fields: { id: "external_id" } },
      },
    }),
  );
}

describe("secrets written literally in the config", () => {
  it("validate warns naming the file and each secret option written literally, and never prints the values", async () => {
    const dir = projectDir("literal-secrets");
    writeLiteralConfig(dir);
    const env = { RETL_LITERAL_TEST_KEY: ENV_TOKEN };
    const json = await runCli(["validate", "--offline", "--json"], { cwd: dir, env });
    expect(json.code, `${json.stdout}\n${json.stderr}`).toBe(0);
    const report = jsonOf<{ ok: boolean; file: string; warnings: Array<{ path: string; message: string }> }>(json);
    expect(report.ok).toBe(true);
    expect(report.file).toBe(join(dir, "reverse-etl.config.json"));
    expect(report.warnings.map((w) => w.path)).toEqual(["/destinations/crm/accessToken", "/destinations/hook/headers/Authorization", "/destinations/hook/url"]);
    expect(report.warnings[0]!.message).toContain('"accessToken" is a secret option of @reverse-etl/destination-hubspot');
    expect(report.warnings[0]!.message).toContain('env("CRM_ACCESS_TOKEN")');
    expect(report.warnings[2]!.message).toContain("this URL holds credentials written literally");

    const human = await runCli(["validate", "--offline"], { cwd: dir, env });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`! ${join(dir, "reverse-etl.config.json")} /destinations/crm/accessToken: "accessToken" is a secret option`);
    for (const output of [json.stdout, json.stderr, human.stdout, human.stderr]) {
      for (const secret of [URL_PASSWORD, TOKEN, HUBSPOT_TOKEN, ENV_TOKEN]) expect(output).not.toContain(secret);
    }
  });
});
