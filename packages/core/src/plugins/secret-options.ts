import type { JsonSchema } from "../config/json-schema.js";
import { pointerSegment } from "../config/ajv-issues.js";

/**
 * A string in a plugin's options that its schema marks secret.
 *
 * A plugin marks an option secret with the JSON-schema keyword `secret: true` on the option's schema
 * (`accessToken: { type: "string", secret: true }`). On an object or array option it makes every string
 * inside secret; on an entry of `patternProperties` or `additionalProperties` it makes the matching keys'
 * values secret (a webhook's `Authorization` header, not its `Content-Type`). Core redacts those values from
 * every output whether the config writes them literally or with `env()`, and `validate` warns when one is
 * written literally.
 */
export interface SecretOption {
  /** JSON path of the value in the config, e.g. `/destinations/crm/accessToken`. */
  path: string;
  /** The value. */
  value: string;
}

const isSchema = (value: unknown): value is JsonSchema => typeof value === "object" && value !== null && !Array.isArray(value);

/** Every string inside `value`, with its path. */
function stringsIn(value: unknown, path: string): SecretOption[] {
  if (typeof value === "string") return [{ path, value }];
  if (Array.isArray(value)) return value.flatMap((item, i) => stringsIn(item, `${path}/${i}`));
  if (isSchema(value)) return Object.entries(value).flatMap(([key, child]) => stringsIn(child, `${path}/${pointerSegment(key)}`));
  return [];
}

/** The subschemas that apply to property `key` of an object validated by `schema`. */
function propertySchemas(schema: JsonSchema, key: string): JsonSchema[] {
  const named = isSchema(schema.properties) ? schema.properties[key] : undefined;
  if (isSchema(named)) return [named];
  const patterns = isSchema(schema.patternProperties) ? Object.entries(schema.patternProperties) : [];
  const matched = patterns.filter(([pattern, sub]) => isSchema(sub) && new RegExp(pattern, "u").test(key)).map(([, sub]) => sub as JsonSchema);
  if (matched.length > 0) return matched;
  return isSchema(schema.additionalProperties) ? [schema.additionalProperties] : [];
}

/**
 * The values of `options` that `schema` marks `secret: true` (see {@link SecretOption}), with their JSON
 * paths under `path`. Follows `properties`, `patternProperties`, `additionalProperties`, `items` and the
 * branches of `allOf`/`anyOf`/`oneOf`.
 */
export function secretOptionValues(schema: JsonSchema, options: unknown, path: string): SecretOption[] {
  if (schema.secret === true) return stringsIn(options, path);
  const found = new Map<string, SecretOption>();
  const add = (list: SecretOption[]) => list.forEach((option) => found.set(option.path, option));
  for (const keyword of ["allOf", "anyOf", "oneOf"]) {
    const branches = schema[keyword];
    if (Array.isArray(branches)) for (const branch of branches) if (isSchema(branch)) add(secretOptionValues(branch, options, path));
  }
  if (Array.isArray(options) && isSchema(schema.items)) {
    options.forEach((item, i) => add(secretOptionValues(schema.items as JsonSchema, item, `${path}/${i}`)));
  } else if (isSchema(options)) {
    for (const [key, child] of Object.entries(options)) {
      for (const sub of propertySchemas(schema, key)) add(secretOptionValues(sub, child, `${path}/${pointerSegment(key)}`));
    }
  }
  return [...found.values()];
}
