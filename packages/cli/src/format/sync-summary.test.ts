import { describe, expect, it } from "vitest";
import { sampleSyncReport } from "../test-fixtures/reports.js";
import { renderSyncSummary } from "./sync-summary.js";

describe("renderSyncSummary", () => {
  const text = renderSyncSummary(sampleSyncReport());

  it("shows each sync's status, duration and route", () => {
    expect(text).toContain("▲ customers_to_hubspot  partial in 2.3s  customers -> crm/contacts (mirror)");
    expect(text).toContain("✔ accounts_to_file  succeeded in 120ms  accounts -> out (upsert)");
  });

  it("shows what was planned, sent and how the destination answered", () => {
    expect(text).toContain("planned: added 100 · changed 20 · removed 3 · unchanged 9877 · invalid 2");
    expect(text).toContain("sent: 120 writes, 3 deletes -> 118 succeeded, 2 rejected, 0 failed");
  });

  it("says how many of the planned operations went out when a run stopped before sending them all", () => {
    const report = sampleSyncReport();
    report.syncs[0] = { ...report.syncs[0]!, status: "failed", sent: 40, results: { succeeded: 40, rejected: 0, failed: 83 } };
    expect(renderSyncSummary(report)).toContain("sent: 40 of 120 writes, 3 deletes -> 40 succeeded, 0 rejected, 83 failed");
  });

  it("does not promise to retry rejected rows of a sync with retryRejected: false", () => {
    const report = sampleSyncReport();
    report.syncs[0] = { ...report.syncs[0]!, retryRejected: false };
    const text = renderSyncSummary(report);
    expect(text).toContain("rejected rows are recorded in sync_errors (run run-7) and sent again only once they change (retryRejected: false)");
    expect(text).not.toContain("retried on the next run");
  });

  it("points at sync_errors when rows were rejected", () => {
    expect(text).toContain("recorded in sync_errors (run run-7)");
  });

  it("shows the error of a failed sync", () => {
    const report = sampleSyncReport();
    report.syncs[1] = { ...report.syncs[1]!, status: "failed", error: "[reverse-etl] [webhook] 401 Unauthorized" };
    expect(renderSyncSummary(report)).toContain("✖ accounts_to_file  failed");
    expect(renderSyncSummary(report)).toContain("error: [reverse-etl] [webhook] 401 Unauthorized");
  });
});
