import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, parse, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { ValidateFunction } from "ajv";
import { createJiti } from "jiti";
import { createConfigAjv, schemaIssues } from "../config/ajv-issues.js";
import { PluginError, type ConfigIssue } from "../errors.js";
import { secrets } from "../secrets/redactor.js";
import { DESTINATION_API_VERSION, type DestinationPlugin } from "./destination.js";
import type { JsonSchema } from "../config/json-schema.js";
import { SOURCE_API_VERSION, type SourcePlugin } from "./source.js";

/** Which side of a sync a plugin serves. */
export type PluginKind = "source" | "destination";

/** A plugin package, imported and checked. */
export interface ResolvedPlugin<P> {
  /** The package's default export. */
  plugin: P;
  /** Package name (or path) as the config gives it. */
  package: string;
  /** `version` from the package's package.json, when it has one. */
  version?: string;
}

const API_VERSIONS: Record<PluginKind, number> = { source: SOURCE_API_VERSION, destination: DESTINATION_API_VERSION };
const DEFINE: Record<PluginKind, string> = { source: "defineSourcePlugin", destination: "defineDestinationPlugin" };
/** What each contract version added, for the message a plugin built against an older one gets. */
const VERSION_CHANGES: Record<PluginKind, Record<number, string>> = {
  source: { 2: "version 2 asks a source for a SourceAdapter (`adapter`: state upserts, snapshot tables, planner hints) and each column's `kind`" },
  destination: { 2: "version 2 adds per-sync `options`, `acquireRequests` (rate limits count requests) and per-record results at `flush()`" },
};

