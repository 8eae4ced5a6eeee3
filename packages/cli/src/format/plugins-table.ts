import type { PluginInfo } from "@reverse-etl/core";
import { renderTextTable } from "./text-table.js";

/** Render the plugins a config uses: kind, package, version, plugin name, API version, users. */
export function renderPluginsTable(plugins: readonly PluginInfo[]): string {
  if (plugins.length === 0) return "The config uses no plugins.";
  return renderTextTable(
    [{ header: "KIND" }, { header: "PACKAGE" }, { header: "VERSION" }, { header: "NAME" }, { header: "API", align: "right" }, { header: "USED BY" }],
    plugins.map((p) => [p.kind, p.package, p.version ?? "-", p.name, String(p.apiVersion), p.usedBy.join(", ")]),
  );
}
