import { cronOf } from "@reverse-etl/core";
import { describe, expect, it } from "vitest";
import { missedScheduledRun, scheduledTimeOf } from "./catch-up.js";

describe("scheduledTimeOf", () => {
  it("names the time a cron fired for, however late the tick came (the key of its one queued job)", () => {
    const everyTen = cronOf({ cron: "*/10 * * * * *", timezone: "UTC" });
    expect(scheduledTimeOf(everyTen, new Date("2026-03-01T12:00:10.004Z")).toISOString()).toBe("2026-03-01T12:00:10.000Z");
    expect(scheduledTimeOf(everyTen, new Date("2026-03-01T12:00:13.900Z")).toISOString()).toBe("2026-03-01T12:00:10.000Z");
    expect(scheduledTimeOf(everyTen, new Date("2026-03-01T12:00:10.000Z")).toISOString()).toBe("2026-03-01T12:00:10.000Z");
  });

  it("reads the schedule in its time zone", () => {
    const hourlyParis = cronOf({ cron: "0 * * * *", timezone: "Europe/Paris" });
    expect(scheduledTimeOf(hourlyParis, new Date("2026-03-01T12:00:00.250Z")).toISOString()).toBe("2026-03-01T12:00:00.000Z");
    const nineParis = cronOf({ cron: "0 9 * * *", timezone: "Europe/Paris" });
    expect(scheduledTimeOf(nineParis, new Date("2026-03-01T08:00:02.000Z")).toISOString()).toBe("2026-03-01T08:00:00.000Z");
  });
});

describe("missedScheduledRun", () => {
  it("answers the first time missed since the last run, the key of its catch-up job", () => {
    const hourly = cronOf({ cron: "0 * * * *", timezone: "UTC" });
    expect(missedScheduledRun(hourly, new Date("2026-03-01T10:00:01Z"), new Date("2026-03-01T12:30:00Z"))?.toISOString()).toBe("2026-03-01T11:00:00.000Z");
    expect(missedScheduledRun(hourly, new Date("2026-03-01T12:00:01Z"), new Date("2026-03-01T12:30:00Z"))).toBeUndefined();
  });
});
