import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import madge from "madge";
import { describe, expect, it } from "vitest";

const CORE = fileURLToPath(new URL("../packages/core/", import.meta.url));
const SRC = join(CORE, "src");

/**
 * Core's layers, lowest first: a module may import its own layer and the ones before it, never a later
 * one, so a reader following a run only ever looks down. Top-level files (`errors.ts`, `reports.ts`,
 * `index.ts`) are layers of their own.
 */
const LAYERS = ["errors", "values", "secrets", "runtime", "config", "reports", "plugins", "transport", "plan", "state", "apply", "alerts", "project", "index"];

/** Largest source file core keeps, in lines: one concept a file. */
const MAX_LINES = 300;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith(".ts") && !name.endsWith(".test.ts") ? [path] : [];
  });
}

/** The layer of a file of core's src: its folder, or its own name for a top-level file. */
function layerOf(path: string): string {
  return relative(SRC, path).split("/")[0]!.replace(/\.ts$/, "");
}

describe("core's structure", () => {
  const files = sourceFiles(SRC);

  it("has no import cycle (madge over the built modules)", async () => {
    const graph = await madge(join(CORE, "dist"), { fileExtensions: ["js"] });
    expect(graph.circular()).toEqual([]);
    // The graph really holds core: every source module was found in it.
    const modules = new Set(Object.keys(graph.obj()));
    expect(files.map((f) => relative(SRC, f).replace(/\.ts$/, ".js")).filter((m) => !modules.has(m))).toEqual([]);
  });

  it("imports downward only, layer by layer", () => {
    const upward: string[] = [];
    for (const file of files) {
      const own = LAYERS.indexOf(layerOf(file));
      expect(own, `${relative(SRC, file)} is in no known layer; add its folder to LAYERS`).toBeGreaterThanOrEqual(0);
      const text = readFileSync(file, "utf8");
      for (const match of text.matchAll(/from "(\.{1,2}\/[^"]+)"/g)) {
        const target = join(file, "..", match[1]!).replace(/\.js$/, ".ts");
        const layer = LAYERS.indexOf(layerOf(target));
        if (layer > own) upward.push(`${relative(SRC, file)} imports ${relative(SRC, target)}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it(`keeps every source file under ${MAX_LINES} lines`, () => {
    const long = files
      .map((file) => ({ file: relative(SRC, file), lines: readFileSync(file, "utf8").split("\n").length }))
      .filter((f) => f.lines > MAX_LINES);
    expect(long).toEqual([]);
  });
});
