import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, loadPlugins } from "@reverse-etl/core";
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

  it("are redacted from the message of a secret option whose literal value is invalid", async () => {
    const dir = projectDir("literal-secrets-invalid");
    const plugin = join(dir, "node_modules", "@acme", "destination-strict");
    mkdirSync(plugin, { recursive: true });
    writeFileSync(join(plugin, "package.json"), JSON.stringify({ name: "@acme/destination-strict", version: "0.0.1", type: "module", main: "index.js" }));
    writeFileSync(
      join(plugin, "index.js"),
      `export default { kind: "destination", name: "strict", apiVersion: 2, async connect() {},
        optionsSchema: { type: "object", properties: { token: { type: "string", pattern: "^tok_", secret: true } }, required: ["token"] } };`,
    );
    writeFileSync(
      join(dir, "reverse-etl.config.json"),
      JSON.stringify({
        sources: { warehouse: { plugin: "@reverse-etl/source-duckdb", path: "warehouse.duckdb" } },
        destinations: { crm: { plugin: "@acme/destination-strict", token: "sk-literal-secret-value" } },
        models: { m: { source: "warehouse", primaryKey: "id", sql: "select 1 as id" } },
        syncs: { s: { model: "m", destination: "crm", mode: "upsert", fields: { id: "id" } } },
      }),
    );
    // Through core's API: the ConfigError's issues are redacted when made, not only when the CLI prints them.
    const error = await loadPlugins(await loadConfig({ cwd: dir })).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([{ path: "/destinations/crm/token", message: 'must match pattern "^tok_"; got "***"' }]);
    const result = await runCli(["validate", "--offline"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stdout + result.stderr).not.toContain("sk-literal-secret-value");
  });
});
