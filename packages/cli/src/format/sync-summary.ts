import type { RunStatus, SyncReport, SyncRunReport } from "@reverse-etl/core";
import { formatDuration } from "./duration.js";
import { formatCounts, formatOperations, formatRoute } from "./plan-counts.js";

const STATUS_MARK: Record<RunStatus, string> = { succeeded: "✔", partial: "▲", failed: "✖" };

/** Render the outcome of `sync`: per sync its status, what was planned, sent, and how it went. */
export function renderSyncSummary(report: SyncReport): string {
  if (report.syncs.length === 0) return "No syncs ran.";
  return report.syncs.map(renderRun).join("\n\n");
}

function renderRun(run: SyncRunReport): string {
  const r = run.results;
  const lines = [
    `${STATUS_MARK[run.status]} ${run.name}  ${run.status} in ${formatDuration(run.durationMs)}  ${formatRoute(run)}`,
    `  planned: ${formatCounts(run.counts)}`,
    `  sent: ${formatOperations(run.operations)} -> ${r.succeeded} succeeded, ${r.rejected} rejected, ${r.failed} failed`,
  ];
  if (run.error) lines.push(`  error: ${run.error}`);
  for (const warning of run.warnings) lines.push(`  ! ${warning}`);
  if (run.status === "partial") {
    lines.push(`  rejected and failed rows are recorded in sync_errors (run ${run.runId}) and retried on the next run`);
  }
  return lines.join("\n");
}
