import type { RecordResult } from "@reverse-etl/core";
import { describe, expect, it } from "vitest";
import type { BatchInput } from "./hubspot-batch-inputs.js";
import { matchAnswer } from "./hubspot-batch-results.js";
import type { BatchAnswer } from "./hubspot-batch-results.js";

/** Match `answer` to `inputs` in a write of `size` records; the results by position. */
function match(operation: "upsert" | "update" | "insert", inputs: BatchInput[], answer: BatchAnswer, size = inputs.length): Array<RecordResult | undefined> {
  const results: Array<RecordResult | undefined> = Array.from({ length: size }, () => undefined);
  matchAnswer(operation, "contacts", inputs, answer, results);
  return results;
}

const byEmail = (index: number, email: string): BatchInput => ({ index, id: email, idProperty: "email", properties: { firstname: `F${index}` } });

describe("matching a HubSpot batch answer to its inputs", () => {
  it("matches upsert results without trace ids by the email they were written by, in any order and case", () => {
    const inputs = [byEmail(0, "Ada@Example.com"), byEmail(2, "bob@example.com")];
    // HubSpot stores emails in lower case and promises no order of results.
    const answer: BatchAnswer = {
      results: [
        { id: "202", properties: { email: "bob@example.com", firstname: "F2" } },
        { id: "101", properties: { email: "ada@example.com", firstname: "F0" } },
      ],
    };
    expect(match("upsert", inputs, answer, 3)).toEqual([{ status: "ok", id: "101" }, undefined, { status: "ok", id: "202" }]);
  });

  it("matches results without trace ids by a unique property's exact value, or by record id for hs_object_id", () => {
    const external: BatchInput[] = [
      { index: 0, id: "EXT-1", idProperty: "external_id", properties: {} },
      { index: 1, id: "ext-1", idProperty: "external_id", properties: {} },
    ];
    const answer: BatchAnswer = { results: [{ id: "7", properties: { external_id: "ext-1" } }, { id: "6", properties: { external_id: "EXT-1" } }] };
    expect(match("update", external, answer)).toEqual([{ status: "ok", id: "6" }, { status: "ok", id: "7" }]);

    const byId: BatchInput[] = [
      { index: 0, id: "31", idProperty: "hs_object_id", properties: {} },
      { index: 1, id: "30", idProperty: "hs_object_id", properties: {} },
    ];
    const updated: BatchAnswer = { results: [{ id: "30", properties: {} }, { id: "31", properties: {} }] };
    expect(match("update", byId, updated)).toEqual([{ status: "ok", id: "31" }, { status: "ok", id: "30" }]);
  });

  it("matches by trace id first, when HubSpot echoes it", () => {
    const inputs = [byEmail(0, "a@example.com"), byEmail(1, "b@example.com")];
    // The properties name the other input: the trace id decides.
    const answer: BatchAnswer = {
      results: [
        { id: "1", properties: { email: "b@example.com" }, objectWriteTraceId: "0" },
        { id: "2", properties: {}, objectWriteTraceId: "1" },
      ],
    };
    expect(match("upsert", inputs, answer)).toEqual([{ status: "ok", id: "1" }, { status: "ok", id: "2" }]);
  });

  it("rejects the inputs an untraced error lists in its context ids, and leaves an unanswered input without result", () => {
    const inputs: BatchInput[] = [
      { index: 0, id: "40", idProperty: "hs_object_id", properties: {} },
      { index: 1, id: "41", idProperty: "hs_object_id", properties: {} },
      { index: 2, id: "42", idProperty: "hs_object_id", properties: {} },
    ];
    const answer: BatchAnswer = {
      results: [{ id: "40", properties: {} }],
      errors: [{ category: "OBJECT_NOT_FOUND", message: "Could not get some CONTACT objects, they may be deleted or not exist.", context: { ids: ["41"] } }],
    };
    expect(match("update", inputs, answer)).toEqual([
      { status: "ok", id: "40" },
      { status: "rejected", message: "[reverse-etl] [hubspot] no contacts record has this identifier (Could not get some CONTACT objects, they may be deleted or not exist.); use upsert mode to create missing records." },
      undefined,
    ]);
  });

  it("matches creates without trace ids by position, creates having no identifier", () => {
    const inputs: BatchInput[] = [{ index: 1, properties: { email: "x@example.com" } }, { index: 2, properties: { email: "y@example.com" } }];
    const answer: BatchAnswer = { results: [{ id: "8", properties: { email: "x@example.com" } }, { id: "9", properties: { email: "y@example.com" } }] };
    expect(match("insert", inputs, answer, 3)).toEqual([undefined, { status: "ok", id: "8" }, { status: "ok", id: "9" }]);
  });
});
