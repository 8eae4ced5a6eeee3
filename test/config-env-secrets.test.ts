import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig, loadPlugins, secrets } from "@reverse-etl/core";

// Long enough that a message cutting long values short would leak its beginning if it cut before redacting.
const SECRET = "sk-live-6f1c2d0e9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f";
const NAMES = ["RETL_SECRET_TOKEN", "RETL_SECRET_MODE", "RETL_SECRET_MODEL"];

async function failure(cwd: string): Promise<ConfigError> {
  try {
    await loadPlugins(await loadConfig({ cwd }));
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("env() secrets in config errors", () => {
  let project: string;
  beforeAll(() => {
    for (const name of NAMES) process.env[name] = SECRET;
    project = mkdtempSync(join(tmpdir(), "retl-env-secrets-"));
    mkdirSync(join(project, ".git"));
    const source = join(project, "node_modules", "@acme", "source-none");
    mkdirSync(source, { recursive: true });
    writeFileSync(join(source, "package.json"), JSON.stringify({ name: "@acme/source-none", version: "0.0.1", type: "module", main: "index.js" }));
    writeFileSync(join(source, "index.js"), `export default { kind: "source", name: "none", apiVersion: 2, optionsSchema: {}, async connect() {} };`);
    const plugin = join(project, "node_modules", "@acme", "destination-strict");
    mkdirSync(plugin, { recursive: true });
    writeFileSync(join(plugin, "package.json"), JSON.stringify({ name: "@acme/destination-strict", version: "0.0.1", type: "module", main: "index.js" }));
    writeFileSync(
      join(plugin, "index.js"),
      `export default { kind: "destination", name: "strict", apiVersion: 2, async connect() {},
        optionsSchema: { type: "object", properties: { token: { type: "string", pattern: "^tok_", maxLength: 10 },
          url: { enum: ["a", "b"] } }, required: ["token"] } };`,
    );
  });
  afterAll(() => {
    for (const name of NAMES) delete process.env[name];
    secrets.clear();
  });

  it("never appear in messages or issues, even where the value itself is invalid", async () => {
    writeFileSync(
      join(project, "reverse-etl.config.yaml"),
      [
        "sources: { w: { plugin: '@acme/source-none' } }",
        "destinations:",
        "  crm: { plugin: '@acme/destination-strict', token: { $env: RETL_SECRET_TOKEN }, url: { $env: RETL_SECRET_TOKEN } }",
        "models: { m: { source: w, sql: select 1 as id, primaryKey: id } }",
        "syncs:",
        "  s: { model: { $env: RETL_SECRET_MODEL }, destination: crm, mode: { $env: RETL_SECRET_MODE }, fields: { id: id } }",
      ].join("\n"),
    );
    // Core's own checks: the mode enum and the model cross-reference both fail on the secret value.
    const core = await failure(project);
    expect(core.issues.map((i) => i.path)).toEqual(["/syncs/s/mode", "/syncs/s/model"]);
    expect(core.message).toContain("/syncs/s/mode: must be one of upsert, update, insert, mirror; got \"***\"");
    expect(core.message).not.toContain(SECRET.slice(0, 12));
    expect(JSON.stringify(core.issues)).not.toContain(SECRET.slice(0, 12));
  });

  it("never appear in plugin option errors", async () => {
    writeFileSync(
      join(project, "reverse-etl.config.yaml"),
      [
        "sources: { w: { plugin: '@acme/source-none' } }",
        "destinations:",
        "  crm: { plugin: '@acme/destination-strict', token: { $env: RETL_SECRET_TOKEN }, url: { $env: RETL_SECRET_TOKEN } }",
        "models: { m: { source: w, sql: select 1 as id, primaryKey: id } }",
        "syncs: { s: { model: m, destination: crm, fields: { id: id } } }",
      ].join("\n"),
    );
    const error = await failure(project);
    expect(error.issues.map((i) => i.path).sort()).toEqual(["/destinations/crm/token", "/destinations/crm/token", "/destinations/crm/url"]);
    expect(error.message).toContain('/destinations/crm/url: must be one of a, b; got "***"');
    expect(error.message).not.toContain(SECRET.slice(0, 12));
    expect(JSON.stringify(error.issues)).not.toContain(SECRET.slice(0, 12));
  });
});
