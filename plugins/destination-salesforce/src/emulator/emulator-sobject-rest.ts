import type { EmulatorResponse } from "./emulator-errors.js";
import { notFound, RequestError, restError } from "./emulator-errors.js";
import { checkRecord, fieldOf, readRecord } from "./emulator-field-rules.js";
import { normalizeId } from "./emulator-ids.js";
import type { EmulatorOrg, StoredRecord } from "./emulator-org.js";
import type { SObjectType } from "./emulator-schema.js";
import { describeObject, objectSummary } from "./emulator-describe.js";

/**
 * The sObject resources: global describe, an object's basic information and describe, and one record's
 * create, read, update, upsert by external id and delete. Sources:
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_describeGlobal.htm,
 * .../resources_sobject_basic_info.htm, .../resources_sobject_describe.htm, .../resources_sobject_retrieve.htm,
 * .../dome_upsert.htm (201 when created, 200 when updated from API 46.0, 300 when several records match).
 */

/** Answer `/sobjects[/...]`; `rest` is the path after `sobjects`. */
export function handleSObjects(org: EmulatorOrg, version: string, method: string, rest: readonly string[], body: unknown): EmulatorResponse {
  try {
    return route(org, version, method, rest, body);
  } catch (error) {
    if (error instanceof RequestError) return error.response;
    throw error;
  }
}

function route(org: EmulatorOrg, version: string, method: string, rest: readonly string[], body: unknown): EmulatorResponse {
  if (rest.length === 0) {
    if (method !== "GET") return notAllowed(method, "GET");
    return { status: 200, body: { encoding: "UTF-8", maxBatchSize: 200, sobjects: org.objects.map((o) => objectSummary(o, version)) } };
  }
  const object = org.object(rest[0]!);
  if (!object) return notFound();
  if (rest.length === 1) {
    if (method === "GET") return { status: 200, body: { objectDescribe: objectSummary(object, version), recentItems: [] } };
    if (method === "POST") return createOne(org, object, body);
    return notAllowed(method, "GET, POST");
  }
  if (rest.length === 2 && rest[1] === "describe") {
    return method === "GET" ? { status: 200, body: describeObject(object, version) } : notAllowed(method, "GET");
  }
  if (rest.length === 2) return recordById(org, version, object, method, rest[1]!, body);
  if (rest.length === 3) return byExternalId(org, version, object, method, rest[1]!, rest[2]!, body);
  return notFound();
}

function notAllowed(method: string, allowed: string): EmulatorResponse {
  return restError(405, "METHOD_NOT_ALLOWED", `HTTP Method '${method}' not allowed. Allowed are ${allowed}`);
}

/** A record's errors as a REST error answer (single-record calls answer 400 with them). */
function recordErrors(errors: ReadonlyArray<{ statusCode: string; message: string; fields: readonly string[] }>): EmulatorResponse {
  return { status: 400, body: errors.map((e) => ({ message: e.message, errorCode: e.statusCode, fields: e.fields })) };
}

function createOne(org: EmulatorOrg, object: SObjectType, body: unknown): EmulatorResponse {
  const values = readRecord(object, (body ?? {}) as Record<string, unknown>);
  if (values.has("Id")) return recordErrors([{ statusCode: "INVALID_FIELD", message: "cannot specify Id in an insert call", fields: ["Id"] }]);
  const errors = checkRecord(object, values, "create", org.references);
  if (errors.length === 0) errors.push(...org.duplicates(object, values));
  if (errors.length > 0) return recordErrors(errors);
  return { status: 201, body: { id: org.create(object, values).id, success: true, errors: [] } };
}

function view(version: string, object: SObjectType, record: StoredRecord): Record<string, unknown> {
  const out: Record<string, unknown> = { attributes: { type: object.name, url: `/services/data/v${version}/sobjects/${object.name}/${record.id}` } };
  for (const field of object.fields.values()) out[field.name] = record.values.get(field.name) ?? null;
  return out;
}

function recordById(org: EmulatorOrg, version: string, object: SObjectType, method: string, rawId: string, body: unknown): EmulatorResponse {
  const id = normalizeId(rawId);
  const record = id && org.objectOfId(id) === object ? org.get(object, id) : undefined;
  if (!record) {
    if (id && org.isDeleted(id)) return restError(404, "ENTITY_IS_DELETED", "entity is deleted");
    return restError(404, "NOT_FOUND", "The requested resource does not exist");
  }
  if (method === "GET") return { status: 200, body: view(version, object, record) };
  if (method === "DELETE") {
    org.delete(object, record);
    return { status: 204 };
  }
  if (method === "PATCH") {
    const values = readRecord(object, (body ?? {}) as Record<string, unknown>);
    values.delete("Id");
    const errors = checkRecord(object, values, "update", org.references);
    if (errors.length === 0) errors.push(...org.duplicates(object, values, record.id));
    if (errors.length > 0) return recordErrors(errors);
    org.update(object, record, values);
    return { status: 204 };
  }
  return notAllowed(method, "GET, PATCH, DELETE");
}

function byExternalId(org: EmulatorOrg, version: string, object: SObjectType, method: string, fieldName: string, value: string, body: unknown): EmulatorResponse {
  const field = fieldOf(object, fieldName);
  if (!field || (!field.externalId && field.name !== "Id")) {
    return restError(404, "NOT_FOUND", `Provided external ID field does not exist or is not accessible: ${fieldName}`);
  }
  const matches = org.findBy(object, field, field.type === "int" || field.type === "double" ? Number(value) : value);
  if (matches.length > 1) {
    return { status: 300, body: matches.map((r) => `/services/data/v${version}/sobjects/${object.name}/${r.id}`) };
  }
  const existing = matches[0];
  if (method === "GET") return existing ? { status: 200, body: view(version, object, existing) } : notFound();
  if (method === "DELETE") {
    if (!existing) return notFound();
    org.delete(object, existing);
    return { status: 204 };
  }
  if (method !== "PATCH") return notAllowed(method, "GET, PATCH, DELETE");
  const values = readRecord(object, (body ?? {}) as Record<string, unknown>);
  // The external id is in the URL; the body must not set it to something else.
  values.delete(field.name);
  if (!existing) values.set(field.name, field.type === "int" || field.type === "double" ? Number(value) : value);
  const errors = checkRecord(object, values, existing ? "update" : "create", org.references);
  if (errors.length === 0) errors.push(...org.duplicates(object, values, existing?.id));
  if (errors.length > 0) return recordErrors(errors);
  if (existing) {
    org.update(object, existing, values);
    // Before API 46.0 an update by external id answered 204 without a body.
    if (Number(version) < 46) return { status: 204 };
    return { status: 200, body: { id: existing.id, success: true, errors: [], created: false } };
  }
  return { status: 201, body: { id: org.create(object, values).id, success: true, errors: [], created: true } };
}
