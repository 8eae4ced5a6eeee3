import { describe, expect, it } from "vitest";
import type { PlanSample } from "../reports.js";
import { inKeyOrder } from "./sample-order.js";

const keys = (list: PlanSample[]) => list.map((s) => s.key);
const of = (...list: PlanSample["key"][]) => ({ added: list.map((key) => ({ key })), changed: [], removed: [], invalid: [] });

describe("inKeyOrder", () => {
  it("orders numeric keys by value, not as text", () => {
    expect(keys(inKeyOrder(of(1034, 10, 1003, 2)).added)).toEqual([2, 10, 1003, 1034]);
  });

  it("orders big integers given as digit strings by value, text keys as text, a null key last", () => {
    expect(keys(inKeyOrder(of("90071992547409930", "10", null, "9")).added)).toEqual(["9", "10", "90071992547409930", null]);
    expect(keys(inKeyOrder(of("b", "a2", "a10")).added)).toEqual(["a10", "a2", "b"]);
  });

  it("orders composite keys column by column", () => {
    const sorted = inKeyOrder(of({ region: "eu", id: 7 }, { region: "eu", id: 10 }, { region: "ap", id: 99 }));
    expect(keys(sorted.added)).toEqual([{ region: "ap", id: 99 }, { region: "eu", id: 7 }, { region: "eu", id: 10 }]);
  });
});
