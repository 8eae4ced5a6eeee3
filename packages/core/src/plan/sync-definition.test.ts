import { describe, expect, it } from "vitest";
import { checkMapping } from "../project/check-mapping.js";
import type { ColumnInfo } from "../plugins/source.js";
import { defineSync, modelColumn, withModelColumns } from "./sync-definition.js";
import type { ReverseEtlConfig } from "../config/types.js";

const config = {
  sources: { w: { plugin: "x" } },
  destinations: { d: { plugin: "y" } },
  models: { people: { source: "w", primaryKey: "id", sql: "select id, email, \"Name\" from people" } },
  syncs: { s: { model: "people", destination: "d", fields: { email: "Email", Name: "name" } } },
} as unknown as ReverseEtlConfig;

const column = (name: string, type = "VARCHAR"): ColumnInfo => ({ name, type, kind: "text" });

describe("model column names the config writes in another case", () => {
  it("resolve to the one column they match ignoring case; SQL reads the model's name, the rest keeps the config's", () => {
    const def = withModelColumns(defineSync(config, "s"), [column("ID", "NUMBER(38,0)"), column("EMAIL"), column("Name")]);
    expect(def.modelColumns).toEqual({ id: "ID", email: "EMAIL" });
    expect([modelColumn(def, "id"), modelColumn(def, "email"), modelColumn(def, "Name")]).toEqual(["ID", "EMAIL", "Name"]);
    expect(def.columnTypes).toMatchObject({ id: "NUMBER(38,0)", ID: "NUMBER(38,0)", email: "VARCHAR" });
    expect(def.keyColumns).toEqual(["id"]);
    expect(checkMapping(def, [column("ID"), column("EMAIL"), column("Name")], undefined, undefined)).toEqual([]);
  });

  it("an exact match wins over a case-insensitive one, and a name matching several columns only by case is reported with them", () => {
    const columns = [column("id"), column("ID"), column("Email"), column("EMAIL"), column("Name")];
    const def = withModelColumns(defineSync(config, "s"), columns);
    expect(modelColumn(def, "id")).toBe("id");
    expect(checkMapping(def, columns, undefined, undefined)).toEqual([
      {
        path: "/syncs/s/fields/email",
        message: 'column "email" is not in model "people", and ignoring case it matches "Email", "EMAIL": write the one meant with its exact case',
      },
    ]);
  });
});
