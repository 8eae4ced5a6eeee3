import { BaseCommand } from "../base-command.js";
import { renderPluginsTable } from "../format/plugins-table.js";
import type { PluginInfo } from "@reverse-etl/core";

/** `reverse-etl plugins`: the source and destination plugins the config uses. */
export default class Plugins extends BaseCommand<typeof Plugins> {
  static override summary = "List the source and destination plugins the config uses.";

  static override description = `Shows, for each plugin package the config names, its kind, installed version, plugin name, plugin API version, and which sources or destinations use it. Plugins are resolved from the config file's directory: install a missing one with npm in that project.`;

  static override examples = [
    { description: "Show the plugins of the config in the current directory:", command: "<%= config.bin %> <%= command.id %>" },
    { description: "As JSON, e.g. to check versions in CI:", command: "<%= config.bin %> <%= command.id %> --json" },
  ];

  async run(): Promise<{ plugins: PluginInfo[] }> {
    const plugins = await this.withProject(async (project) => project.plugins(), { lazyEnv: true });
    this.print(renderPluginsTable(plugins));
    return { plugins };
  }
}
