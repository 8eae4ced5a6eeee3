import { describe, expect, it } from "vitest";
import { sampleSyncReport } from "./test-fixtures/reports.js";
import { exitCodeForSyncReport } from "./exit-codes.js";

describe("exitCodeForSyncReport", () => {
  it("is 0 when every sync succeeded", () => {
    const report = sampleSyncReport();
    report.syncs[0]!.status = "succeeded";
    expect(exitCodeForSyncReport(report)).toBe(0);
  });

  it("is 6 when a sync was partial and none failed", () => {
    expect(exitCodeForSyncReport(sampleSyncReport())).toBe(6);
  });

  it("is 1 when any sync failed, even if another was partial", () => {
    const report = sampleSyncReport();
    report.syncs[1]!.status = "failed";
    expect(exitCodeForSyncReport(report)).toBe(1);
  });

  it.each([
    ["DestinationAuthError", 3],
    ["DestinationUnreachableError", 3],
    ["ConnectionError", 3],
    ["FatalDestinationError", 1],
    ["MassDeleteError", 5],
  ])("is the code of the error when every failed sync failed with %s: %i", (errorCode, expected) => {
    const report = sampleSyncReport();
    for (const run of report.syncs) Object.assign(run, { status: "failed", errorCode });
    expect(exitCodeForSyncReport(report)).toBe(expected);
  });
});
