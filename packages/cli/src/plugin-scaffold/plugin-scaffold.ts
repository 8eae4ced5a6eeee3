import { existsSync, statSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { pluginManifest } from "./plugin-manifest.js";
import type { PluginNames } from "./plugin-name.js";

/**
 * Template files of a plugin package, published with the CLI (`templates/` in its package.json `files`)
 * and found from the built `dist/plugin-scaffold/`. `common/` goes into every plugin, `source/` or
 * `destination/` into one of that kind. Paths and contents use placeholders (see `render`); the generated
 * package's tests (run by plugin-new.test.ts) prove the templates build and pass as generated.
 */
export const PLUGIN_TEMPLATES_DIR = fileURLToPath(new URL("../../templates/plugin/", import.meta.url));

/** npm drops `.gitignore` from published packages, so the template is stored without its dot. */
const RENAMED: Readonly<Record<string, string>> = { gitignore: ".gitignore" };

/** What `writePluginScaffold` wrote. */
export interface PluginScaffoldResult {
  /** Absolute directory of the new package. */
  dir: string;
  /** Its npm package name. */
  package: string;
  /** Files written, relative to `dir`, with `/` separators, sorted. */
  files: string[];
}

/** Thrown when the target directory exists and holds anything (or is a file). */
export class DirectoryNotEmptyError extends Error {
  constructor(readonly dir: string) {
    super(`${dir} already exists and is not empty: give a new or empty directory`);
    this.name = "DirectoryNotEmptyError";
  }
}

/** Fill a template's placeholders with the plugin's names. */
export function render(text: string, names: PluginNames): string {
  return text
    .replaceAll("__package__", names.packageName)
    .replaceAll("__nameCamel__", names.camel)
    .replaceAll("__Name__", names.pascal)
    .replaceAll("__NAME__", names.constant)
    .replaceAll("__Title__", names.title)
    .replaceAll("__name__", names.name);
}

/** Every file under `dir`, relative to it. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)));
}

/**
 * Write a new plugin package into `dir`: package.json (versions from `coreVersion`, see `pluginManifest`)
 * and the rendered templates of its kind. Refuses a `dir` that exists and is not an empty directory, so
 * nothing of the user's is ever overwritten.
 */
export async function writePluginScaffold(dir: string, names: PluginNames, coreVersion: string): Promise<PluginScaffoldResult> {
  if (existsSync(dir) && (!statSync(dir).isDirectory() || (await readdir(dir)).length > 0)) throw new DirectoryNotEmptyError(dir);
  const files = new Map<string, string>();
  files.set("package.json", `${JSON.stringify(pluginManifest(names, coreVersion), null, 2)}\n`);
  for (const group of ["common", names.kind]) {
    const root = join(PLUGIN_TEMPLATES_DIR, group);
    for (const path of await listFiles(root)) {
      const target = render(path.split(sep).map((part) => RENAMED[part] ?? part).join("/"), names);
      files.set(target, render(await readFile(join(root, path), "utf8"), names));
    }
  }
  for (const [path, contents] of files) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), contents);
  }
  return { dir, package: names.packageName, files: [...files.keys()].sort() };
}
