import type { ConfigIssue } from "../errors.js";
import { jsonPath, showValue } from "./ajv-issues.js";
import { entries, names, unknownName, type Node } from "./document-entries.js";
import { cronOf, parseDuration, syncSchedule } from "./sync-schedule.js";
import type { SyncConfig } from "./types.js";

/**
 * What `reverse-etl start` needs of the syncs, checked with the rest of the config: each schedule parses
 * (croner's reason otherwise), its time zone exists, and `after` names existing syncs without a cycle.
 */
export function scheduleIssues(doc: Node): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const syncs = names(doc.syncs);
  const after = new Map<string, string[]>();
  for (const [name, sync] of entries(doc.syncs)) {
    const wellTyped = typeof sync.schedule === "string" || (typeof sync.schedule === "object" && typeof (sync.schedule as Node | null)?.cron === "string");
    const schedule = wellTyped ? syncSchedule(sync as Pick<SyncConfig, "schedule" | "timezone">) : undefined;
    if (schedule) {
      const field = typeof sync.schedule === "string" ? jsonPath("syncs", name, "schedule") : jsonPath("syncs", name, "schedule", "cron");
      try {
        cronOf(schedule);
      } catch (error) {
        const reason = error instanceof Error ? error.message.replace(/^CronPattern: /, "") : String(error);
        const zoneField = typeof sync.schedule === "object" && (sync.schedule as Node).timezone !== undefined ? jsonPath("syncs", name, "schedule", "timezone") : jsonPath("syncs", name, "timezone");
        const path = reason.startsWith("time zone") ? zoneField : field;
        issues.push({ path, message: `sync "${name}": ${showValue(reason.startsWith("time zone") ? schedule.timezone : schedule.cron)} is not a valid ${reason.startsWith("time zone") ? "time zone" : "cron expression"}: ${reason}; e.g. "0 * * * *" (hourly) or "*/30 * * * * *" (every 30 seconds)` });
      }
    }
    if (!Array.isArray(sync.after)) continue;
    const deps = sync.after.filter((d): d is string => typeof d === "string");
    after.set(name, deps);
    deps.forEach((dep, i) => {
      if (dep === name) issues.push({ path: jsonPath("syncs", name, "after", i), message: `sync "${name}" cannot run after itself; remove "${dep}"` });
      else if (!syncs.includes(dep)) issues.push({ path: jsonPath("syncs", name, "after", i), message: unknownName("sync", dep, syncs, "/syncs") });
    });
  }
  const cycle = findCycle(after);
  if (cycle) {
    issues.push({
      path: jsonPath("syncs", cycle[0]!, "after"),
      message: `syncs run after each other in a cycle (${cycle.join(" -> ")}), so none of them would ever run; remove one of these "after" entries`,
    });
  }
  return issues;
}

/** The first cycle of `after` edges (sync -> syncs it waits for), as the names along it, first repeated at the end. */
function findCycle(after: Map<string, string[]>): string[] | undefined {
  const done = new Set<string>();
  const visit = (name: string, path: string[]): string[] | undefined => {
    const at = path.indexOf(name);
    if (at >= 0) return [...path.slice(at), name];
    if (done.has(name)) return undefined;
    for (const dep of after.get(name) ?? []) {
      if (dep === name) continue; // reported on its own
      const found = visit(dep, [...path, name]);
      if (found) return found;
    }
    done.add(name);
    return undefined;
  };
  for (const name of after.keys()) {
    const found = visit(name, []);
    if (found) return found;
  }
  return undefined;
}

/** Alerts: a URL that can be POSTed to, syncs that exist, `staleAfter` for `stale`, shares within 0..1. */
export function alertIssues(doc: Node): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const syncs = names(doc.syncs);
  for (const [name, alert] of entries(doc.alerts)) {
    // The URL is often a secret (Slack's carries its token): never quote it.
    if (typeof alert.url === "string" && !/^https?:\/\/[^\s]+$/i.test(alert.url)) {
      issues.push({ path: jsonPath("alerts", name, "url"), message: `alert "${name}": must be an http:// or https:// URL to POST the alert to` });
    }
    if (Array.isArray(alert.syncs)) {
      alert.syncs.forEach((sync, i) => {
        if (typeof sync === "string" && !syncs.includes(sync)) issues.push({ path: jsonPath("alerts", name, "syncs", i), message: unknownName("sync", sync, syncs, "/syncs") });
      });
    }
    if (typeof alert.staleAfter === "string" && parseDuration(alert.staleAfter) === undefined) {
      issues.push({ path: jsonPath("alerts", name, "staleAfter"), message: `alert "${name}": ${showValue(alert.staleAfter)} is not a duration; write a number and a unit (s, m, h, d), e.g. "6h"` });
    }
    if (Array.isArray(alert.on) && alert.on.includes("stale") && alert.staleAfter === undefined) {
      issues.push({ path: jsonPath("alerts", name, "staleAfter"), message: `alert "${name}" listens to "stale" but says not after how long; add staleAfter, e.g. "6h"` });
    }
    const share = alert.minRejectedShare;
    if (typeof share === "number" && !(share >= 0 && share <= 1)) {
      issues.push({ path: jsonPath("alerts", name, "minRejectedShare"), message: `must be between 0 and 1 (a share of the rows sent, e.g. 0.1); got ${share}` });
    }
  }
  return issues;
}
