import type { RunRecord } from "@reverse-etl/core";
import { describe, expect, it } from "vitest";
import { renderRunsTable } from "./runs-table.js";

const run = (overrides: Partial<RunRecord>): RunRecord => ({
  runId: "r1",
  sync: "customers_to_file",
  status: "succeeded",
  startedAt: "2026-03-01T12:00:00.000Z",
  finishedAt: "2026-03-01T12:00:12.400Z",
  counts: { added: 10000, changed: 0, removed: 0, unchanged: 0, invalid: 2 },
  sent: 10000,
  succeeded: 10000,
  rejected: 0,
  failed: 0,
  error: null,
  scheduledFor: null,
  ...overrides,
});

describe("renderRunsTable", () => {
  it("prints a header and one aligned row per run with counts, outcomes and duration", () => {
    const lines = renderRunsTable([
      run({}),
      run({ runId: "r0", status: "partial", startedAt: "2026-03-01T11:00:00.000Z", finishedAt: "2026-03-01T11:01:05.000Z", succeeded: 9990, rejected: 10, error: "10 rows rejected" }),
    ]).split("\n");
    expect(lines[0]).toMatch(/^STARTED\s+SYNC\s+STATUS\s+ADDED\s+CHANGED\s+REMOVED\s+UNCHANGED\s+INVALID\s+SUCCEEDED\s+REJECTED\s+FAILED\s+DURATION\s+ERROR$/);
    expect(lines[1]).toMatch(/^2026-03-01 12:00:00Z\s+customers_to_file\s+succeeded\s+10000\s+0\s+0\s+0\s+2\s+10000\s+0\s+0\s+12\.4s$/);
    expect(lines[2]).toMatch(/partial .* 9990\s+10\s+0\s+1m 05s\s+10 rows rejected$/);
    // Columns line up: every row's SYNC column starts at the same offset.
    expect(new Set(lines.map((l) => l.indexOf("customers_to_file") === -1 ? l.indexOf("SYNC") : l.indexOf("customers_to_file"))).size).toBe(1);
  });

  it("shows a running run without a duration", () => {
    expect(renderRunsTable([run({ status: "running", finishedAt: null })])).toMatch(/running\s*$/m);
  });

  it("tells the user how to get history when there is none", () => {
    expect(renderRunsTable([])).toContain("reverse-etl sync");
  });
});
