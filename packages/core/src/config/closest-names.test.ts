import { describe, expect, it } from "vitest";
import { closestNames, didYouMean } from "./closest-names.js";

describe("closestNames", () => {
  it("finds a transposed key as one edit away", () => {
    expect(closestNames("feilds", ["model", "fields", "match", "mode"])).toEqual(["fields"]);
  });

  it("ignores case and ranks the nearest first", () => {
    expect(closestNames("Warehous", ["warehouse", "warehouses", "crm"])).toEqual(["warehouse", "warehouses"]);
  });

  it("suggests nothing for unrelated names", () => {
    expect(closestNames("zzz", ["fields", "model"])).toEqual([]);
    expect(didYouMean("zzz", ["fields"])).toBe("");
  });

  it("phrases the suggestion for messages", () => {
    expect(didYouMean("upsrt", ["upsert", "update", "insert", "mirror"])).toBe('; did you mean "upsert"?');
  });
});
