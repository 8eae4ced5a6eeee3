import { describe, expect, it } from "vitest";
import type { ReverseEtlConfig, SyncMode } from "../config/types.js";
import type { ObjectDescription } from "../plugins/destination.js";
import { defineSync } from "../plan/sync-definition.js";
import { checkMapping } from "./check-mapping.js";

function config(mode: SyncMode, fields: Record<string, string>, match?: Record<string, string>): ReverseEtlConfig {
  return {
    sources: { warehouse: { plugin: "@reverse-etl/source-duckdb" } },
    destinations: { crm: { plugin: "crm" } },
    models: { people: { source: "warehouse", primaryKey: "id", sql: "select 1" } },
    syncs: { people: { model: "people", destination: "crm", object: "Contact", mode, fields, ...(match ? { match } : {}) } },
  };
}

const columns = ["id", "ext", "last", "first"].map((name) => ({ name, type: "VARCHAR", kind: "text" as const }));
const contact: ObjectDescription = {
  object: "Contact",
  fields: [{ name: "LastName", type: "string", required: true }, { name: "FirstName", type: "string" }, { name: "Ext__c", type: "string" }],
  identifiers: ["Ext__c"],
};

describe("checkMapping: required fields", () => {
  it("asks syncs that create records to map every required field", () => {
    for (const mode of ["insert", "upsert", "mirror"] as const) {
      const def = defineSync(config(mode, { first: "FirstName" }, { Ext__c: "ext" }), "people");
      expect(checkMapping(def, columns, contact, undefined)).toEqual([
        { path: "/syncs/people/fields", message: `field "LastName" of object "Contact" is required to create records, and mode "${mode}" creates them; map a column to it` },
      ]);
    }
  });

  it("is satisfied by a mapped field or a match field, and asks nothing of updates", () => {
    expect(checkMapping(defineSync(config("upsert", { last: "LastName" }, { Ext__c: "ext" }), "people"), columns, contact, undefined)).toEqual([]);
    const byMatch = { ...contact, identifiers: ["LastName"] };
    expect(checkMapping(defineSync(config("upsert", { first: "FirstName" }, { LastName: "last" }), "people"), columns, byMatch, undefined)).toEqual([]);
    expect(checkMapping(defineSync(config("update", { first: "FirstName" }, { Ext__c: "ext" }), "people"), columns, contact, undefined)).toEqual([]);
  });
});
