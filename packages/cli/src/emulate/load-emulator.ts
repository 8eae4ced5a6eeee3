import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { PluginError, findPackageDir, isPluginEmulator } from "@reverse-etl/core";
import type { PluginEmulator } from "@reverse-etl/core";

/** An emulator found for `reverse-etl emulate NAME`, with the package it comes from. */
export interface LoadedEmulator {
  /** The package's `./emulator` default export. */
  readonly emulator: PluginEmulator;
  /** The package that ships it, e.g. `@reverse-etl/destination-hubspot`. */
  readonly packageName: string;
  /** Its version, from its package.json. */
  readonly version: string | undefined;
  /** Whether the plugin is a destination or a source: the config section its options go in. */
  readonly kind: "destination" | "source";
}

/** The packages `NAME` may name, in the order they are tried. */
export function emulatorPackages(name: string): ReadonlyArray<{ readonly packageName: string; readonly kind: "destination" | "source" }> {
  return [
    { packageName: `@reverse-etl/destination-${name}`, kind: "destination" },
    { packageName: `@reverse-etl/source-${name}`, kind: "source" },
  ];
}

/**
 * Find the emulator `NAME` as the project in `dir` sees it: the `./emulator` export of
 * `@reverse-etl/destination-NAME`, else of `@reverse-etl/source-NAME`, resolved from `dir` upwards like the
 * config's plugins. Throws a {@link PluginError} saying what to install or upgrade.
 */
export async function loadEmulator(name: string, dir: string): Promise<LoadedEmulator> {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) {
    throw new PluginError(`[reverse-etl] emulate: "${name}" is not an emulator name; give the plugin's short name, e.g. hubspot for @reverse-etl/destination-hubspot.`);
  }
  const candidates = emulatorPackages(name);
  const installed = candidates.flatMap((candidate) => {
    const packageDir = findPackageDir(candidate.packageName, dir);
    return packageDir === undefined ? [] : [{ ...candidate, packageDir, manifest: readManifest(packageDir) }];
  });
  if (installed.length === 0) {
    const [destination, source] = candidates;
    throw new PluginError(
      `[reverse-etl] emulate: no emulator named "${name}": neither ${destination!.packageName} nor ${source!.packageName} is installed in ${dir} or above. ` +
        `Install the plugin that ships it: npm install ${destination!.packageName} (or npm install ${source!.packageName} for a source).`,
    );
  }
  const shipping = installed.find((p) => emulatorTarget(p.manifest) !== undefined);
  if (shipping === undefined) {
    const names = installed.map((p) => p.packageName).join(" and ");
    // Our own plugins without an emulator (file, duckdb, postgres) need none: no version of them has one.
    const ours = installed.every((p) => p.packageName.startsWith("@reverse-etl/"));
    const advice = ours
      ? `${name} runs locally and needs none; emulate a plugin of a remote service instead (e.g. reverse-etl emulate webhook).`
      : `If a newer version of it ships one, upgrade it (npm install ${installed[0]!.packageName}@latest); else choose another plugin.`;
    throw new PluginError(
      `[reverse-etl] emulate: ${names} ships no emulator (no "./emulator" export in its package.json); only plugins of services that cannot run locally have one. ${advice}`,
    );
  }
  const module = (await import(pathToFileURL(join(shipping.packageDir, emulatorTarget(shipping.manifest)!)).href)) as { default?: unknown };
  if (!isPluginEmulator(module.default)) {
    throw new PluginError(
      `[reverse-etl] emulate: the default export of ${shipping.packageName}/emulator is not an emulator made with defineEmulator() from @reverse-etl/core. ` +
        `Upgrade it (npm install ${shipping.packageName}@latest) or report it to its authors.`,
    );
  }
  const version = typeof shipping.manifest.version === "string" ? shipping.manifest.version : undefined;
  return { emulator: module.default, packageName: shipping.packageName, version, kind: shipping.kind };
}

interface Manifest {
  readonly version?: unknown;
  readonly exports?: unknown;
}

function readManifest(packageDir: string): Manifest {
  try {
    return JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as Manifest;
  } catch {
    return {};
  }
}

/** The file the `./emulator` export points to under ESM conditions, if the package has one. */
function emulatorTarget(manifest: Manifest): string | undefined {
  const map = manifest.exports;
  return map !== null && typeof map === "object" && !Array.isArray(map) ? exportTarget((map as Record<string, unknown>)["./emulator"]) : undefined;
}

/** The file an `exports` entry points to under ESM conditions (`import`, `node`, `default`). */
function exportTarget(entry: unknown): string | undefined {
  if (typeof entry === "string") return entry;
  if (Array.isArray(entry)) return entry.map(exportTarget).find((t) => t !== undefined);
  if (entry === null || typeof entry !== "object") return undefined;
  const conditions = entry as Record<string, unknown>;
  for (const condition of ["import", "node", "default"]) {
    const target = exportTarget(conditions[condition]);
    if (target !== undefined) return target;
  }
  return undefined;
}
