import { describe, expect, it } from "vitest";
import { secrets } from "../secrets/redactor.js";
import { checkConfigDocument, validateConfigDocument } from "./validate-config.js";

const valid = () => ({
  sources: { warehouse: { plugin: "@reverse-etl/source-duckdb", path: "w.duckdb" } },
  destinations: { out: { plugin: "@reverse-etl/destination-file", path: "out.jsonl", token: { $env: "RETL_UNIT_TOKEN" } } },
  models: { customers: { source: "warehouse", sql: "select id from t", primaryKey: ["id"] } },
  syncs: { to_file: { model: "customers", destination: "out", mode: "mirror", maxDeleteShare: 0.2, fields: { id: "id" } } },
});

describe("validateConfigDocument", () => {
  it("accepts a valid document and resolves env references, registering them as secrets", () => {
    const check = checkConfigDocument(valid(), "reverse-etl.config.json", { RETL_UNIT_TOKEN: "unit-secret-value" });
    expect(check.issues).toEqual([]);
    expect(check.config.destinations.out.token).toBe("unit-secret-value");
    expect(secrets.redact("x unit-secret-value y")).toBe("x *** y");
  });

  it("names an unset variable at its JSON path with how to set it", () => {
    const { issues } = checkConfigDocument(valid(), undefined, {});
    expect(issues).toEqual([
      {
        path: "/destinations/out/token",
        message: "environment variable RETL_UNIT_TOKEN is not set; export it (e.g. RETL_UNIT_TOKEN=... reverse-etl ...) or put it in your CI secrets",
      },
    ]);
  });

  it("defaults the state source to the only source but requires it when there are several", () => {
    const doc = valid();
    expect(checkConfigDocument(doc, undefined, { RETL_UNIT_TOKEN: "abcd" }).issues).toEqual([]);
    const two = { ...doc, sources: { ...doc.sources, lake: { plugin: "@reverse-etl/source-duckdb" } } };
    expect(checkConfigDocument(two, undefined, { RETL_UNIT_TOKEN: "abcd" }).issues.map((i) => i.path)).toEqual(["/state/source"]);
    const named = { ...two, state: { source: "lakee" } };
    expect(checkConfigDocument(named, undefined, { RETL_UNIT_TOKEN: "abcd" }).issues).toEqual([
      { path: "/state/source", message: 'source "lakee" does not exist; did you mean "lake"?' },
    ]);
  });

  it("reports a module config without a default export, and a non-object document", () => {
    expect(validateConfigDocument(undefined, "/p/reverse-etl.config.ts")[0].message).toContain("has no default export");
    expect(validateConfigDocument([1, 2], "/p/reverse-etl.config.yaml")[0].message).toContain("is empty or not an object");
  });

  it("lists allowed keys when no name is close, and types clearly", () => {
    const doc = { ...valid(), extras: true, models: { customers: { source: "warehouse", sql: 1, primaryKey: "id" } } };
    expect(checkConfigDocument(doc, undefined, { RETL_UNIT_TOKEN: "abcd" }).issues).toEqual([
      { path: "/extras", message: 'unknown property "extras"; allowed: $schema, state, sources, destinations, models, syncs, alerts, scheduler' },
      { path: "/models/customers/sql", message: "must be a string; got an integer" },
    ]);
  });
});
