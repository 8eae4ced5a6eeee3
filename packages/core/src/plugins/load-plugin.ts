import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, parse, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { ValidateFunction } from "ajv";
import { createJiti } from "jiti";
import { createConfigAjv, jsonPath, schemaIssues } from "../config/ajv-issues.js";
import type { LoadedConfig } from "../config/load-config.js";
import { ConfigError, PluginError, type ConfigIssue } from "../errors.js";
import { secrets } from "../secrets/redactor.js";
import { DESTINATION_API_VERSION, type DestinationPlugin } from "./destination.js";
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

/** A plugin with the options the config gives it. */
export interface LoadedPlugin<P> extends ResolvedPlugin<P> {
  /** Options beside `plugin`, validated against the plugin's schema (defaults filled in), env references resolved. */
  options: Record<string, unknown>;
}

/** Every plugin a config uses, by the config's source and destination names. */
export interface LoadedPlugins {
  sources: Map<string, LoadedPlugin<SourcePlugin>>;
  destinations: Map<string, LoadedPlugin<DestinationPlugin>>;
}

const API_VERSIONS: Record<PluginKind, number> = { source: SOURCE_API_VERSION, destination: DESTINATION_API_VERSION };
const DEFINE: Record<PluginKind, string> = { source: "defineSourcePlugin", destination: "defineDestinationPlugin" };

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
        : `install a version of ${packageName} built for API version ${expected} (npm install ${packageName}@latest)`;
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
  let validate = validators.get(plugin.optionsSchema);
  if (validate === undefined) {
    try {
      validate = pluginAjv.compile(plugin.optionsSchema);
    } catch (error) {
      throw new PluginError(`[${plugin.name}] the plugin's optionsSchema is not a valid JSON schema: ${(error as Error).message}; report this to the plugin's authors`);
    }
    validators.set(plugin.optionsSchema, validate);
  }
  return schemaIssues(validate, options, plugin.optionsSchema, jsonPath).map((issue) => ({
    path: issue.path,
    message: secrets.redact(issue.message),
  }));
}

/**
 * Import every plugin a loaded config uses (each package once) and validate each source's and
 * destination's options against its plugin's schema. Option problems of all entries are reported
 * together in one `ConfigError`; a plugin that cannot be used throws a `PluginError`.
 */
export async function loadPlugins(loaded: LoadedConfig): Promise<LoadedPlugins> {
  const result: LoadedPlugins = { sources: new Map(), destinations: new Map() };
  const issues: ConfigIssue[] = [];
  const cache = new Map<string, Promise<ResolvedPlugin<SourcePlugin | DestinationPlugin>>>();
  for (const [section, kind] of [["sources", "source"], ["destinations", "destination"]] as const) {
    for (const [name, entry] of Object.entries(loaded.config[section])) {
      const { plugin: packageName, ...options } = entry;
      const key = `${kind}\n${packageName}`;
      if (!cache.has(key)) cache.set(key, loadPlugin(kind, packageName, loaded.dir, jsonPath(section, name, "plugin")));
      const resolved = await cache.get(key)!;
      const copy = structuredClone(options);
      issues.push(...validatePluginOptions(resolved.plugin, copy, jsonPath(section, name)));
      const configured = { ...resolved, options: copy };
      if (kind === "source") result.sources.set(name, configured as LoadedPlugin<SourcePlugin>);
      else result.destinations.set(name, configured as LoadedPlugin<DestinationPlugin>);
    }
  }
  if (issues.length > 0) throw new ConfigError(loaded.file, issues);
  return result;
}
