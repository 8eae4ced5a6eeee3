import type { OutgoingRecord } from "@reverse-etl/core";
import { describe, expect, it } from "vitest";
import { outcomeOfResponse, parseRetryAfter, truncateBody } from "./webhook-response.js";

const records: OutgoingRecord[] = ["a", "b", "c"].map((key) => ({ key, keyValue: key, match: {}, fields: {} }));
const where = "http://127.0.0.1:1/hook";

describe("parseRetryAfter", () => {
  it("reads delay-seconds and HTTP dates", () => {
    const now = Date.parse("2025-01-01T00:00:00Z");
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter("0.5", now)).toBe(500);
    expect(parseRetryAfter("Wed, 01 Jan 2025 00:00:10 GMT", now)).toBe(10_000);
    expect(parseRetryAfter("Tue, 31 Dec 2024 23:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe("outcomeOfResponse", () => {
  it("honours per-record results by position when they carry no key", () => {
    const body = JSON.stringify({ results: [{ status: "ok", id: 17 }, { status: "rejected", message: "bad email" }, { status: "retryable" }] });
    expect(outcomeOfResponse(200, null, body, records, where)).toEqual({
      type: "results",
      results: [
        { status: "ok", id: "17" },
        { status: "rejected", message: "bad email" },
        { status: "retryable", message: "the webhook asked to retry this record" },
      ],
    });
  });

  it("honours per-record results by key, in any order, and treats unmentioned records as accepted", () => {
    const body = JSON.stringify({ results: [{ key: "c", status: "rejected", message: "no" }, { key: "a", status: "ok" }] });
    expect(outcomeOfResponse(207, null, body, records, where)).toEqual({
      type: "results",
      results: [{ status: "ok" }, { status: "ok" }, { status: "rejected", message: "no" }],
    });
  });

  it("accepts every record on a 2xx without results, whatever the body", () => {
    for (const body of ["", "OK", "{not json", '{"results": "nope"}']) {
      expect(outcomeOfResponse(204, null, body, records, where)).toEqual({
        type: "results",
        results: [{ status: "ok" }, { status: "ok" }, { status: "ok" }],
      });
    }
  });

  it("retries 408, 429 and 5xx, and rejects the batch on other 4xx", () => {
    expect(outcomeOfResponse(408, null, "", records, where).type).toBe("retry");
    expect(outcomeOfResponse(429, "2", "", records, where)).toMatchObject({ type: "retry", retryAfterMs: 2000 });
    expect(outcomeOfResponse(502, null, "bad gateway", records, where)).toEqual({
      type: "retry",
      message: "[reverse-etl] [webhook] http://127.0.0.1:1/hook answered HTTP 502: bad gateway",
    });
    expect(outcomeOfResponse(422, null, "", records, where).type).toBe("batch-rejected");
  });

  it("truncates long bodies to about 1 KB", () => {
    const text = truncateBody("x".repeat(5000));
    expect(text.length).toBeLessThan(1100);
    expect(text).toMatch(/… \(5000 characters\)$/);
  });
});
