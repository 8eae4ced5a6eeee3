import type { Cron } from "croner";

/**
 * Whether a schedule had a time between the sync's last run and now, that is a run missed while
 * reverse-etl was not running. A sync that never ran has missed nothing: it waits for its first time.
 */
export function missedScheduledRun(job: Cron, lastRunStartedAt: Date, now: Date): boolean {
  const next = job.nextRun(lastRunStartedAt);
  return next !== null && next.getTime() < now.getTime();
}