/** The package directory of `name` as Node would find it from `dir`: `node_modules/<name>` here or above. */
export function findPackageDir(name: string, dir: string): string | undefined {
  let current = resolve(dir);
  for (;;) {
    const candidate = join(current, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (current === parse(current).root) return undefined;
    current = dirname(current);
  }
}

function packageVersion(packageDir: string | undefined): string | undefined {
  if (packageDir === undefined) return undefined;
  try {
    const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { version?: unknown };
    return typeof manifest.version === "string" ? manifest.version : undefined;
  } catch {
    return undefined;
  }
}

const isPath = (specifier: string): boolean => specifier.startsWith(".") || isAbsolute(specifier);

/**
 * Import a plugin package as the config file's project sees it (resolved from `configDir`, with ESM
 * `import` conditions) and check it: a default export made with `defineSourcePlugin` /
 * `defineDestinationPlugin` of the expected kind and plugin API version. `usedBy` is the JSON path that
 * names the plugin (e.g. `/destinations/crm/plugin`), for messages. Throws a `PluginError` saying what to do.
 */
export async function loadPlugin<K extends PluginKind>(
  kind: K,
  packageName: string,
  configDir: string,
  usedBy?: string,
): Promise<ResolvedPlugin<K extends "source" ? SourcePlugin : DestinationPlugin>> {
  const label = `plugin ${JSON.stringify(packageName)}${usedBy ? ` (used by ${usedBy})` : ""}`;
  const packageDir = isPath(packageName) ? undefined : findPackageDir(packageName, configDir);
  let entry: string;
  try {
    entry = isPath(packageName)
      ? pathToFileURL(resolve(configDir, packageName)).href
      : createJiti(join(configDir, "noop.js")).esmResolve(packageName, { parentURL: pathToFileURL(join(configDir, "noop.js")).href });
  } catch (error) {
    if (packageDir === undefined && !isPath(packageName)) {
      throw new PluginError(`${label} is not installed in ${configDir}: run npm install ${packageName}`, { cause: error });
    }
    throw new PluginError(`${label} cannot be resolved from ${configDir}: ${(error as Error).message}; check the path or reinstall the package`, {
      cause: error,
    });
  }
  let module: Record<string, unknown>;
  try {
    const url = entry.startsWith("file:") ? entry : pathToFileURL(entry).href;
    module = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw new PluginError(`${label} failed to load: ${(error as Error).message}; reinstall it (npm install ${packageName}) or check its build`, {
      cause: error,
    });
  }
  const plugin = module.default as { kind?: unknown; apiVersion?: unknown; optionsSchema?: unknown; connect?: unknown } | undefined;
  const define = `export default ${DEFINE[kind]}({ ... }) from @reverse-etl/core`;
  if (plugin === undefined || plugin === null) {
    throw new PluginError(`${label} has no default export; a ${kind} plugin's entry must ${define}`);
  }
  if (plugin.kind !== "source" && plugin.kind !== "destination") {
    throw new PluginError(`${label} is not a reverse-etl plugin: its default export was not made with ${DEFINE[kind]}; its entry must ${define}`);
  }
  if (plugin.kind !== kind) {
    const section = kind === "source" ? "sources" : "destinations";
    throw new PluginError(
      `${label} is a ${plugin.kind} plugin, but ${section} needs a ${kind} plugin; move it under ${plugin.kind}s or choose a ${kind} plugin (e.g. @reverse-etl/${kind}-...)`,
    );
  }
  const expected = API_VERSIONS[kind];
  if (plugin.apiVersion !== expected) {
    const advice =
      typeof plugin.apiVersion === "number" && plugin.apiVersion > expected
        ? "upgrade @reverse-etl/core and @reverse-etl/cli"
        : `install a version of ${packageName} built for API version ${expected} (npm install ${packageName}@latest)` +
          (VERSION_CHANGES[kind][expected] ? `; if you maintain it: ${VERSION_CHANGES[kind][expected]} (see "Writing a plugin" in the README)` : "");
    throw new PluginError(
      `${label} implements ${kind} plugin API version ${String(plugin.apiVersion)}, but this @reverse-etl/core supports version ${expected}; ${advice}`,
    );
  }
  if (typeof plugin.connect !== "function" || typeof plugin.optionsSchema !== "object" || plugin.optionsSchema === null) {
    throw new PluginError(`${label} is incomplete: a ${kind} plugin needs optionsSchema and connect(); its entry must ${define}`);
  }
  return {
    plugin: plugin as K extends "source" ? SourcePlugin : DestinationPlugin,
    package: packageName,
    version: packageVersion(packageDir),
  };
}

/** Import a source plugin from the config's directory; see `loadPlugin`. */
export function loadSourcePlugin(packageName: string, configDir: string, usedBy?: string): Promise<ResolvedPlugin<SourcePlugin>> {
  return loadPlugin("source", packageName, configDir, usedBy);
}

/** Import a destination plugin from the config's directory; see `loadPlugin`. */
export function loadDestinationPlugin(packageName: string, configDir: string, usedBy?: string): Promise<ResolvedPlugin<DestinationPlugin>> {
  return loadPlugin("destination", packageName, configDir, usedBy);
}

const validators = new WeakMap<object, ValidateFunction>();
const pluginAjv = createConfigAjv({ useDefaults: true });

/**
 * Validate a plugin's options against its `optionsSchema`, reporting every problem with paths under
 * `jsonPath` (e.g. `/sources/warehouse`). Fills in schema defaults in `options`. Secrets are redacted.
 */
export function validatePluginOptions(
  plugin: SourcePlugin | DestinationPlugin,
  options: Record<string, unknown>,
  jsonPath: string,
): ConfigIssue[] {
  return validateAgainstSchema(plugin, "optionsSchema", plugin.optionsSchema, options, jsonPath);
}

/**
 * Validate `value` against a schema a plugin declares (`schemaName` says which, for messages), reporting
 * every problem with paths under `jsonPath`. Fills in schema defaults. Secrets are redacted.
 */
export function validateAgainstSchema(
  plugin: SourcePlugin | DestinationPlugin,
  schemaName: string,
  schema: JsonSchema,
  value: Record<string, unknown>,
  jsonPath: string,
): ConfigIssue[] {
  let validate = validators.get(schema);
  if (validate === undefined) {
    try {
      validate = pluginAjv.compile(schema);
    } catch (error) {
      throw new PluginError(`[${plugin.name}] the plugin's ${schemaName} is not a valid JSON schema: ${(error as Error).message}; report this to the plugin's authors`);
    }
    validators.set(schema, validate);
  }
  return schemaIssues(validate, value, schema, jsonPath).map((issue) => ({
    path: issue.path,
    message: secrets.redact(issue.message),
  }));
}
