import { RequestError, restError, type RecordError } from "./emulator-errors.js";
import { normalizeId } from "./emulator-ids.js";
import type { SObjectField, SObjectType } from "./emulator-schema.js";

/**
 * How a record's JSON becomes field values, and the field rules a save checks. Two kinds of failure, as
 * Salesforce makes them: a body that cannot be read (an unknown field, a value of the wrong JSON type)
 * fails the whole request with 400; a value that breaks a field's rule (required, length, email format,
 * restricted picklist, numeric range, createable/updateable) fails only that record, inside its result.
 * Sources: https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/field_types.htm (types, lengths,
 * formats), https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_concepts_core_data_objects.htm#i1421192
 * (StatusCode values), https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm.
 */

/** A stored value: text, number or boolean, or null. */
export type StoredValue = string | number | boolean | null;

/** The values of one record from the request, by canonical field name. */
export type RecordValues = Map<string, StoredValue>;

/** A field of `object` named in any case, or undefined. */
export function fieldOf(object: SObjectType, name: string): SObjectField | undefined {
  return object.fields.get(name.toLowerCase());
}

/**
 * Read a record's JSON into field values. Throws a `RequestError` (400 for the whole request) for a field
 * the object does not have or a value the field's type cannot be read from, as Salesforce's JSON reader does.
 */
export function readRecord(object: SObjectType, json: Record<string, unknown>, skip: readonly string[] = ["attributes"]): RecordValues {
  const values: RecordValues = new Map();
  for (const [name, raw] of Object.entries(json)) {
    if (skip.includes(name)) continue;
    const field = fieldOf(object, name);
    if (!field) throw new RequestError(restError(400, "INVALID_FIELD", `No such column '${name}' on sobject of type ${object.name}`));
    values.set(field.name, readValue(field, raw));
  }
  return values;
}

function cannotRead(kind: string, raw: unknown): RequestError {
  const token = typeof raw === "string" ? "VALUE_STRING" : typeof raw === "number" ? "VALUE_NUMBER" : typeof raw === "boolean" ? `VALUE_${String(raw).toUpperCase()}` : Array.isArray(raw) ? "START_ARRAY" : "START_OBJECT";
  const shown = typeof raw === "object" ? (Array.isArray(raw) ? "[" : "{") : String(raw);
  return new RequestError(restError(400, "JSON_PARSER_ERROR", `Cannot deserialize instance of ${kind} from ${token} value ${shown} or request may be missing a required field`));
}

/** One JSON value as the field's type stores it. */
export function readValue(field: SObjectField, raw: unknown): StoredValue {
  if (raw === null || raw === undefined) return null;
  switch (field.type) {
    case "boolean":
      if (typeof raw === "boolean") return raw;
      if (typeof raw === "string" && /^(true|false)$/i.test(raw)) return raw.toLowerCase() === "true";
      throw cannotRead("boolean", raw);
    case "int":
      if (typeof raw === "number" && Number.isInteger(raw)) return raw;
      if (typeof raw === "string" && /^[-+]?\d+$/.test(raw.trim())) return Number(raw.trim());
      throw cannotRead("int", raw);
    case "double":
    case "currency":
    case "percent":
      if (typeof raw === "number" && Number.isFinite(raw)) return raw;
      if (typeof raw === "string" && /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw.trim())) return Number(raw.trim());
      throw cannotRead("double", raw);
    case "date":
      if (typeof raw === "string" && isCalendarDate(raw)) return raw;
      throw cannotRead("date", raw);
    case "datetime": {
      const stored = typeof raw === "string" ? toSalesforceDateTime(raw) : undefined;
      if (stored !== undefined) return stored;
      throw cannotRead("datetime", raw);
    }
    default:
      if (typeof raw === "string") return raw;
      if (typeof raw === "number" || typeof raw === "boolean") return String(raw);
      throw cannotRead("string", raw);
  }
}

/** `YYYY-MM-DD` naming a real calendar day. */
export function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const ms = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === text;
}

/**
 * An ISO 8601 date-time as Salesforce returns it, in UTC: `2026-01-31T09:30:00.000+0000`. A value without
 * an offset is read as UTC. Undefined when it is not a date-time.
 */
export function toSalesforceDateTime(text: string): string | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?))?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(text.trim());
  if (!match || !isCalendarDate(match[1]!)) return undefined;
  const offset = match[3] ? (match[3].toUpperCase() === "Z" ? "Z" : match[3].replace(/^([+-]\d{2})(\d{2})$/, "$1:$2")) : "Z";
  const ms = Date.parse(`${match[1]}T${match[2] ?? "00:00:00"}${offset}`);
  if (Number.isNaN(ms)) return undefined;
  return new Date(ms).toISOString().replace("Z", "+0000");
}

// Salesforce checks addresses against RFC 5322's dot-atom form, at most 80 characters for standard email
// fields: https://help.salesforce.com/s/articleView?id=sf.custom_field_types.htm (Email).
const EMAIL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

/** Whether Salesforce takes `text` as an email address. */
export function isEmailAddress(text: string): boolean {
  const at = text.lastIndexOf("@");
  return EMAIL.test(text) && at <= 64;
}

/** The operation a record is saved by. */
export type SaveKind = "create" | "update";

/** What checking a reference field needs of the org: the key prefixes of objects, and whether a record exists. */
export interface References {
  prefixOf(object: string): string | undefined;
  exists(id: string): boolean;
}

