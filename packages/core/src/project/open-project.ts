import { loadConfig } from "../config/load-config.js";
import { loadPlugins } from "./load-project-plugins.js";
import { ConfiguredProject } from "./configured-project.js";
import type { OpenProjectOptions, Project } from "./project.js";

/**
 * Find and load the config (`--config` or searched from `cwd`), load its plugins from the config's own
 * node_modules and validate every option. Throws a ConfigError listing every problem, or a PluginError,
 * before anything connects.
 */
export async function openProject(options: OpenProjectOptions = {}): Promise<Project> {
  const loaded = await loadConfig({ configPath: options.configPath, cwd: options.cwd });
  const plugins = await loadPlugins(loaded);
  return new ConfiguredProject(loaded, plugins, options.logger);
}
