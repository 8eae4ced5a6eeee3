import { checkConfig } from "../config/load-config.js";
import { loadPlugins } from "./load-project-plugins.js";
import { ConfiguredProject } from "./configured-project.js";
import type { OpenProjectOptions, Project } from "./project.js";

/**
 * Find and load the config (`--config` or searched from `cwd`), load its plugins from the config's own
 * node_modules and validate every option. Throws one ConfigError listing every problem (the document's
 * and the plugins' options together), or a PluginError, before anything connects.
 */
export async function openProject(options: OpenProjectOptions = {}): Promise<Project> {
  const { issues, ...checked } = await checkConfig({ configPath: options.configPath, cwd: options.cwd });
  const unsetEnv = options.lazyEnv ? (checked.unsetEnv ?? []) : [];
  const loaded = { ...checked, unsetEnv };
  const plugins = await loadPlugins(loaded, issues.filter((issue) => !unsetEnv.includes(issue)));
  return new ConfiguredProject(loaded, plugins, options.logger);
}
