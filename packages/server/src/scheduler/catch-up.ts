import type { Cron } from "croner";

/**
 * Whether a schedule had a time between the sync's last run and now, that is a run missed while
 * reverse-etl was not running. A sync that never ran has missed nothing: it waits for its first time.
 */
export function missedScheduledRun(job: Cron, lastRunStartedAt: Date, now: Date): Date | undefined {
  const next = job.nextRun(lastRunStartedAt);
  return next !== null && next.getTime() < now.getTime() ? next : undefined;
}

/**
 * The scheduled time a cron job fired for: its latest time at or before `now`. croner fires at or a little
 * after it (later on a loaded machine), and its `previousRuns` counts from the start of the reference's second.
 */
export function scheduledTimeOf(job: Cron, now = new Date()): Date {
  return job.previousRuns(1, new Date(now.getTime() + 1000))[0] ?? now;
}
