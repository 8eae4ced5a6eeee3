import { describe, expect, it } from "vitest";
import type { ReverseEtlConfig, SyncConfig } from "../config/types.js";
import { mappingChangeWarnings, mappingOf, type RecordedMapping } from "./mapping-change.js";
import { defineSync } from "./sync-definition.js";

/** A sync of a one-model config, resolved the way plan and sync resolve it. */
function syncWith(sync: Partial<SyncConfig>) {
  const config = {
    sources: { warehouse: { plugin: "@reverse-etl/source-duckdb" } },
    destinations: { crm: { plugin: "@reverse-etl/destination-hubspot" } },
    models: { customers: { source: "warehouse", primaryKey: "id", sql: "select * from gold.customers" } },
    syncs: {
      customers_to_contacts: {
        model: "customers",
        destination: "crm",
        object: "contacts",
        match: { email: "email" },
        fields: { first_name: "firstname", country: "city" },
        ...sync,
      },
    },
  } as unknown as ReverseEtlConfig;
  return defineSync(config, "customers_to_contacts");
}

const base: RecordedMapping = mappingOf(syncWith({}));
const resent = "every row will be sent again, because a row's fingerprint covers the mapping";

describe("mappingChangeWarnings", () => {
  it("records the object, fields and match a sync runs with", () => {
    expect(base).toEqual({ object: "contacts", fields: { first_name: "firstname", country: "city" }, match: { email: "email" } });
  });

  it("says nothing when no mapping was recorded or the mapping is the same in another order", () => {
    expect(mappingChangeWarnings(undefined, syncWith({ fields: { country: "country" } }))).toEqual([]);
    expect(mappingChangeWarnings(base, syncWith({ fields: { country: "city", first_name: "firstname" } }))).toEqual([]);
  });

  it("names a renamed destination field with its old and new name", () => {
    expect(mappingChangeWarnings(base, syncWith({ fields: { first_name: "firstname", country: "country" } }))).toEqual([
      `mapping changed since the last sync: column "country" now maps to field "country" (was "city"); ${resent}`,
    ]);
  });

  it("names added and removed fields, and a field that now comes from another column", () => {
    const def = syncWith({ fields: { given_name: "firstname", phone: "phone" } });
    expect(mappingChangeWarnings(base, def)).toEqual([
      "mapping changed since the last sync: " +
        'field "firstname" now comes from column "given_name" (was "first_name"); ' +
        'column "phone" is newly mapped to field "phone"; ' +
        'column "country" no longer maps to field "city" (the destination keeps the value last sent); ' +
        resent,
    ]);
  });

  it("names a changed match and a changed object", () => {
    const def = syncWith({ object: "companies", match: { domain: "domain" } });
    expect(mappingChangeWarnings(base, def)).toEqual([
      "mapping changed since the last sync: " +
        'object is now "companies" (was "contacts"); records written to the old object stay there; ' +
        'match is now field "domain" <- column "domain" (was field "email" <- column "email"); ' +
        resent,
    ]);
    expect(mappingChangeWarnings(base, syncWith({ object: undefined, match: undefined }))).toEqual([
      "mapping changed since the last sync: " +
        `object is now the destination's default (was "contacts"); records written to the old object stay there; ` +
        'match is now none (was field "email" <- column "email"); ' +
        resent,
    ]);
  });

  it("says that insert mode does not resend rows synced before", () => {
    expect(mappingChangeWarnings(base, syncWith({ mode: "insert", fields: { first_name: "firstname", country: "country" } }))).toEqual([
      'mapping changed since the last sync: column "country" now maps to field "country" (was "city"); ' +
        "insert mode sends new rows only, so rows synced before are not sent again and keep what the old mapping wrote",
    ]);
  });
});
