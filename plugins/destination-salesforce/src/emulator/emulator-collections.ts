import type { EmulatorResponse, RecordError } from "./emulator-errors.js";
import { RequestError, restError } from "./emulator-errors.js";
import type { RecordValues } from "./emulator-field-rules.js";
import { checkRecord, fieldOf, readRecord } from "./emulator-field-rules.js";
import { normalizeId } from "./emulator-ids.js";
import type { EmulatorOrg, StoredRecord } from "./emulator-org.js";
import type { SObjectType } from "./emulator-schema.js";

/**
 * sObject Collections: create, update, upsert by external id and delete of up to 200 records a request,
 * with `allOrNone`. Sources:
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_create.htm,
 * .../resources_composite_sobjects_collections_update.htm, .../resources_composite_sobjects_collections_upsert.htm,
 * .../resources_composite_sobjects_collections_delete.htm, and
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/requests_composite_allornone.htm (allOrNone).
 */

/** Records one request may carry: "The list can contain up to 200 objects." */
export const MAX_COLLECTION_RECORDS = 200;
/** "A single request can process up to 10 chunks" (runs of records of one type) in a create. */
const MAX_CHUNKS = 10;

/** What a collections request needs beside the org. */
export interface CollectionsContext {
  readonly org: EmulatorOrg;
  /** True when an injected UNABLE_TO_LOCK_ROW fault takes this record (test faults). */
  readonly lockFault: () => boolean;
}

/** A record's result (SaveResult, UpsertResult). */
export type Result = { id?: string; success: boolean; errors: RecordError[]; created?: boolean };
type Undo = () => void;

const ROLLED_BACK: RecordError = {
  statusCode: "ALL_OR_NONE_OPERATION_ROLLED_BACK",
  message: "Record rolled back because not all records were valid and the request was using AllOrNone header",
  fields: [],
};

/** Answer a request under `/composite/sobjects`. `rest` is the path after it. */
export function handleCollections(ctx: CollectionsContext, method: string, rest: readonly string[], query: URLSearchParams, body: unknown): EmulatorResponse {
  try {
    if (method === "DELETE" && rest.length === 0) return remove(ctx, query);
    const { records, allOrNone } = readBody(body);
    if (method === "POST" && rest.length === 0) return create(ctx, records, allOrNone);
    if (method === "PATCH" && rest.length === 0) return update(ctx, records, allOrNone);
    if (method === "PATCH" && rest.length === 2) return upsert(ctx, rest[0]!, rest[1]!, records, allOrNone);
    return restError(405, "METHOD_NOT_ALLOWED", `HTTP Method '${method}' not allowed. Allowed are DELETE,PATCH,POST`);
  } catch (error) {
    if (error instanceof RequestError) return error.response;
    throw error;
  }
}

function readBody(body: unknown): { records: Array<Record<string, unknown>>; allOrNone: boolean } {
  const input = body as { records?: unknown; allOrNone?: unknown } | undefined;
  if (!input || !Array.isArray(input.records)) {
    throw new RequestError(restError(400, "JSON_PARSER_ERROR", "The request body must be {\"allOrNone\": ..., \"records\": [...]}"));
  }
  tooMany(input.records.length);
  for (const record of input.records) {
    const type = (record as { attributes?: { type?: unknown } } | null)?.attributes?.type;
    if (typeof record !== "object" || record === null || typeof type !== "string") {
      throw new RequestError(restError(400, "INVALID_TYPE", "Each record needs an attributes map with its type, e.g. \"attributes\": {\"type\": \"Account\"}"));
    }
  }
  return { records: input.records as Array<Record<string, unknown>>, allOrNone: input.allOrNone === true };
}

function tooMany(count: number): void {
  if (count > MAX_COLLECTION_RECORDS) {
    throw new RequestError(restError(400, "EXCEEDED_ID_LIMIT", `record limit reached. cannot submit more than ${MAX_COLLECTION_RECORDS} records into this call`));
  }
}

function typeOf(ctx: CollectionsContext, record: Record<string, unknown>): SObjectType {
  const name = (record.attributes as { type: string }).type;
  const object = ctx.org.object(name);
  if (!object) throw new RequestError(restError(400, "INVALID_TYPE", `sObject type '${name}' is not supported.`));
  return object;
}

/** Results of a request: with allOrNone, one failure rolls every change back. */
function finish(results: Result[], undos: Undo[], allOrNone: boolean): EmulatorResponse {
  if (allOrNone && results.some((r) => !r.success)) {
    for (const undo of undos.reverse()) undo();
    return { status: 200, body: results.map((r) => (r.success ? { ...(r.id ? { id: r.id } : {}), success: false, errors: [ROLLED_BACK] } : r)) };
  }
  return { status: 200, body: results };
}

