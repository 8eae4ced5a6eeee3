import { basename, dirname, extname, resolve } from "node:path";
import type { FileFormat } from "./file-destination-options.js";

const PLACEHOLDER = /\{(sync|runId)\}/g;

/** The `path` option: a file path, relative to the config directory, that may hold `{sync}` and `{runId}`. */
export class PathTemplate {
  /** Absolute template, placeholders still in it. */
  readonly absolute: string;

  constructor(path: string, configDir: string) {
    this.absolute = resolve(configDir, path);
  }

  /** Whether the template names one fixed file. */
  get isFixed(): boolean {
    return !/\{(sync|runId)\}/.test(this.absolute);
  }

  /** Format implied by the extension: `.csv` is csv, anything else jsonl. */
  get formatFromExtension(): FileFormat {
    return extname(this.absolute.replace(PLACEHOLDER, "x")).toLowerCase() === ".csv" ? "csv" : "jsonl";
  }

  /** The deepest directory of the template that holds no placeholder. */
  get fixedDirectory(): string {
    let dir = dirname(this.absolute);
    while (/\{(sync|runId)\}/.test(dir)) dir = dirname(dir);
    return dir;
  }

  /** The file a run of a sync writes. Names are made safe for a path segment. */
  target(sync: string, runId: string): string {
    const values: Record<string, string> = { sync: safeSegment(sync), runId: safeSegment(runId) };
    return this.absolute.replace(PLACEHOLDER, (_, name: string) => values[name]);
  }
}

/** Where a run writes before the rename: `.<name>.<runId>.tmp` beside the target, on the same filesystem. */
export function tempPathFor(target: string, runId: string): string {
  return resolve(dirname(target), `.${basename(target)}.${safeSegment(runId)}.tmp`);
}

/**
 * Matches the temp files that runs of `target` may have left behind after a crash. `{runId}` in the
 * target's name (when the template has it) matches any run.
 */
export function staleTempPattern(targetName: string): RegExp {
  const escaped = escapeRegExp(targetName).replace(/\\\{runId\\\}/g, ".+");
  return new RegExp(`^\\.${escaped}\\..+\\.tmp$`);
}

function safeSegment(value: string): string {
  return value.replace(/[/\\\0]/g, "_");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
