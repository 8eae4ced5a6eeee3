import { readdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Plugin } from "@oclif/core";

/**
 * oclif's command manifest, in the package's root where oclif looks for it. With it, oclif answers
 * `--version` and `--help` and finds a command's file without importing every command (and, through them,
 * all of core): start-up drops from ~0.75 s to the cost of loading oclif itself (`node bench/cli-startup.mjs`).
 */
export const MANIFEST_FILE = "oclif.manifest.json";

/**
 * Write the manifest of the CLI package at `root` from its built commands, as `oclif manifest` does (the
 * same @oclif/core calls, without the oclif CLI's dependencies). The build runs it after `tsc -b`, so a
 * command added in `src/commands/` is in the manifest of the next build. Returns the command ids.
 */
export async function writeCommandManifest(root: string): Promise<string[]> {
  const plugin = new Plugin({
    root,
    isRoot: true,
    type: "core",
    ignoreManifest: true,
    errorOnManifestCreate: true,
    respectNoCacheDefault: true,
  });
  await plugin.load();
  // Written aside, then renamed into place: CLI processes started together never read half a manifest.
  const file = join(root, MANIFEST_FILE);
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify(plugin.manifest, null, 2)}\n`);
  renameSync(partial, file);
  return Object.keys(plugin.manifest.commands).sort();
}

/**
 * Whether the manifest at `root` is missing or older than a built command: a development tree rebuilt with
 * `tsc -b` alone, after a command was added or changed. oclif would trust such a manifest and not find the
 * new command; the bin rewrites it first. A packed package is never stale: npm gives every file one mtime.
 */
export function isManifestStale(root: string): boolean {
  let written: number;
  try {
    written = statSync(join(root, MANIFEST_FILE)).mtimeMs;
  } catch {
    return true;
  }
  const newer = (dir: string): boolean =>
    readdirSync(dir, { withFileTypes: true }).some((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return newer(path);
      return entry.name.endsWith(".js") && statSync(path).mtimeMs > written;
    });
  try {
    return newer(join(root, "dist", "commands"));
  } catch {
    return false;
  }
}