/** UNABLE_TO_LOCK_ROW: another transaction holds the record. */
export function lockError(id = ""): RecordError {
  return { statusCode: "UNABLE_TO_LOCK_ROW", message: `unable to obtain exclusive access to this record or 1 records: ${id}`, fields: [] };
}

function create(ctx: CollectionsContext, records: Array<Record<string, unknown>>, allOrNone: boolean): EmulatorResponse {
  let chunks = 0;
  let last: string | undefined;
  const read = records.map((record) => {
    const object = typeOf(ctx, record);
    if (object.name !== last) chunks++;
    last = object.name;
    return { object, values: readRecord(object, record) };
  });
  if (chunks > MAX_CHUNKS) throw new RequestError(restError(400, "INVALID_BATCH_REQUEST", `The request contains ${chunks} chunks of record types; at most ${MAX_CHUNKS} are allowed`));
  const results: Result[] = [];
  const undos: Undo[] = [];
  for (const { object, values } of read) {
    if (values.has("Id")) {
      results.push({ success: false, errors: [{ statusCode: "INVALID_FIELD", message: "cannot specify Id in an insert call", fields: ["Id"] }] });
      continue;
    }
    const saved = saveRecord(ctx, object, values, undefined, undos);
    results.push(saved);
  }
  return finish(results, undos, allOrNone);
}

function update(ctx: CollectionsContext, records: Array<Record<string, unknown>>, allOrNone: boolean): EmulatorResponse {
  // Every record is read before any is saved: a body that cannot be read changes nothing.
  const read = records.map((record) => {
    const object = typeOf(ctx, record);
    return { object, values: readRecord(object, record) };
  });
  const results: Result[] = [];
  const undos: Undo[] = [];
  const seen = new Set<string>();
  for (const { object, values } of read) {
    const rawId = values.get("Id");
    if (typeof rawId !== "string" || rawId === "") {
      results.push({ success: false, errors: [{ statusCode: "MISSING_ARGUMENT", message: "Id not specified in an update call", fields: [] }] });
      continue;
    }
    const found = findById(ctx.org, object, rawId);
    if ("error" in found) {
      results.push({ id: rawId, success: false, errors: [found.error] });
      continue;
    }
    if (seen.has(found.record.id)) {
      results.push({ id: found.record.id, success: false, errors: [{ statusCode: "INVALID_FIELD", message: `Duplicate id in list: ${found.record.id}`, fields: [] }] });
      continue;
    }
    seen.add(found.record.id);
    results.push(saveRecord(ctx, object, values, found.record, undos));
  }
  return finish(results, undos, allOrNone);
}

function upsert(ctx: CollectionsContext, objectName: string, fieldName: string, records: Array<Record<string, unknown>>, allOrNone: boolean): EmulatorResponse {
  const object = ctx.org.object(objectName);
  if (!object) return restError(404, "NOT_FOUND", "The requested resource does not exist");
  const field = fieldOf(object, fieldName);
  if (!field || (!field.externalId && field.name !== "Id")) {
    return restError(404, "NOT_FOUND", `Provided external ID field does not exist or is not accessible: ${fieldName}`);
  }
  const read = records.map((record) => {
    if (typeOf(ctx, record).name !== object.name) {
      throw new RequestError(restError(400, "INVALID_TYPE", `The records must all be of the type in the request URI (${object.name})`));
    }
    return readRecord(object, record);
  });
  // Every record sharing an external id value with another of the same request fails.
  const counts = new Map<string, number>();
  for (const values of read) {
    const value = values.get(field.name);
    if (value !== null && value !== undefined) counts.set(keyText(value, field.caseSensitive), (counts.get(keyText(value, field.caseSensitive)) ?? 0) + 1);
  }
  const results: Result[] = [];
  const undos: Undo[] = [];
  for (const values of read) {
    const value = values.get(field.name);
    if (value === null || value === undefined || value === "") {
      if (field.name === "Id") {
        results.push({ ...saveRecord(ctx, object, values, undefined, undos), created: true });
        continue;
      }
      results.push({ success: false, errors: [{ statusCode: "MISSING_ARGUMENT", message: `${field.name} not specified`, fields: [] }] });
      continue;
    }
    if ((counts.get(keyText(value, field.caseSensitive)) ?? 0) > 1) {
      results.push({ success: false, errors: [{ statusCode: "DUPLICATE_EXTERNAL_ID", message: `Duplicate external id specified: ${value}`, fields: [field.name] }] });
      continue;
    }
    const matches = ctx.org.findBy(object, field, field.name === "Id" ? (normalizeId(String(value)) ?? String(value)) : value);
    if (matches.length > 1) {
      const ids = matches.map((r) => r.id).join(", ");
      results.push({ success: false, errors: [{ statusCode: "DUPLICATE_EXTERNAL_ID", message: `${field.name}: more than one record found for external id field: [${ids}]`, fields: [field.name] }] });
      continue;
    }
    if (matches.length === 0 && field.name === "Id") {
      results.push({ success: false, errors: [{ statusCode: "NOT_FOUND", message: `Provided external ID field does not exist or is not accessible: ${value}`, fields: [] }] });
      continue;
    }
    const existing = matches[0];
    // The matched value is how the record is found, not a change: it is not checked as an update of the field.
    if (existing) values.delete(field.name);
    const saved = saveRecord(ctx, object, values, existing, undos);
    results.push({ ...saved, created: saved.success ? existing === undefined : false });
  }
  return finish(results, undos, allOrNone);
}

