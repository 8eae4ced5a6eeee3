import type { PlanReport, SyncReport, SyncPlan } from "@reverse-etl/core";

// Realistic reports, in the shapes core returns, shared by the formatter tests. Excluded from the build
// (tsconfig.json) so they are not published.

/** A plan of two syncs: one with every class of change, one up to date. */
export function samplePlanReport(): PlanReport {
  return { syncs: [customersPlan(), upToDatePlan()] };
}

/** A sync report: the customers sync partial (2 rejected), the accounts sync succeeded. */
export function sampleSyncReport(): SyncReport {
  return {
    syncs: [
      {
        ...customersPlan(),
        runId: "run-7",
        status: "partial",
        results: { succeeded: 118, rejected: 2, failed: 0 },
        sent: 123,
        durationMs: 2345,
      },
      { ...upToDatePlan(), runId: "run-8", status: "succeeded", results: { succeeded: 0, rejected: 0, failed: 0 }, sent: 0, durationMs: 120 },
    ],
  };
}

function customersPlan(): SyncPlan {
  return {
    name: "customers_to_hubspot",
    model: "customers",
    destination: "crm",
    object: "contacts",
    mode: "mirror",
    full: false,
    counts: { added: 100, changed: 20, removed: 3, unchanged: 9877, invalid: 2 },
    operations: { write: 120, delete: 3 },
    samples: {
      added: [{ key: 10001, values: { email: "new@example.com", plan_tier: "pro", ltv: 0 } }],
      changed: [
        {
          key: 42,
          values: { email: "ada@example.com", plan_tier: "enterprise", ltv: 1200.5 },
          changes: [
            { field: "plan_tier", from: "pro", to: "enterprise" },
            { field: "ltv", from: 900, to: 1200.5 },
          ],
        },
        { key: 43, changes: [{ field: "nickname", from: undefined, to: "a|b" }] },
      ],
      removed: [{ key: 7, values: { email: "gone@example.com", plan_tier: "free", ltv: 0 } }],
      invalid: [
        { key: null, reason: "null primary key" },
        { key: 99, reason: "duplicate primary key (2 rows)" },
      ],
    },
    warnings: ["mirror would delete 3 of 9900 synced records"],
  };
}

function upToDatePlan(): SyncPlan {
  return {
    name: "accounts_to_file",
    model: "accounts",
    destination: "out",
    object: undefined,
    mode: "upsert",
    full: false,
    counts: { added: 0, changed: 0, removed: 0, unchanged: 50, invalid: 0 },
    operations: { write: 0, delete: 0 },
    samples: { added: [], changed: [], removed: [], invalid: [] },
    warnings: [],
  };
}
