import { describe, expect, it } from "vitest";
import { samplePlanReport } from "../test-fixtures/reports.js";
import { renderPlanTable } from "./plan-table.js";

describe("renderPlanTable", () => {
  const text = renderPlanTable(samplePlanReport());

  it("heads each sync with its name, model -> destination/object and mode", () => {
    expect(text).toContain("customers_to_hubspot  customers -> crm/contacts (mirror)");
    expect(text).toContain("accounts_to_file  accounts -> out (upsert)");
  });

  it("shows the counts of every class and the operations to send", () => {
    expect(text).toContain("added 100 · changed 20 · removed 3 · unchanged 9877 · invalid 2");
    expect(text).toContain("to send: 120 writes, 3 deletes");
  });

  it("shows each changed field as field: from -> to, quoting strings", () => {
    expect(text).toContain('plan_tier: "pro" -> "enterprise"');
    expect(text).toContain("ltv: 900 -> 1200.5");
    expect(text).toContain('nickname: (unset) -> "a|b"');
  });

  it("says how many samples are shown out of how many rows", () => {
    expect(text).toContain("added (showing 1 of 100):");
    expect(text).toContain("changed (showing 2 of 20):");
  });

  it("lists invalid rows with their key and reason", () => {
    expect(text).toMatch(/! null\s+null primary key/);
    expect(text).toMatch(/! 99\s+duplicate primary key \(2 rows\)/);
  });

  it("shows warnings, and says when a sync has nothing to send", () => {
    expect(text).toContain("! mirror would delete 3 of 9900 synced records");
    expect(text.split("accounts_to_file")[1]).toContain("no changes to send");
  });

  it("renders composite keys as column=value pairs", () => {
    const report = samplePlanReport();
    report.syncs[0]!.samples.changed = [{ key: { region: "eu", id: 5 }, changes: [{ field: "plan", from: "a", to: "b" }] }];
    expect(renderPlanTable(report)).toContain("~ region=eu, id=5");
  });

  it("says removed rows are not deleted outside mirror mode", () => {
    const report = samplePlanReport();
    report.syncs[0]!.mode = "upsert";
    expect(renderPlanTable(report)).toContain("removed, not deleted (upsert mode) (showing 1 of 3):");
    expect(text).toContain("removed (showing 1 of 3):");
  });

  it("says so when there is nothing to plan", () => {
    expect(renderPlanTable({ syncs: [] })).toBe("No syncs to plan.");
  });
});