/**
 * Check and save one record (create without `existing`, update with it), recording how to undo it. The
 * save of sObject Collections, single-record calls and Bulk API jobs alike.
 */
export function saveRecord(ctx: CollectionsContext, object: SObjectType, values: RecordValues, existing: StoredRecord | undefined, undos: Undo[] = []): Result {
  if (ctx.lockFault()) return { ...(existing ? { id: existing.id } : {}), success: false, errors: [lockError(existing?.id)] };
  values.delete("Id");
  const errors = checkRecord(object, values, existing ? "update" : "create", ctx.org.references);
  if (errors.length === 0) errors.push(...ctx.org.duplicates(object, values, existing?.id));
  if (errors.length > 0) return { ...(existing ? { id: existing.id } : {}), success: false, errors };
  if (existing) {
    const before = ctx.org.update(object, existing, values);
    undos.push(() => ctx.org.restore(object, existing, before));
    return { id: existing.id, success: true, errors: [] };
  }
  const record = ctx.org.create(object, values);
  undos.push(() => ctx.org.undo(object, record, "create"));
  return { id: record.id, success: true, errors: [] };
}

/** A live record of `object` by id, or the error Salesforce gives for that id. */
export function findById(org: EmulatorOrg, object: SObjectType | undefined, rawId: string): { record: StoredRecord; object: SObjectType } | { error: RecordError } {
  const id = normalizeId(rawId);
  if (!id) return { error: { statusCode: "MALFORMED_ID", message: `${object ? `${object.label} ID` : "Record ID"}: id value of incorrect type: ${rawId}`, fields: ["Id"] } };
  const owner = org.objectOfId(id);
  const record = owner && (!object || owner === object) ? org.get(owner, id) : undefined;
  if (record && owner) return { record, object: owner };
  if (org.isDeleted(id)) return { error: { statusCode: "ENTITY_IS_DELETED", message: "entity is deleted", fields: [] } };
  return { error: { statusCode: "INVALID_CROSS_REFERENCE_KEY", message: "invalid cross reference id", fields: [] } };
}

function remove(ctx: CollectionsContext, query: URLSearchParams): EmulatorResponse {
  const ids = (query.get("ids") ?? "").split(",").map((id) => id.trim()).filter((id) => id !== "");
  if (ids.length === 0) return restError(400, "MISSING_ARGUMENT", "ids parameter is required");
  tooMany(ids.length);
  const allOrNone = query.get("allOrNone") === "true";
  const results: Result[] = [];
  const undos: Undo[] = [];
  for (const rawId of ids) {
    const found = findById(ctx.org, undefined, rawId);
    if ("error" in found) {
      const error = found.error.statusCode === "MALFORMED_ID" ? { statusCode: "MALFORMED_ID", message: `malformed id ${rawId}`, fields: [] } : found.error;
      results.push({ id: rawId, success: false, errors: [error] });
      continue;
    }
    if (ctx.lockFault()) {
      results.push({ id: found.record.id, success: false, errors: [lockError(found.record.id)] });
      continue;
    }
    ctx.org.delete(found.object, found.record);
    undos.push(() => ctx.org.undo(found.object, found.record, "delete"));
    results.push({ id: found.record.id, success: true, errors: [] });
  }
  return finish(results, undos, allOrNone);
}

function keyText(value: unknown, caseSensitive: boolean): string {
  const text = String(value);
  return caseSensitive ? text : text.toLowerCase();
}
