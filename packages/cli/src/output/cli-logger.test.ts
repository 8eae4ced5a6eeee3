import { secrets } from "@reverse-etl/core";
import { afterEach, describe, expect, it } from "vitest";
import { createCliLogger, formatLogLine } from "./cli-logger.js";

const time = new Date("2026-03-01T12:00:00.000Z");

describe("createCliLogger", () => {
  afterEach(() => secrets.clear());

  it("writes logfmt lines with time, level, message and fields", () => {
    const lines: string[] = [];
    const logger = createCliLogger({ level: "info", format: "logfmt", write: (l) => lines.push(l), now: () => time });
    logger.info("sync finished", { sync: "customers", status: "partial", rejected: 2 });
    expect(lines).toEqual([
      'time=2026-03-01T12:00:00.000Z level=info msg="sync finished" sync=customers status=partial rejected=2',
    ]);
  });

  it("drops lines below the level", () => {
    const lines: string[] = [];
    const logger = createCliLogger({ level: "warn", format: "human", write: (l) => lines.push(l) });
    logger.debug("d");
    logger.info("i");
    logger.warn("careful", { sync: "a" });
    logger.error("broken");
    expect(lines).toEqual(["warn: careful sync=a", "error: broken"]);
  });

  it("writes nothing when silent", () => {
    const lines: string[] = [];
    const logger = createCliLogger({ level: "silent", format: "human", write: (l) => lines.push(l) });
    logger.error("x");
    expect(lines).toEqual([]);
  });

  it("redacts secrets from messages and fields", () => {
    secrets.add("s3cr3t-token-value");
    const lines: string[] = [];
    const logger = createCliLogger({ level: "info", format: "json", write: (l) => lines.push(l), now: () => time });
    logger.info("calling with s3cr3t-token-value", { header: "Bearer s3cr3t-token-value" });
    expect(lines[0]).not.toContain("s3cr3t-token-value");
    expect(JSON.parse(lines[0]!)).toEqual({ time: time.toISOString(), level: "info", msg: "calling with ***", header: "Bearer ***" });
  });
});

describe("formatLogLine", () => {
  it("quotes logfmt values with spaces, quotes or equals signs and renders objects as JSON", () => {
    expect(formatLogLine("logfmt", "warn", "x", { a: "b c", b: 'q"', c: { d: 1 }, e: "" }, time)).toBe(
      `time=${time.toISOString()} level=warn msg=x a="b c" b="q\\"" c="{\\"d\\":1}" e=""`,
    );
  });
});
