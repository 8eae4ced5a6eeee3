import { describe, expect, it } from "vitest";
import { checkConfigDocument } from "./validate-config.js";
import { parseDuration, syncSchedule } from "./sync-schedule.js";

const withSyncs = (syncs: Record<string, Record<string, unknown>>, alerts?: Record<string, unknown>) => ({
  sources: { warehouse: { plugin: "@reverse-etl/source-duckdb", path: "w.duckdb" } },
  destinations: { out: { plugin: "@reverse-etl/destination-file", path: "out.jsonl" } },
  models: { customers: { source: "warehouse", sql: "select id from t", primaryKey: "id" } },
  syncs: Object.fromEntries(Object.entries(syncs).map(([name, extra]) => [name, { model: "customers", destination: "out", fields: { id: "id" }, ...extra }])),
  ...(alerts ? { alerts } : {}),
});

const issuesOf = (doc: unknown) => checkConfigDocument(doc, "reverse-etl.config.json", {}).issues;

describe("schedules, after chains and alerts in the config", () => {
  it("accepts 5- and 6-field cron strings with a timezone, the { cron, timezone } form, and after chains", () => {
    const doc = withSyncs({
      accounts: { schedule: "0 * * * *", timezone: "Europe/Paris" },
      contacts: { schedule: { cron: "*/30 * * * * *", timezone: "America/New_York" }, after: ["accounts"] },
      deals: { after: ["accounts", "contacts"] },
    });
    expect(issuesOf(doc)).toEqual([]);
    expect(syncSchedule({ schedule: "0 * * * *", timezone: "UTC" })).toEqual({ cron: "0 * * * *", timezone: "UTC" });
    expect(syncSchedule({ schedule: { cron: "0 1 * * *" } })).toEqual({ cron: "0 1 * * *", timezone: undefined });
  });

  it("names the sync and the field of a bad cron expression or time zone, with croner's reason", () => {
    const issues = issuesOf(withSyncs({ a: { schedule: "61 * * * *" }, b: { schedule: { cron: "0 * * * *", timezone: "Mars/Olympus" } }, c: { schedule: "* * *" } }));
    expect(issues.map((i) => i.path)).toEqual(["/syncs/a/schedule", "/syncs/b/schedule/timezone", "/syncs/c/schedule"]);
    expect(issues[0]!.message).toContain('sync "a": "61 * * * *" is not a valid cron expression: Invalid value for minute: 61');
    expect(issues[1]!.message).toContain('time zone "Mars/Olympus" is not known');
    expect(issues[2]!.message).toContain("has 3 field(s); write 5 (minute hour day month weekday) or 6 (seconds first)");
  });

  it("refuses an after naming an unknown sync (with a suggestion), itself, or a cycle", () => {
    expect(issuesOf(withSyncs({ accounts: {}, contacts: { after: ["acounts"] } }))).toEqual([
      { path: "/syncs/contacts/after/0", message: 'sync "acounts" does not exist; did you mean "accounts"?' },
    ]);
    expect(issuesOf(withSyncs({ a: { after: ["a"] } }))[0]!.message).toBe('sync "a" cannot run after itself; remove "a"');
    const cycle = issuesOf(withSyncs({ a: { after: ["c"] }, b: { after: ["a"] }, c: { after: ["b"] } }));
    expect(cycle).toHaveLength(1);
    expect(cycle[0]!.message).toMatch(/in a cycle \(a -> c -> b -> a\)/);
  });

  it("checks alerts: events, format, syncs, staleAfter and minRejectedShare, never quoting the URL", () => {
    const issues = issuesOf(
      withSyncs({ a: {} }, {
        ops: { url: "ftp://hooks.example.com/T0/SECRET", on: ["failed", "stale"], syncs: ["b"], minRejectedShare: 2 },
        slack: { url: "https://hooks.slack.com/services/X", format: "teams", on: ["exploded"], staleAfter: "soon" },
      }),
    );
    expect(issues.map((i) => i.path)).toEqual([
      "/alerts/ops/minRejectedShare",
      "/alerts/ops/staleAfter",
      "/alerts/ops/syncs/0",
      "/alerts/ops/url",
      "/alerts/slack/format",
      "/alerts/slack/on/0",
      "/alerts/slack/staleAfter",
    ]);
    expect(JSON.stringify(issues)).not.toContain("SECRET");
    expect(parseDuration("6h")).toBe(21_600_000);
    expect(parseDuration("90s")).toBe(90_000);
    expect(parseDuration("soon")).toBeUndefined();
  });
});
