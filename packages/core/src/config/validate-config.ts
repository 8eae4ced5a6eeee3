import type { ValidateFunction } from "ajv";
import type { ConfigIssue } from "../errors.js";
import { secrets } from "../secrets/redactor.js";
import { createConfigAjv, schemaIssues } from "./ajv-issues.js";
import { configSchema } from "./config-schema.js";
import { crossReferenceIssues } from "./cross-references.js";
import { resolveEnvReferences } from "./env-references.js";
import { registerUrlCredentials } from "./literal-credentials.js";
import type { ReverseEtlConfig } from "./types.js";

/** The outcome of checking a config document. */
export interface ConfigCheck {
  /** The document with env references resolved; only meaningful when `issues` is empty. */
  config: ReverseEtlConfig;
  /** Every problem found, sorted by JSON path, secrets redacted. */
  issues: ConfigIssue[];
  /** What is allowed but unwise: credentials written literally in the config (which lives in git). */
  warnings: ConfigIssue[];
  /** JSON paths of the values the config reads with `env()`. */
  envPaths: ReadonlySet<string>;
  /**
   * Of `issues`, the unset environment variables of a source's or destination's options: a command that
   * never connects to that source or destination can go on without them (see `LoadedConfig.unsetEnv`).
   */
  unsetEnv: ConfigIssue[];
}

/** The source or destination (`/sources/NAME`, `/destinations/NAME`) a JSON path lies in, if any. */
export function connectionPathOf(path: string): string | undefined {
  return /^\/(?:sources|destinations)\/[^/]+/.exec(path)?.[0];
}

let validator: ValidateFunction | undefined;

function emptyDocumentIssue(file: string | undefined): ConfigIssue {
  const module = file !== undefined && /\.[cm]?[jt]s$/.test(file);
  return {
    path: "",
    message: module
      ? "has no default export; write export default defineConfig({ sources, destinations, models, syncs })"
      : "is empty or not an object; it must hold sources, destinations, models and syncs (reverse-etl init writes an example)",
  };
}

/** Whether `path` is one of `parents` or lies inside one. */
export const within = (path: string, parents: Set<string>): boolean =>
  [...parents].some((parent) => path === parent || path.startsWith(`${parent}/`));

/**
 * Check a config document completely, reporting every problem at once: the JSON schema (unknown keys,
 * wrong types, enums, missing properties), unset environment variables, and cross-references between
 * sources, destinations, models and syncs. Env values and the credentials of URLs are registered as
 * secrets and redacted from issues; credentials written literally are warnings.
 */
export function checkConfigDocument(document: unknown, file?: string, environment: NodeJS.ProcessEnv = process.env): ConfigCheck {
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    return { config: document as ReverseEtlConfig, issues: [emptyDocumentIssue(file)], warnings: [], envPaths: new Set(), unsetEnv: [] };
  }
  const env = resolveEnvReferences(document, environment);
  const warnings = registerUrlCredentials(env.value, env.references);
  const schema = configSchema();
  validator ??= createConfigAjv().compile(schema);
  // A reference whose variable is unset already has its issue; its placeholder value is not a second one.
  const structural = schemaIssues(validator, env.value, schema).filter((issue) => !within(issue.path, env.unresolved));
  const issues = [...structural, ...env.issues, ...crossReferenceIssues(env.value)]
    .map((issue) => ({ path: issue.path, message: secrets.redact(issue.message) }))
    .sort(byPath);
  const unsetEnv = issues.filter((issue) => env.unset.has(issue.path) && connectionPathOf(issue.path) !== undefined);
  return { config: env.value as ReverseEtlConfig, issues, warnings, envPaths: env.references, unsetEnv };
}

/** Order issues by JSON path. */
export function byPath(a: ConfigIssue, b: ConfigIssue): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** Every problem in a config document (schema, env references, cross-references); empty when it is valid. */
export function validateConfigDocument(document: unknown, file?: string): ConfigIssue[] {
  return checkConfigDocument(document, file).issues;
}
