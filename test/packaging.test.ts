import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

interface Manifest {
  name: string;
  private?: boolean;
  exports?: Record<string, string | Record<string, string>>;
  bin?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
}

const workspaces = ["packages", "plugins"].flatMap((group) =>
  readdirSync(join(ROOT, group)).map((name) => join(ROOT, group, name)),
);

/** The version of @reverse-etl/core in this checkout: plugins depend on it as a peer, `^` it. */
const CORE_VERSION = (JSON.parse(readFileSync(join(ROOT, "packages", "core", "package.json"), "utf8")) as Manifest & { version: string }).version;

/** Every file path an exports map points at. */
function exportTargets(exports: Manifest["exports"]): string[] {
  const targets: string[] = [];
  for (const value of Object.values(exports ?? {})) {
    if (typeof value === "string") targets.push(value);
    else targets.push(...Object.values(value));
  }
  return targets.map((t) => t.replace(/^\.\//, ""));
}

describe("every workspace package could be published as it is", () => {
  for (const dir of workspaces) {
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;
    it(`${manifest.name}: the tarball holds its exports, bin, types and README, and no tests`, () => {
      const packed = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: dir, encoding: "utf8" })) as Array<{
        files: Array<{ path: string }>;
      }>;
      const files = new Set(packed[0]!.files.map((f) => f.path));
      expect(manifest.private).not.toBe(true);
      expect(files.has("README.md"), "README.md").toBe(true);
      for (const target of exportTargets(manifest.exports)) expect(files.has(target), target).toBe(true);
      for (const bin of Object.values(manifest.bin ?? {})) expect(files.has(bin.replace(/^\.\//, "")), bin).toBe(true);
      expect([...files].filter((f) => /\.test\.(js|d\.ts)$/.test(f))).toEqual([]);
      if (dir.includes(`${"plugins"}/`)) {
        // Plugins share the core of the project that loads them: a peer, never a bundled copy.
        expect(manifest.peerDependencies?.["@reverse-etl/core"]).toBe(`^${CORE_VERSION}`);
        expect(manifest.dependencies?.["@reverse-etl/core"]).toBeUndefined();
      }
    });
  }
});
