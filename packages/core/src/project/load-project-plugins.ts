import { jsonPath } from "../config/ajv-issues.js";
import type { LoadedConfig } from "../config/load-config.js";
import { byPath, within } from "../config/validate-config.js";
import { ConfigError, PluginError, type ConfigIssue } from "../errors.js";
import type { DestinationPlugin } from "../plugins/destination.js";
import { loadPlugin, validateAgainstSchema, validatePluginOptions, type ResolvedPlugin } from "../plugins/load-plugin.js";
import { secretOptionValues } from "../plugins/secret-options.js";
import type { SourcePlugin } from "../plugins/source.js";
import { useEnvAdvice } from "../config/literal-credentials.js";
import { secrets } from "../secrets/redactor.js";

/** A plugin with the options the config gives it. */
export interface LoadedPlugin<P> extends ResolvedPlugin<P> {
  /** Options beside `plugin`, validated against the plugin's schema (defaults filled in), env references resolved. */
  options: Record<string, unknown>;
}

/** Every plugin a config uses, by the config's source and destination names, and each sync's options. */
export interface LoadedPlugins {
  sources: Map<string, LoadedPlugin<SourcePlugin>>;
  destinations: Map<string, LoadedPlugin<DestinationPlugin>>;
  /**
   * Each sync's `options`, validated against its destination's `syncOptionsSchema` (defaults filled in).
   * Absent: the options as the config writes them.
   */
  syncOptions?: Map<string, Record<string, unknown>>;
  /** Options a plugin declares secret that the config writes literally (`validate` shows them). */
  warnings?: ConfigIssue[];
}

/**
 * Import every plugin a loaded config uses (each package once), validate each source's and destination's
 * options against its plugin's schema, and each sync's `options` against its destination's. The values of
 * options a plugin marks `secret: true` are registered as secrets, with a warning for each one the config
 * writes literally. Problems of all entries are reported together in one `ConfigError`; a plugin that
 * cannot be used throws a `PluginError`.
 */
export async function loadPlugins(loaded: LoadedConfig, documentIssues: readonly ConfigIssue[] = []): Promise<LoadedPlugins> {
  const syncOptions = new Map<string, Record<string, unknown>>();
  const warnings: ConfigIssue[] = [];
  const result: LoadedPlugins = { sources: new Map(), destinations: new Map(), syncOptions, warnings };
  const issues: ConfigIssue[] = [...documentIssues];
  const cache = new Map<string, Promise<ResolvedPlugin<SourcePlugin | DestinationPlugin>>>();
  // Values of unset variables read `env(NAME)`: their own issue says so, the plugin's schema need not.
  const unset = new Set((loaded.unsetEnv ?? []).map((issue) => issue.path));
  for (const [section, kind] of [["sources", "source"], ["destinations", "destination"]] as const) {
    for (const [name, entry] of Object.entries(loaded.config?.[section] ?? {})) {
      // A document with problems may hold anything here; those problems are reported already.
      if (typeof entry !== "object" || entry === null || typeof entry.plugin !== "string") continue;
      const { plugin: packageName, ...options } = entry;
      const key = `${kind}\n${packageName}`;
      if (!cache.has(key)) cache.set(key, loadPlugin(kind, packageName, loaded.dir, jsonPath(section, name, "plugin")));
      let resolved: ResolvedPlugin<SourcePlugin | DestinationPlugin>;
      try {
        resolved = await cache.get(key)!;
      } catch (error) {
        // Alone, a plugin that cannot be used is a PluginError; beside other problems, one of them.
        if (documentIssues.length === 0 || !(error instanceof PluginError)) throw error;
        issues.push({ path: jsonPath(section, name, "plugin"), message: error.message.replace(/^\[reverse-etl\] /, "") });
        continue;
      }
      const copy = structuredClone(options);
      // Secrets first: a validation message quoting a literal secret's value must already redact it.
      warnings.push(...registerSecretOptions(resolved, options, jsonPath(section, name), loaded));
      issues.push(...validatePluginOptions(resolved.plugin, copy, jsonPath(section, name)).filter((issue) => !within(issue.path, unset)));
      const configured = { ...resolved, options: copy };
      if (kind === "source") result.sources.set(name, configured as LoadedPlugin<SourcePlugin>);
      else result.destinations.set(name, configured as LoadedPlugin<DestinationPlugin>);
    }
  }
  for (const [name, sync] of Object.entries(loaded.config?.syncs ?? {})) {
    if (typeof sync !== "object" || sync === null) continue;
    const destination = result.destinations.get(sync.destination);
    if (!destination) continue; // cross-reference checks have named it
    const options = structuredClone(sync.options ?? {});
    issues.push(...syncOptionIssues(destination, sync.object, options, jsonPath("syncs", name, "options")));
    syncOptions.set(name, options);
  }
  if (issues.length > 0) throw new ConfigError(loaded.file, documentIssues.length > 0 ? issues.sort(byPath) : issues);
  return result;
}

/** Problems of a sync's `options` for its destination's plugin; fills in the schema's defaults. */
function syncOptionIssues(
  destination: LoadedPlugin<DestinationPlugin>,
  object: string | undefined,
  options: Record<string, unknown>,
  path: string,
): ConfigIssue[] {
  const declared = destination.plugin.syncOptionsSchema;
  const schema = typeof declared === "function" ? declared(object) : declared;
  if (schema) return validateAgainstSchema(destination.plugin, "syncOptionsSchema", schema, options, path);
  const given = Object.keys(options);
  if (given.length === 0) return [];
  const target = object === undefined ? `destination plugin ${destination.package}` : `object "${object}" of destination plugin ${destination.package}`;
  return [{ path, message: `${target} takes no sync options, but ${given.map((o) => `"${o}"`).join(", ")} ${given.length === 1 ? "was" : "were"} given; remove options` }];
}

/**
 * Register the options `resolved`'s schema marks secret as secrets, and warn about each one the config writes
 * literally (not with `env()`) unless the config already warned about it (a URL with credentials).
 */
function registerSecretOptions(
  resolved: ResolvedPlugin<SourcePlugin | DestinationPlugin>,
  options: Record<string, unknown>,
  path: string,
  loaded: LoadedConfig,
): ConfigIssue[] {
  const warned = new Set(loaded.warnings?.map((w) => w.path));
  const warnings: ConfigIssue[] = [];
  for (const option of secretOptionValues(resolved.plugin.optionsSchema, options, path)) {
    secrets.add(option.value);
    if (loaded.envPaths?.has(option.path) || warned.has(option.path)) continue;
    const name = option.path.slice(path.length + 1);
    warnings.push({ path: option.path, message: `"${name}" is a secret option of ${resolved.package} but holds a literal value; it is redacted from output, but ${useEnvAdvice(option.path)}` });
  }
  return warnings;
}
