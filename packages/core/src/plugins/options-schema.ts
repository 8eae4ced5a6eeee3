import type { JSONSchemaType } from "ajv";
import type { JsonSchema } from "./plugin-context.js";

/**
 * The JSON schema of a plugin's options, or of a sync's options, type-checked against the options'
 * TypeScript interface: ajv's `JSONSchemaType<Options>`. A property of the interface missing from
 * `properties`, a `type` that is not the property's, a `default` of the wrong type, a required property
 * left out of `required`: each fails to compile, so the interface (one doc comment per option) and the
 * schema users' configs are validated with never drift.
 *
 * ajv's type asks every optional property for `nullable: true`; `defineOptionsSchema` drops it again (see
 * there), so write it where TypeScript asks for it and nowhere else.
 */
export type OptionsSchema<Options> = JSONSchemaType<Options>;

/**
 * Declare the JSON schema of a plugin's `Options` (a plugin's `optionsSchema`, a destination's
 * `syncOptionsSchema`), checked against the interface at compile time (see {@link OptionsSchema}).
 *
 * ```ts
 * export interface AcmeOptions {
 *   apiKey: string; // required: in `required`, no `nullable`
 *   maxConcurrency?: number; // optional: `nullable: true`, as ajv's type asks
 * }
 * export const acmeOptionsSchema = defineOptionsSchema<AcmeOptions>({
 *   type: "object",
 *   properties: {
 *     apiKey: { type: "string", minLength: 1 },
 *     maxConcurrency: { type: "integer", minimum: 1, default: 2, nullable: true },
 *   },
 *   required: ["apiKey"],
 *   additionalProperties: false,
 * });
 * ```
 *
 * Returns the schema as core takes it, without the `nullable: true` that ajv's type demands of optional
 * properties: taken literally it would let `null` through to `connect`, where the interface promises a
 * value or `undefined` (YAML's empty `threads:` is `null`). Dropping it keeps `null` a validation error
 * with the option's path, like any other wrong type. An option that must accept `null` declares it
 * outside this helper.
 */
export function defineOptionsSchema<Options>(schema: OptionsSchema<Options>): JsonSchema {
  return withoutOptionalNullable(schema as JsonSchema);
}

/** Keywords whose value is one subschema. */
const SUBSCHEMA = ["additionalProperties", "items", "not", "if", "then", "else", "contains", "propertyNames", "unevaluatedProperties"];
/** Keywords whose value is a list of subschemas. */
const SUBSCHEMA_LISTS = ["anyOf", "oneOf", "allOf", "prefixItems"];
/** Keywords whose value maps names to subschemas. */
const SUBSCHEMA_MAPS = ["patternProperties", "$defs", "definitions", "dependentSchemas"];

/** A copy of `schema` where no property outside its object's `required` list is `nullable`. */
function withoutOptionalNullable(schema: JsonSchema): JsonSchema {
  const copy: JsonSchema = { ...schema };
  const required = new Set(Array.isArray(schema.required) ? (schema.required as unknown[]) : []);
  if (isSchema(schema.properties)) {
    copy.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([name, property]) => {
        if (!isSchema(property)) return [name, property];
        const converted = withoutOptionalNullable(property);
        if (!required.has(name) && converted.nullable === true) delete converted.nullable;
        return [name, converted];
      }),
    );
  }
  for (const keyword of SUBSCHEMA) {
    if (isSchema(schema[keyword])) copy[keyword] = withoutOptionalNullable(schema[keyword]);
  }
  for (const keyword of SUBSCHEMA_LISTS) {
    const list = schema[keyword];
    if (Array.isArray(list)) copy[keyword] = list.map((item: unknown) => (isSchema(item) ? withoutOptionalNullable(item) : item));
  }
  for (const keyword of SUBSCHEMA_MAPS) {
    const map = schema[keyword];
    if (isSchema(map)) {
      copy[keyword] = Object.fromEntries(Object.entries(map).map(([name, item]) => [name, isSchema(item) ? withoutOptionalNullable(item) : item]));
    }
  }
  return copy;
}

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
