import { existsSync, statSync } from "node:fs";
import { dirname, join, parse, resolve } from "node:path";
import { cosmiconfig, type Loader } from "cosmiconfig";
import { createJiti } from "jiti";
import { parseDocument } from "yaml";
import { ConfigError, type ConfigIssue } from "../errors.js";
import type { ReverseEtlConfig } from "./types.js";
import { checkConfigDocument } from "./validate-config.js";

/** Config file names searched for, in order of preference, in each directory from `cwd` upwards. */
export const CONFIG_FILE_NAMES: readonly string[] = [
  "reverse-etl.config.ts",
  "reverse-etl.config.mts",
  "reverse-etl.config.cts",
  "reverse-etl.config.js",
  "reverse-etl.config.mjs",
  "reverse-etl.config.cjs",
  "reverse-etl.config.json",
  "reverse-etl.config.yaml",
  "reverse-etl.config.yml",
];

/** The names searched for, in one glob-like pattern for messages: `reverse-etl.config.{ts,mts,...}`. */
export const CONFIG_FILE_PATTERN = `reverse-etl.config.{${CONFIG_FILE_NAMES.map((name) => name.replace("reverse-etl.config.", "")).join(",")}}`;

/** How to find the config. */
export interface LoadConfigOptions {
  /** Explicit config file (`--config`), relative to `cwd`. */
  configPath?: string;
  /** Directory to search from. Default `process.cwd()`. */
  cwd?: string;
  /**
   * Leave the unset environment variables of sources' and destinations' options to the first connection
   * that needs them (`LoadedConfig.unsetEnv`), for commands that use only some of them (`runs`, `state`).
   * Default: every variable must be set.
   */
  lazyEnv?: boolean;
}

/** A loaded, validated config with env references resolved. Never print `config`: it holds secrets. */
export interface LoadedConfig {
  /** Absolute path of the config file. */
  file: string;
  /** Directory of the config file; plugins and relative paths resolve from it. */
  dir: string;
  /** The validated document, env references replaced by their values. */
  config: ReverseEtlConfig;
  /** JSON paths of the values read with `env()`; the others are written literally in the file. */
  envPaths?: ReadonlySet<string>;
  /** What is allowed but unwise, e.g. credentials written literally; `validate` shows them. */
  warnings?: ConfigIssue[];
  /**
   * Unset environment variables of sources' and destinations' options, left (with `lazyEnv`) to the
   * first connection to the source or destination that needs them. Their values read `env(NAME)`.
   */
  unsetEnv?: readonly ConfigIssue[];
}

/** A config read and checked, with every problem found (not thrown). */
export interface CheckedConfig extends LoadedConfig {
  /** Every problem of the document (including `unsetEnv`), sorted by JSON path. */
  issues: ConfigIssue[];
}

/** Thrown by our loaders so the file and line reach the ConfigError. */
class SyntaxProblem extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
  }
}

function loadModule(file: string): Promise<unknown> {
  // TypeScript configs load through jiti, so `import { defineConfig, env } from "@reverse-etl/core"`
  // resolves from the config's own node_modules without a build step.
  const jiti = createJiti(file, { moduleCache: false, interopDefault: true });
  return jiti.import<Record<string, unknown>>(file).then((mod) => {
    if (mod !== null && typeof mod === "object" && "default" in mod) return mod.default;
    // CommonJS `module.exports = {...}` has no default; a module with only named exports is an error.
    return mod !== null && typeof mod === "object" && "sources" in mod ? mod : undefined;
  });
}

const loadTypeScript: Loader = (file) => loadModule(file);

function parseJsonOrYaml(text: string, json: boolean): unknown {
  if (text.trim() === "") return undefined;
  if (json) {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      const message = (error as Error).message;
      const offset = /at position (\d+)/.exec(message);
      if (offset) {
        const before = text.slice(0, Number(offset[1]));
        const line = before.split("\n").length;
        throw new SyntaxProblem(`is not valid JSON: ${message.replace(/ in JSON at position \d+.*$/, "")}`, line, before.length - before.lastIndexOf("\n"));
      }
      // JSON is YAML 1.2: the YAML parser pinpoints what JSON.parse does not.
      const position = parseDocument(text).errors[0]?.linePos?.[0];
      throw new SyntaxProblem(`is not valid JSON: ${message}`, position?.line, position?.col);
    }
  }
  const document = parseDocument(text);
  const [error] = document.errors;
  if (error) {
    const position = error.linePos?.[0];
    throw new SyntaxProblem(`is not valid YAML: ${error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`, position?.line, position?.col);
  }
  return document.toJS() as unknown;
}

