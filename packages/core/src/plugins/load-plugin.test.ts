import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config/load-config.js";
import { ConfigError, PluginError } from "../errors.js";
import { secrets } from "../secrets/redactor.js";
import { DESTINATION_API_VERSION } from "./destination.js";
import { loadPlugins } from "../project/load-project-plugins.js";
import { loadDestinationPlugin, loadSourcePlugin, validatePluginOptions } from "./load-plugin.js";
import { SOURCE_API_VERSION } from "./source.js";

/** Write a tiny, real ESM package into `<dir>/node_modules/<name>` whose default export is `body`. */
function writePackage(dir: string, name: string, body: string, manifest: Record<string, unknown> = {}): void {
  const root = join(dir, "node_modules", name);
  mkdirSync(join(root, "lib"), { recursive: true });
  writeFileSync(
    join(root, "package.json"),
    JSON.stringify({ name, version: "1.2.3", type: "module", exports: { ".": { import: "./lib/index.js" } }, ...manifest }),
  );
  writeFileSync(join(root, "lib", "index.js"), body);
}

const source = (apiVersion: number) => `export default {
  kind: "source", name: "fake-source", apiVersion: ${apiVersion},
  optionsSchema: { type: "object", properties: { path: { type: "string" }, threads: { type: "integer", default: 4 } },
                   required: ["path"], additionalProperties: false },
  async connect() { throw new Error("not used"); },
};`;

const destination = (apiVersion: number) => `export default {
  kind: "destination", name: "fake-destination", apiVersion: ${apiVersion},
  optionsSchema: { type: "object", properties: { url: { type: "string", pattern: "^https?://" }, format: { enum: ["jsonl", "csv"] } },
                   required: ["url"], additionalProperties: false },
  async connect() { throw new Error("not used"); },
};`;

async function pluginError(promise: Promise<unknown>): Promise<PluginError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PluginError) return error;
    throw error;
  }
  throw new Error("expected a PluginError");
}

describe("loadPlugin", () => {
  let project: string;
  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), "retl-plugins-"));
    writePackage(project, "@acme/source-fake", source(SOURCE_API_VERSION));
    writePackage(project, "@acme/destination-fake", destination(DESTINATION_API_VERSION));
    writePackage(project, "@acme/destination-future", destination(DESTINATION_API_VERSION + 1));
    writePackage(project, "@acme/source-old", source(SOURCE_API_VERSION - 1));
    writePackage(project, "@acme/no-default", "export const plugin = {};");
    writePackage(project, "@acme/not-a-plugin", "export default { hello: 'world' };");
    mkdirSync(join(project, "config", "nested"), { recursive: true });
  });

  it("resolves an ESM-only package from the config's directory (and its parents) with its version", async () => {
    const loaded = await loadSourcePlugin("@acme/source-fake", join(project, "config", "nested"));
    expect(loaded.plugin.name).toBe("fake-source");
    expect(loaded.plugin.kind).toBe("source");
    expect(loaded.package).toBe("@acme/source-fake");
    expect(loaded.version).toBe("1.2.3");
  });

  it("gives the npm command for a plugin that is not installed", async () => {
    const error = await pluginError(loadDestinationPlugin("@reverse-etl/destination-foo", project, "/destinations/crm/plugin"));
    expect(error.message).toBe(
      `[reverse-etl] plugin "@reverse-etl/destination-foo" (used by /destinations/crm/plugin) is not installed in ${project}: run npm install @reverse-etl/destination-foo`,
    );
  });

  it("refuses a destination plugin used as a source", async () => {
    const error = await pluginError(loadSourcePlugin("@acme/destination-fake", project, "/sources/warehouse/plugin"));
    expect(error.message).toContain("is a destination plugin, but sources needs a source plugin");
    expect(error.message).toContain("/sources/warehouse/plugin");
  });

  it("refuses an incompatible plugin API version, naming both versions", async () => {
    const newer = await pluginError(loadDestinationPlugin("@acme/destination-future", project));
    expect(newer.message).toContain(
      `implements destination plugin API version ${DESTINATION_API_VERSION + 1}, but this @reverse-etl/core supports version ${DESTINATION_API_VERSION}; upgrade @reverse-etl/core`,
    );
    const older = await pluginError(loadSourcePlugin("@acme/source-old", project));
    expect(older.message).toContain(`implements source plugin API version ${SOURCE_API_VERSION - 1}, but this @reverse-etl/core supports version ${SOURCE_API_VERSION}`);
    expect(older.message).toContain("npm install @acme/source-old@latest");
  });

  it("explains a package without a default export, or whose default export is not a plugin", async () => {
    expect((await pluginError(loadSourcePlugin("@acme/no-default", project))).message).toContain(
      "has no default export; a source plugin's entry must export default defineSourcePlugin({ ... })",
    );
    expect((await pluginError(loadDestinationPlugin("@acme/not-a-plugin", project))).message).toContain("is not a reverse-etl plugin");
  });

  it("validates options against the plugin's schema with config paths, filling defaults", async () => {
    const { plugin } = await loadSourcePlugin("@acme/source-fake", project);
    const options: Record<string, unknown> = { path: "warehouse.duckdb" };
    expect(validatePluginOptions(plugin, options, "/sources/warehouse")).toEqual([]);
    expect(options.threads).toBe(4);
    expect(validatePluginOptions(plugin, { pth: "x", threads: "many" }, "/sources/warehouse")).toEqual([
      { path: "/sources/warehouse", message: 'missing required property "path"' },
      { path: "/sources/warehouse/pth", message: 'unknown property "pth"; did you mean "path"?' },
      { path: "/sources/warehouse/threads", message: "must be an integer; got a string" },
    ]);
  });
});

