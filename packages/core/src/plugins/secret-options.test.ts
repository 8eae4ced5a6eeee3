import { describe, expect, it } from "vitest";
import { secretOptionValues } from "./secret-options.js";

describe("secretOptionValues", () => {
  const schema = {
    type: "object",
    properties: {
      token: { type: "string", secret: true },
      name: { type: "string" },
      keys: { type: "array", items: { type: "string" }, secret: true },
      headers: { type: "object", patternProperties: { "[Aa]uth": { type: "string", secret: true } }, additionalProperties: { type: "string" } },
      nested: { type: "object", properties: { password: { type: "string", secret: true } } },
    },
  };

  it("finds the values of options marked secret: true, with their JSON paths", () => {
    const found = secretOptionValues(
      schema,
      { token: "t0ken", name: "crm", keys: ["k1", "k2"], headers: { Authorization: "Bearer x", "Content-Type": "json" }, nested: { password: "pw" } },
      "/destinations/crm",
    );
    expect(found).toEqual([
      { path: "/destinations/crm/token", value: "t0ken" },
      { path: "/destinations/crm/keys/0", value: "k1" },
      { path: "/destinations/crm/keys/1", value: "k2" },
      { path: "/destinations/crm/headers/Authorization", value: "Bearer x" },
      { path: "/destinations/crm/nested/password", value: "pw" },
    ]);
  });

  it("follows the branches of anyOf and finds nothing where nothing is marked", () => {
    expect(secretOptionValues({ anyOf: [schema, { type: "object" }] }, { token: "abcd" }, "")).toEqual([{ path: "/token", value: "abcd" }]);
    expect(secretOptionValues({ type: "object", properties: { url: { type: "string" } } }, { url: "https://x" }, "")).toEqual([]);
  });
});
