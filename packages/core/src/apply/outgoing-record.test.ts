import { describe, expect, it } from "vitest";
import type { SyncDefinition } from "../plan/sync-definition.js";
import { outgoingRecord, type PendingRow } from "./outgoing-record.js";

// Only the members outgoingRecord reads: a sync keyed by (region, id) that sends `name`.
const definition = {
  keyColumns: ["region", "id"],
  fields: [["name", "name"]],
  match: [],
  optionColumns: [],
} as unknown as SyncDefinition;

const pending = (row: Partial<PendingRow>): PendingRow => ({
  _retl_seq: 1,
  _retl_op: "w",
  _retl_key: '{"id":1,"region":"us"}',
  _retl_key_value: '{"id":1,"region":"us"}',
  _retl_state_values: null,
  ...row,
});

describe("outgoingRecord", () => {
  it("gives a composite key in the model's key order for an upsert and for a delete, whatever order the warehouse's JSON has", () => {
    const upsert = outgoingRecord(definition, pending({ region: "us", id: 1, name: "us one" }));
    // Snowflake's OBJECT_CONSTRUCT sorts its keys: the delete's key JSON arrives as {"id":..,"region":..}.
    const deleted = outgoingRecord(definition, pending({ _retl_op: "d", _retl_state_values: '{"name":"us one"}' }));
    expect(Object.keys(upsert.keyValue as object)).toEqual(["region", "id"]);
    expect(Object.keys(deleted.keyValue as object)).toEqual(["region", "id"]);
    expect(JSON.stringify(deleted.keyValue)).toBe(JSON.stringify(upsert.keyValue));
    expect(deleted).toMatchObject({ key: '{"id":1,"region":"us"}', fields: {} });
  });

  it("gives a single-column key as its value for a delete", () => {
    const single = { ...definition, keyColumns: ["id"] } as SyncDefinition;
    const deleted = outgoingRecord(single, pending({ _retl_op: "d", _retl_key: "7", _retl_key_value: '{"id":7}' }));
    expect(deleted.keyValue).toBe(7);
  });
});