describe("loadPlugins", () => {
  let project: string;
  const secret = "sk-live-0123456789abcdef";
  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), "retl-load-plugins-"));
    mkdirSync(join(project, ".git"));
    writePackage(project, "@acme/source-fake", source(SOURCE_API_VERSION));
    writePackage(project, "@acme/destination-fake", destination(DESTINATION_API_VERSION));
  });

  const write = (config: unknown) => writeFileSync(join(project, "reverse-etl.config.json"), JSON.stringify(config));
  const base = (destinationOptions: Record<string, unknown>) => ({
    sources: { warehouse: { plugin: "@acme/source-fake", path: "w.duckdb" } },
    destinations: { hook: { plugin: "@acme/destination-fake", ...destinationOptions } },
    models: { m: { source: "warehouse", sql: "select 1 as id", primaryKey: "id" } },
    syncs: { s: { model: "m", destination: "hook", fields: { id: "id" } } },
  });

  it("loads every plugin with its validated options", async () => {
    process.env.RETL_TEST_HOOK_URL = "https://hooks.example/abc";
    write(base({ url: { $env: "RETL_TEST_HOOK_URL" }, format: "jsonl" }));
    const plugins = await loadPlugins(await loadConfig({ cwd: project }));
    expect(plugins.sources.get("warehouse")).toMatchObject({ package: "@acme/source-fake", version: "1.2.3", options: { path: "w.duckdb", threads: 4 } });
    expect(plugins.destinations.get("hook")?.options).toEqual({ url: "https://hooks.example/abc", format: "jsonl" });
    expect(plugins.destinations.get("hook")?.plugin.kind).toBe("destination");
  });

  it("reports every option problem at once, and never shows an env secret", async () => {
    process.env.RETL_TEST_HOOK_SECRET = secret;
    const config = base({ url: { $env: "RETL_TEST_HOOK_SECRET" }, format: "xml", extra: true });
    config.sources.warehouse = { plugin: "@acme/source-fake" } as typeof config.sources.warehouse;
    write(config);
    let error: unknown;
    try {
      await loadPlugins(await loadConfig({ cwd: project }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.issues.map((i) => i.path).sort()).toEqual([
      "/destinations/hook/extra",
      "/destinations/hook/format",
      "/destinations/hook/url",
      "/sources/warehouse",
    ]);
    expect(configError.message).toContain('/destinations/hook/format: must be one of jsonl, csv; got "xml"');
    expect(configError.message).toContain("/destinations/hook/url: must match pattern");
    expect(configError.message).toContain(`${join(project, "reverse-etl.config.json")}: /sources/warehouse: missing required property "path"`);
    expect(configError.message).not.toContain(secret);
    expect(JSON.stringify(configError.issues)).not.toContain(secret);
    expect(secrets.redact(`token=${secret}`)).toBe("token=***");
  });

  it("validates each sync's options against its destination's schema, per object, with defaults filled in", async () => {
    writePackage(
      project,
      "@acme/destination-events",
      `export default {
  kind: "destination", name: "events", apiVersion: ${DESTINATION_API_VERSION},
  optionsSchema: { type: "object" },
  syncOptionsSchema: (object) => object === "track"
    ? { type: "object", properties: { event: { type: "string", minLength: 1 }, batch: { type: "integer", default: 100 } },
        required: ["event"], additionalProperties: false }
    : undefined,
  async connect() { throw new Error("not used"); },
};`,
    );
    const config = {
      sources: { warehouse: { plugin: "@acme/source-fake", path: "w.duckdb" } },
      destinations: { events: { plugin: "@acme/destination-events" }, hook: { plugin: "@acme/destination-fake", url: "https://x.example" } },
      models: { m: { source: "warehouse", sql: "select 1 as id", primaryKey: "id" } },
      syncs: {
        ok: { model: "m", destination: "events", object: "track", fields: { id: "id" }, options: { event: "Signed Up" } },
        plain: { model: "m", destination: "hook", fields: { id: "id" } },
      },
    };
    write(config);
    const plugins = await loadPlugins(await loadConfig({ cwd: project }));
    expect(plugins.syncOptions?.get("ok")).toEqual({ event: "Signed Up", batch: 100 });
    expect(plugins.syncOptions?.get("plain")).toEqual({});

    write({
      ...config,
      syncs: {
        missing: { model: "m", destination: "events", object: "track", fields: { id: "id" }, options: { evnt: "x" } },
        identify: { model: "m", destination: "events", object: "identify", fields: { id: "id" }, options: { event: "x" } },
        hook: { model: "m", destination: "hook", fields: { id: "id" }, options: { retries: 2 } },
      },
    });
    let error: unknown;
    try {
      await loadPlugins(await loadConfig({ cwd: project }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      { path: "/syncs/missing/options", message: 'missing required property "event"' },
      { path: "/syncs/missing/options/evnt", message: 'unknown property "evnt"; did you mean "event"?' },
      { path: "/syncs/identify/options", message: 'object "identify" of destination plugin @acme/destination-events takes no sync options, but "event" was given; remove options' },
      { path: "/syncs/hook/options", message: 'destination plugin @acme/destination-fake takes no sync options, but "retries" was given; remove options' },
    ]);
  });
});
