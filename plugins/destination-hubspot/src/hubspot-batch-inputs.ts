import type { OutgoingRecord, RecordResult, WriteOperation } from "@reverse-etl/core";
import { convertValue } from "./hubspot-values.js";
import type { PropertyShape } from "./hubspot-values.js";

/** One record converted for a batch request. */
export interface BatchInput {
  /** Position of the record in the write's batch. */
  readonly index: number;
  /** The record's identifier value (upsert, update, delete); absent for creates. */
  readonly id?: string;
  /** The property `id` is a value of: the sync's one `match` field. */
  readonly idProperty?: string;
  /** Property values as HubSpot takes them. */
  readonly properties: Record<string, string>;
}

/**
 * Convert and check each record of a batch. Those that cannot be sent (a value a property cannot take, no
 * usable identifier, an identifier another record of the batch already has) get their rejection in
 * `results` at their position and are left out; the others are returned.
 */
export function batchInputs(
  operation: WriteOperation,
  records: readonly OutgoingRecord[],
  shapes: ReadonlyMap<string, PropertyShape>,
  objectType: string,
  results: Array<RecordResult | undefined>,
): BatchInput[] {
  const inputs: BatchInput[] = [];
  const seen = new Map<string, number>();
  for (const [index, record] of records.entries()) {
    const prepared = prepare(operation, record, shapes, objectType);
    if ("message" in prepared) {
      results[index] = { status: "rejected", message: prepared.message };
      continue;
    }
    if (prepared.id !== undefined) {
      const key = identifierKey(prepared.idProperty, prepared.id);
      if (seen.has(key)) {
        results[index] = {
          status: "rejected",
          message: `[reverse-etl] [hubspot] ${prepared.idProperty} ${JSON.stringify(prepared.id)} is also the identifier of row ${records[seen.get(key)!].key} of the same batch; HubSpot refuses duplicate ids in one request, and two rows cannot be the same record.`,
        };
        continue;
      }
      seen.set(key, index);
    }
    inputs.push({ index, ...prepared });
  }
  return inputs;
}

/**
 * An identifier as HubSpot compares it: emails in lower case, since HubSpot stores a contact's email in
 * lower case and finds it whatever the case (https://developers.hubspot.com/docs/guides/api/crm/objects/contacts).
 */
export function identifierKey(idProperty: string | undefined, id: string): string {
  return idProperty === "email" ? id.toLowerCase() : id;
}

/** Properties and id of one record, or why it cannot be sent. */
function prepare(
  operation: WriteOperation,
  record: OutgoingRecord,
  shapes: ReadonlyMap<string, PropertyShape>,
  objectType: string,
): { id?: string; idProperty?: string; properties: Record<string, string> } | { message: string } {
  const matchEntries = Object.entries(record.match);
  const properties: Record<string, string> = {};
  const values = operation === "insert" ? [...matchEntries, ...Object.entries(record.fields)] : Object.entries(record.fields);
  for (const [name, value] of values) {
    const converted = convertValue(value, shapes.get(name));
    if (!converted.ok) return { message: `[reverse-etl] [hubspot] ${converted.message}; fix the model or the property in HubSpot.` };
    properties[name] = converted.value;
  }
  if (operation === "insert") return { properties };
  if (matchEntries.length !== 1) {
    return { message: `[reverse-etl] [hubspot] ${operation} needs exactly one match field (a unique property of ${objectType}, e.g. email); this sync has ${matchEntries.length}.` };
  }
  const [[idProperty, idValue]] = matchEntries;
  if (idValue === null || idValue === "" || typeof idValue === "object") {
    return { message: `[reverse-etl] [hubspot] the match value for ${idProperty} is empty or not a single value, so no ${objectType} record can be found by it.` };
  }
  return { id: String(idValue), idProperty, properties };
}
