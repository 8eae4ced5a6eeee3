import type { AlertConfig, AlertEvent } from "../config/types.js";
import type { RunStatus } from "../reports.js";

/** What an alert needs of a finished run. */
export interface RunFigures {
  status: RunStatus;
  sent: number;
  rejected: number;
  failed: number;
}

/** How a run looks to one alert: `partial` only counts at or above its `minRejectedShare`. */
type Health = "ok" | "failed" | "partial";

function healthOf(run: RunFigures, alert: AlertConfig): Health {
  if (run.status === "failed") return "failed";
  if (run.status !== "partial") return "ok";
  // A partial run that sent nothing (a spent quota before the first batch) counts as all rows refused.
  const share = run.sent > 0 ? (run.rejected + run.failed) / run.sent : 1;
  return share >= (alert.minRejectedShare ?? 0) ? "partial" : "ok";
}

/**
 * The event a run is for one alert, if it is a transition: `failed` or `partial` when the previous run was
 * not already so, `recovered` when the previous run was and this one is not. A sync failing every five
 * minutes therefore alerts once, then once when it recovers. Undefined when nothing changed, or when the
 * alert does not listen to that event or watch that sync.
 */
export function alertEventFor(sync: string, run: RunFigures, previous: RunFigures | undefined, alert: AlertConfig): AlertEvent | undefined {
  if (alert.syncs && !alert.syncs.includes(sync)) return undefined;
  const now = healthOf(run, alert);
  const before = previous ? healthOf(previous, alert) : "ok";
  const event: AlertEvent | undefined = now === before ? undefined : now === "ok" ? "recovered" : now;
  return event && alert.on.includes(event) ? event : undefined;
}