/**
 * The field rules of one record, in the order Salesforce applies them: fields that cannot be set, then
 * each value's own rule, then required fields. Returns the
 * record's errors (empty: the values can be saved), and normalises `values` for storage in place
 * (multi-select values joined, numbers rounded to the field's scale, ids in 18 characters).
 */
export function checkRecord(object: SObjectType, values: RecordValues, kind: SaveKind, references?: References): RecordError[] {
  const errors: RecordError[] = [];
  const locked = [...values.keys()].filter((name) => {
    const field = fieldOf(object, name)!;
    // Id is how an update names its record, not a value it sets.
    if (field.name === "Id") return kind === "create";
    return kind === "create" ? !field.createable : !field.updateable;
  });
  if (locked.length > 0) {
    errors.push({
      statusCode: "INVALID_FIELD_FOR_INSERT_UPDATE",
      message: `Unable to create/update fields: ${locked.join(", ")}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
      fields: locked,
    });
  }
  for (const [name, value] of values) {
    const field = fieldOf(object, name)!;
    if (value === null || locked.includes(field.name) || field.name === "Id") continue;
    const problem = valueProblem(field, value) ?? referenceProblem(field, value, references);
    if (problem) errors.push(problem);
    else values.set(field.name, normalise(field, value));
  }
  const missing: string[] = [];
  for (const field of object.fields.values()) {
    if (field.nillable || !field.createable) continue;
    const given = values.get(field.name);
    const empty = given === null || given === "";
    // Checkboxes are never null: a null sent for one saves false.
    if (field.type === "boolean") {
      if (values.has(field.name) && given === null) values.set(field.name, false);
      continue;
    }
    if (kind === "create" && !field.defaultedOnCreate && (given === undefined || empty)) missing.push(field.name);
    else if (values.has(field.name) && empty) missing.push(field.name);
  }
  if (missing.length > 0) {
    errors.push({ statusCode: "REQUIRED_FIELD_MISSING", message: `Required fields are missing: [${missing.join(", ")}]`, fields: missing });
  }
  return errors;
}

/** The error of one value against its field's rule, or undefined. */
function valueProblem(field: SObjectField, value: StoredValue): RecordError | undefined {
  const fields = [field.name];
  if (typeof value === "string" && field.length > 0 && value.length > field.length) {
    return { statusCode: "STRING_TOO_LONG", message: `${field.label}: data value too large: ${value} (max length=${field.length})`, fields };
  }
  if (field.type === "email" && typeof value === "string" && value !== "" && !isEmailAddress(value)) {
    return { statusCode: "INVALID_EMAIL_ADDRESS", message: `${field.label}: invalid email address: ${value}`, fields };
  }
  if ((field.type === "picklist" || field.type === "multipicklist") && field.restrictedPicklist && typeof value === "string" && value !== "") {
    const chosen = field.type === "multipicklist" ? value.split(";").map((v) => v.trim()) : [value];
    const bad = chosen.find((v) => !field.picklistValues.includes(v));
    if (bad !== undefined) {
      return { statusCode: "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", message: `${field.label}: bad value for restricted picklist field: ${bad}`, fields };
    }
  }
  if (typeof value === "number") {
    const integerDigits = field.type === "int" ? field.digits : field.precision - field.scale;
    if (Math.abs(Math.trunc(value)).toString().replace(/^0$/, "").length > integerDigits) {
      return { statusCode: "NUMBER_OUTSIDE_VALID_RANGE", message: `${field.label}: value outside of valid range on numeric field: ${value}`, fields };
    }
  }
  if ((field.type === "reference" || field.type === "id") && typeof value === "string" && value !== "" && normalizeId(value) === undefined) {
    return { statusCode: "MALFORMED_ID", message: `${field.label}: id value of incorrect type: ${value}`, fields };
  }
  return undefined;
}

/**
 * A reference must hold the id of a record of one of the objects it points to, and that record must
 * exist: https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/field_types.htm#i1435616 (reference).
 */
function referenceProblem(field: SObjectField, value: StoredValue, references: References | undefined): RecordError | undefined {
  if (field.type !== "reference" || typeof value !== "string" || value === "" || !references) return undefined;
  const id = normalizeId(value)!;
  if (!field.referenceTo.some((object) => references.prefixOf(object) === id.slice(0, 3))) {
    return { statusCode: "FIELD_INTEGRITY_EXCEPTION", message: `${field.label}: id value of incorrect type: ${value}`, fields: [field.name] };
  }
  if (!references.exists(id)) return { statusCode: "INVALID_CROSS_REFERENCE_KEY", message: `${field.label}: invalid cross reference id`, fields: [field.name] };
  return undefined;
}

/** A valid value as stored: multi-select values joined with `;` without repeats, numbers at the field's scale, ids in 18 characters. */
function normalise(field: SObjectField, value: StoredValue): StoredValue {
  if (field.type === "multipicklist" && typeof value === "string") {
    return [...new Set(value.split(";").map((v) => v.trim()).filter((v) => v !== ""))].join(";");
  }
  if (typeof value === "number" && field.type !== "int") {
    const factor = 10 ** field.scale;
    return Math.round(value * factor) / factor;
  }
  if ((field.type === "reference" || field.type === "id") && typeof value === "string" && value !== "") return normalizeId(value)!;
  if (value === "" && field.type !== "boolean") return null;
  return value;
}
