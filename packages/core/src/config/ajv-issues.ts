import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { ConfigIssue } from "../errors.js";
import type { JsonSchema } from "./json-schema.js";
import { secrets } from "../secrets/redactor.js";
import { didYouMean } from "./closest-names.js";

/**
 * An ajv instance set up for readable config issues: every error at once (`allErrors`), with the failing
 * schema and data attached (`verbose`) so messages can list allowed keys and values. Unknown keywords and
 * formats in plugin schemas are tolerated (`strict: false`, no format validation) rather than crashing.
 * With `useDefaults`, `default` values of the schema are filled into the validated data. The `secret`
 * keyword (a boolean annotation) is known.
 */
export function createConfigAjv(options: { useDefaults?: boolean } = {}): Ajv {
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: false, validateFormats: false, useDefaults: options.useDefaults ?? false });
  // `secret: true` marks an option whose value core redacts everywhere (see plugins/secret-options.ts);
  // registered so that a schema writing `secret: "yes"` fails to compile instead of leaking quietly.
  ajv.addKeyword({ keyword: "secret", schemaType: "boolean" });
  return ajv;
}

/** Escape one JSON-pointer segment (`~` and `/`). */
export function pointerSegment(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** A JSON path of keys, e.g. `["syncs", "a/b"]` -> `/syncs/a~1b`. */
export function jsonPath(...keys: Array<string | number>): string {
  return keys.map((k) => `/${pointerSegment(String(k))}`).join("");
}

/** `a string`, `an array`, `null`, ... for messages. */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "object":
      return "an object";
    case "string":
      return "a string";
    case "number":
      return Number.isInteger(value) ? "an integer" : "a number";
    case "boolean":
      return "a boolean";
    default:
      return typeof value;
  }
}

function article(type: string): string {
  if (type === "null") return "null";
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** Describe what a (sub)schema accepts, for `must be ...` messages. */
function describeSchema(schema: unknown, root: JsonSchema): string {
  if (typeof schema !== "object" || schema === null) return "a valid value";
  const s = schema as JsonSchema;
  if (typeof s.$ref === "string" && s.$ref.startsWith("#/")) {
    const target = s.$ref
      .slice(2)
      .split("/")
      .reduce<unknown>((node, key) => (node as JsonSchema | undefined)?.[key.replace(/~1/g, "/").replace(/~0/g, "~")], root);
    return describeSchema(target, root);
  }
  if (Array.isArray(s.enum)) return `one of ${s.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  if ("const" in s) return JSON.stringify(s.const);
  const types = Array.isArray(s.type) ? s.type : typeof s.type === "string" ? [s.type] : [];
  if (types.includes("array") && typeof s.items === "object" && s.items !== null) {
    const items = describeSchema(s.items, root).replace(/^an? /, "");
    return `an array of ${items}s`;
  }
  if (types.length > 0) return types.map((t) => article(String(t))).join(" or ");
  const alternatives = (s.anyOf ?? s.oneOf) as unknown;
  if (Array.isArray(alternatives)) return alternatives.map((a) => describeSchema(a, root)).join(" or ");
  return "a valid value";
}

/** Show a primitive value the user wrote (objects and long strings are summarised, secrets redacted). */
export function showValue(value: unknown): string {
  if (typeof value === "string") {
    // Redact before cutting: a cut secret would no longer match the redactor.
    const safe = secrets.redact(value);
    return JSON.stringify(safe.length > 60 ? `${safe.slice(0, 57)}...` : safe);
  }
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  return describeType(value);
}

function messageFor(error: ErrorObject, root: JsonSchema): { path: string; message: string } {
  const path = error.instancePath;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "additionalProperties": {
      const key = String(params.additionalProperty);
      const parent = (error.parentSchema ?? {}) as JsonSchema;
      const known = Object.keys((parent.properties ?? {}) as JsonSchema);
      const hint = didYouMean(key, known);
      return {
        path: `${path}/${pointerSegment(key)}`,
        message: `unknown property ${JSON.stringify(key)}${hint || (known.length > 0 ? `; allowed: ${known.join(", ")}` : "; no properties are allowed here")}`,
      };
    }
    case "required": {
      const missing = String(params.missingProperty);
      const parent = (error.parentSchema ?? {}) as JsonSchema;
      const property = ((parent.properties ?? {}) as Record<string, JsonSchema | undefined>)[missing];
      const what = typeof property?.description === "string" ? ` (${property.description.replace(/\.$/, "")})` : "";
      return { path, message: `missing required property ${JSON.stringify(missing)}${what}` };
    }
    case "enum": {
      const allowed = (params.allowedValues as unknown[]).map((v) => (typeof v === "string" ? v : JSON.stringify(v)));
      const got = error.data;
      const hint = typeof got === "string" ? didYouMean(got, allowed) : "";
      return { path, message: `must be one of ${allowed.join(", ")}; got ${showValue(got)}${hint}` };
    }
    case "const":
      return { path, message: `must be ${JSON.stringify(params.allowedValue)}; got ${showValue(error.data)}` };
    case "type":
      return { path, message: `must be ${describeSchema(error.parentSchema, root)}; got ${describeType(error.data)}` };
    case "anyOf":
    case "oneOf":
      return { path, message: `must be ${describeSchema(error.parentSchema, root)}; got ${showValue(error.data)}` };
    default: {
      const got = typeof error.data === "object" && error.data !== null ? "" : `; got ${showValue(error.data)}`;
      return { path, message: `${error.message ?? "is invalid"}${got}` };
    }
  }
}

/**
 * Turn ajv errors into issues a human can act on: unknown keys with a "did you mean", enums listed with
 * what was given, missing properties named, and one message for a failed `anyOf` instead of one per branch.
 * `basePath` prefixes every path (e.g. `/sources/warehouse` for a plugin's options).
 */
export function ajvErrorsToIssues(errors: readonly ErrorObject[] | null | undefined, root: JsonSchema, basePath = ""): ConfigIssue[] {
  if (!errors) return [];
  // Branch errors of a failed anyOf/oneOf are noise: the combined message says what was expected.
  const combined = errors.filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf").map((e) => `${e.schemaPath}/`);
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (error.keyword === "if") continue;
    if (combined.some((prefix) => error.schemaPath.startsWith(prefix))) continue;
    const { path, message } = messageFor(error, root);
    const issue = { path: `${basePath}${path}`, message };
    const id = `${issue.path}\n${issue.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    issues.push(issue);
  }
  return issues;
}

/** Validate `data` with a compiled schema and return readable issues (empty when valid). */
export function schemaIssues(validate: ValidateFunction, data: unknown, root: JsonSchema, basePath = ""): ConfigIssue[] {
  return validate(data) ? [] : ajvErrorsToIssues(validate.errors, root, basePath);
}
