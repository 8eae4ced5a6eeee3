import type { FieldValue, OutgoingRecord } from "../plugins/destination.js";
import { toFieldValue } from "../values/field-value.js";
import type { SyncDefinition } from "../plan/sync-definition.js";

/** A row of a run's snapshot table, as streamed back from the warehouse. */
export type PendingRow = Record<string, unknown> & {
  _retl_seq: number | bigint | string;
  _retl_op: "w" | "d";
  _retl_key: string;
  _retl_key_value: string;
  _retl_state_values: string | null;
};

/** Build the record a destination receives from a snapshot row. */
export function outgoingRecord(def: SyncDefinition, row: PendingRow): OutgoingRecord {
  if (row._retl_op === "d") {
    // The row left the model: identify it by what was last delivered.
    const previous = row._retl_state_values ? (JSON.parse(row._retl_state_values) as Record<string, FieldValue>) : {};
    const keyObject = JSON.parse(row._retl_key_value) as Record<string, FieldValue>;
    const match: Record<string, FieldValue> = {};
    for (const [field, column] of def.match) match[field] = previous[column] ?? null;
    // The key's JSON comes from the warehouse, whose objects need not keep their keys in order (Snowflake
    // sorts them): rebuild it in the model's key order, as an upsert's key is, so both name a row alike.
    const key: Record<string, FieldValue> = {};
    for (const column of def.keyColumns) key[column] = keyObject[column] ?? null;
    return {
      key: row._retl_key,
      keyValue: def.keyColumns.length === 1 ? key[def.keyColumns[0]!]! : key,
      match,
      fields: {},
      ...optionValuesOf(def, (column) => previous[column] ?? null),
    };
  }
  let keyValue: FieldValue;
  if (def.keyColumns.length === 1) {
    keyValue = toFieldValue(row[def.keyColumns[0]!]);
  } else {
    const key: Record<string, FieldValue> = {};
    for (const column of def.keyColumns) key[column] = toFieldValue(row[column]);
    keyValue = key;
  }
  const match: Record<string, FieldValue> = {};
  for (const [field, column] of def.match) match[field] = toFieldValue(row[column]);
  const fields: Record<string, FieldValue> = {};
  for (const [column, field] of def.fields) fields[field] = toFieldValue(row[column]);
  return { key: row._retl_key, keyValue, match, fields, ...optionValuesOf(def, (column) => toFieldValue(row[column])) };
}

/** `{ optionValues }` for a sync whose options name columns, else nothing (the member stays absent). */
function optionValuesOf(def: SyncDefinition, valueOf: (column: string) => FieldValue): { optionValues?: Record<string, FieldValue> } {
  if (def.optionColumns.length === 0) return {};
  const optionValues: Record<string, FieldValue> = {};
  for (const [option, column] of def.optionColumns) optionValues[option] = valueOf(column);
  return { optionValues };
}
