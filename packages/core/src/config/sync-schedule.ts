import { Cron } from "croner";
import type { ScheduleConfig, SyncConfig } from "./types.js";

/** A sync's schedule as the scheduler reads it: the cron expression and its time zone. */
export interface SyncSchedule {
  /** Cron expression of 5 or 6 fields. */
  cron: string;
  /** IANA time zone, or undefined for the machine's. */
  timezone: string | undefined;
}

/** The schedule of a sync, from `schedule: "..."` (with `timezone`) or `schedule: { cron, timezone }`. */
export function syncSchedule(sync: Pick<SyncConfig, "schedule" | "timezone">): SyncSchedule | undefined {
  const { schedule } = sync;
  if (schedule === undefined) return undefined;
  if (typeof schedule === "string") return { cron: schedule.trim(), timezone: sync.timezone };
  return { cron: (schedule as ScheduleConfig).cron.trim(), timezone: (schedule as ScheduleConfig).timezone ?? sync.timezone };
}

/**
 * A croner job for a schedule, paused unless `run` is given. Throws with croner's reason (e.g. "Invalid
 * value for minute: 61") when the expression or the time zone is not valid. Five or six fields only:
 * croner also takes a seventh (year), which the config does not promise.
 */
export function cronOf(schedule: SyncSchedule, run?: () => void): Cron {
  const fields = schedule.cron.split(/\s+/).filter(Boolean).length;
  if (fields < 5 || fields > 6) throw new Error(`has ${fields} field(s); write 5 (minute hour day month weekday) or 6 (seconds first)`);
  if (schedule.timezone !== undefined) checkTimezone(schedule.timezone);
  const options = { timezone: schedule.timezone, paused: run === undefined };
  return run ? new Cron(schedule.cron, options, run) : new Cron(schedule.cron, options);
}

/** Throws unless `zone` is an IANA time zone this runtime knows. */
export function checkTimezone(zone: string): void {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
  } catch {
    throw new Error(`time zone ${JSON.stringify(zone)} is not known; use an IANA name such as "Europe/Paris" or "UTC"`);
  }
}

const DURATION_UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a duration such as `"90s"`, `"30m"`, `"6h"` or `"2d"`; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$/.exec(text);
  return match ? Number(match[1]) * DURATION_UNITS[match[2]!]! : undefined;
}
