import { describe, expect, it } from "vitest";
import { SecretRedactor } from "./redactor.js";

describe("SecretRedactor", () => {
  it("replaces registered secrets, also URL-encoded, in text and nested values", () => {
    const r = new SecretRedactor();
    r.add("s3cr3t/tok");
    expect(r.redact("token=s3cr3t/tok url=https://x/?t=s3cr3t%2Ftok")).toBe("token=*** url=https://x/?t=***");
    expect(r.redactValue({ a: ["s3cr3t/tok"] })).toEqual({ a: ["***"] });
  });
});