const loadJson: Loader = (_file, content) => parseJsonOrYaml(content, true);
const loadYaml: Loader = (_file, content) => parseJsonOrYaml(content, false);

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Find the config from `cwd` upwards, stopping at a directory with `.git` or at the filesystem root. */
export function findConfigFile(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    for (const name of CONFIG_FILE_NAMES) {
      const candidate = join(dir, name);
      if (isFile(candidate)) return candidate;
    }
    if (existsSync(join(dir, ".git")) || dir === parse(dir).root) return undefined;
    dir = dirname(dir);
  }
}

/** Where in the config file an exception thrown while loading it points, if anywhere. */
function locate(error: unknown, file: string): string {
  if (error instanceof SyntaxProblem) return error.line === undefined ? "" : ` (line ${error.line}, column ${error.column ?? 1})`;
  const text = `${(error as Error)?.message ?? ""}\n${(error as Error)?.stack ?? ""}`;
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const match = new RegExp(`${escaped}:(\\d+):(\\d+)`).exec(text);
  return match ? ` (line ${match[1]}, column ${Number(match[2]) + (/ParseError/.test(text) ? 1 : 0)})` : "";
}

/** First line of an error message, without the file path the location already gives. */
function reason(error: unknown, file: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split("\n").map((l) => l.trim()).find((l) => l !== "" && !l.startsWith(file)) ?? message;
  return first.replace(/^ParseError:\s*/, "").trim();
}

/** Read and parse a config file into a plain document (not validated yet). */
export async function readConfigDocument(file: string): Promise<unknown> {
  const explorer = cosmiconfig("reverse-etl", {
    cache: false,
    searchStrategy: "none",
    loaders: {
      ".ts": loadTypeScript,
      ".mts": loadTypeScript,
      ".cts": loadTypeScript,
      ".json": loadJson,
      ".yaml": loadYaml,
      ".yml": loadYaml,
    },
  });
  try {
    const result = await explorer.load(file);
    return result === null || result.isEmpty ? undefined : (result.config as unknown);
  } catch (error) {
    const message = error instanceof SyntaxProblem ? error.message : `could not be loaded: ${reason(error, file)}`;
    throw new ConfigError(file, [{ path: "", message: `${message}${locate(error, file)}; fix the file and run again` }]);
  }
}

/**
 * Find, read and validate the config: `configPath` if given, else `reverse-etl.config.*` searched from
 * `cwd` upwards. Every problem is reported at once in one `ConfigError`; env references are resolved and
 * their values registered as secrets.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const { issues, ...loaded } = await checkConfig(options);
  const blocking = options.lazyEnv ? issues.filter((issue) => !loaded.unsetEnv?.includes(issue)) : issues;
  if (blocking.length > 0) throw new ConfigError(loaded.file, blocking);
  return options.lazyEnv ? loaded : { ...loaded, unsetEnv: [] };
}

/**
 * Find and read the config as `loadConfig` does, returning the problems of the document instead of throwing
 * them, so that plugin option problems can be reported with them. Throws only when there is no document.
 */
export async function checkConfig(options: LoadConfigOptions = {}): Promise<CheckedConfig> {
  const cwd = resolve(options.cwd ?? process.cwd());
  let file: string;
  if (options.configPath !== undefined) {
    file = resolve(cwd, options.configPath);
    if (!isFile(file)) {
      const fromEnv = process.env.REVERSE_ETL_CONFIG !== undefined && resolve(cwd, process.env.REVERSE_ETL_CONFIG) === file;
      const hint = fromEnv ? "check the REVERSE_ETL_CONFIG environment variable" : "check the --config path";
      throw new ConfigError(file, [{ path: "", message: `config file not found; ${hint} (reverse-etl init creates one)` }]);
    }
  } else {
    const found = findConfigFile(cwd);
    if (found === undefined) {
      throw new ConfigError(undefined, [
        {
          path: "",
          message: `no ${CONFIG_FILE_PATTERN} found in ${cwd} or its parent directories; run \`reverse-etl init\` to create one, or pass --config PATH`,
        },
      ]);
    }
    file = found;
  }
  const document = await readConfigDocument(file);
  const { config, issues, warnings, envPaths, unsetEnv } = checkConfigDocument(document, file);
  return { file, dir: dirname(file), config, issues, envPaths, warnings, unsetEnv };
}
