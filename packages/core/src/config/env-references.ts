import type { ConfigIssue } from "../errors.js";
import { secrets } from "../secrets/redactor.js";
import { jsonPath } from "./ajv-issues.js";

/** The result of resolving every `{ $env: NAME }` reference in a config document. */
export interface EnvResolution {
  /** A copy of the document with every set reference replaced by its value (unset ones by `env("NAME")`). */
  value: unknown;
  /** One issue per unset or malformed reference, at its JSON path. */
  issues: ConfigIssue[];
  /** JSON paths of references that could not be resolved. */
  unresolved: Set<string>;
  /** Of `unresolved`, the well-formed references whose variable is unset or empty. */
  unset: Set<string>;
  /** JSON paths of every reference: values the config does not write literally. */
  references: Set<string>;
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Replace `{ $env: "NAME" }` references (what `env("NAME")` returns, or written literally in JSON/YAML) by
 * the variable's value, registering each value with the process-wide secret redactor so it never appears
 * in output. Unset variables become issues naming the variable and how to set it.
 */
export function resolveEnvReferences(document: unknown, environment: NodeJS.ProcessEnv = process.env): EnvResolution {
  const issues: ConfigIssue[] = [];
  const unresolved = new Set<string>();
  const unset = new Set<string>();
  const references = new Set<string>();

  const visit = (node: unknown, keys: string[]): unknown => {
    if (Array.isArray(node)) return node.map((item, i) => visit(item, [...keys, String(i)]));
    if (!isPlainObject(node)) return node;
    if ("$env" in node) {
      const path = jsonPath(...keys);
      const name = node.$env;
      unresolved.add(path);
      references.add(path);
      if (Object.keys(node).length !== 1 || typeof name !== "string" || !VARIABLE_NAME.test(name)) {
        issues.push({
          path,
          message: `invalid environment reference ${JSON.stringify(node)}; write { "$env": "NAME" } (or env("NAME") in a .ts/.js config) with a variable name of letters, digits and _`,
        });
        return `env(${typeof name === "string" ? name : "?"})`;
      }
      const value = environment[name];
      if (value === undefined || value === "") {
        unset.add(path);
        issues.push({
          path,
          message: `environment variable ${name} is ${value === undefined ? "not set" : "empty"}; export it (e.g. ${name}=... reverse-etl ...) or put it in your CI secrets`,
        });
        return `env(${name})`;
      }
      unresolved.delete(path);
      secrets.add(value);
      return value;
    }
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(node)) out[key] = visit(child, [...keys, key]);
    return out;
  };

  return { value: visit(document, []), issues, unresolved, unset, references };
}
