import type { ConfigIssue } from "../errors.js";
import { urlCredentials } from "../secrets/credential-parts.js";
import { secrets } from "../secrets/redactor.js";
import { pointerSegment } from "./ajv-issues.js";

/** `/destinations/crm/accessToken` -> `CRM_ACCESS_TOKEN`: a variable name to suggest for a literal secret. */
export function variableNameFor(path: string): string {
  const keys = path.split("/").slice(2); // drop "" and the section (sources, destinations, ...)
  return keys
    .join("_")
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .toUpperCase();
}

/** The advice of a warning about a secret written literally at `path`. */
export function useEnvAdvice(path: string): string {
  const name = variableNameFor(path) || "SECRET";
  return `configs live in git: write env("${name}") (or { "$env": "${name}" } in JSON/YAML) and set ${name} in your environment or CI secrets`;
}

/**
 * Register the credentials of every URL in the config (its user-info, a `password` in its query) as secrets,
 * whether written literally or read through `env()`, and return a warning for each URL that the config
 * writes literally with credentials in it. `references` holds the JSON paths of `env()` values.
 */
export function registerUrlCredentials(config: unknown, references: ReadonlySet<string>): ConfigIssue[] {
  const warnings: ConfigIssue[] = [];
  const visit = (node: unknown, path: string): void => {
    if (typeof node === "string") {
      const parts = urlCredentials(node);
      for (const part of parts) secrets.add(part);
      if (parts.length > 0 && !references.has(path)) {
        warnings.push({ path, message: `this URL holds credentials written literally; they are redacted from output, but ${useEnvAdvice(path)}` });
      }
    } else if (Array.isArray(node)) node.forEach((item, i) => visit(item, `${path}/${i}`));
    else if (typeof node === "object" && node !== null) {
      for (const [key, child] of Object.entries(node)) visit(child, `${path}/${pointerSegment(key)}`);
    }
  };
  visit(config, "");
  return warnings;
}
