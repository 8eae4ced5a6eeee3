import { describe, expect, it } from "vitest";
import { samplePlanReport } from "../test-fixtures/reports.js";
import { renderPlanMarkdown } from "./plan-markdown.js";

describe("renderPlanMarkdown", () => {
  const md = renderPlanMarkdown(samplePlanReport());

  it("opens with a summary table with one row per sync", () => {
    expect(md).toContain("| Sync | Model → Destination | Mode | Added | Changed | Removed | Unchanged | Invalid | To send |");
    expect(md).toContain("| `customers_to_hubspot` | `customers` → `crm/contacts` | mirror | 100 | 20 | 3 | 9877 | 2 | 120 writes, 3 deletes |");
    expect(md).toContain("| `accounts_to_file` | `accounts` → `out` | upsert | 0 | 0 | 0 | 50 | 0 | 0 writes, 0 deletes |");
    expect(md).toContain("1 of 2 syncs would send changes.");
  });

  it("puts each sync's samples in a collapsible details block", () => {
    expect(md).toContain("<details><summary><b>customers_to_hubspot</b>: sample rows</summary>");
    expect(md).toContain("</details>");
    expect(md.indexOf("<details>")).toBeGreaterThan(md.indexOf("| Sync |"));
  });

  it("lists field changes as table rows, escaping pipes inside cells", () => {
    expect(md).toContain('| `42` | `plan_tier` | `"pro"` | `"enterprise"` |');
    expect(md).toContain("| `42` | `ltv` | `900` | `1200.5` |");
    expect(md).toContain('| `43` | `nickname` | _(unset)_ | `"a\\|b"` |');
  });

  it("shows added and removed rows with their values, and invalid rows with reasons", () => {
    expect(md).toContain("**Added** (1 of 100)");
    expect(md).toContain('| `10001` | `"new@example.com"` | `"pro"` | `0` |');
    expect(md).toContain("**Removed, to delete** (1 of 3)");
    expect(md).toContain("| `null` | null primary key |");
  });

  it("shows warnings as GitHub alerts naming their sync, outside the collapsed block", () => {
    const warning = md.indexOf("> [!WARNING]\n> `customers_to_hubspot`: mirror would delete 3 of 9900 synced records\n");
    expect(warning).toBeGreaterThan(-1);
    expect(warning).toBeLessThan(md.indexOf("<details>"));
  });

  it("says why a changed row whose values are the same is sent again", () => {
    const report = samplePlanReport();
    report.syncs[0]!.samples.changed = [
      { key: 42, values: { email: "ada@example.com" }, changes: [] },
      { key: 43, values: { email: "alan@example.com" }, changes: [] },
    ];
    expect(renderPlanMarkdown(report)).toContain(
      "| Key | Field | From | To |\n| --- | --- | --- | --- |\n" +
        "| `42`, `43` | _(none)_ | | _same values; sent again because the fingerprint changed (the mapping is part of it)_ |\n",
    );
  });

  it("keeps every table row on one line, so the markdown stays valid", () => {
    const report = samplePlanReport();
    report.syncs[0]!.samples.invalid = [{ key: 1, reason: "bad\nrow | here" }];
    expect(renderPlanMarkdown(report)).toContain("| `1` | bad row \\| here |");
  });

  it("says there is nothing to do when every sync is up to date", () => {
    const report = samplePlanReport();
    report.syncs = report.syncs.slice(1);
    expect(renderPlanMarkdown(report)).toContain("No changes: every sync is up to date.");
  });
});
