import type { RunStatus, SyncReport, SyncRunReport } from "@reverse-etl/core";
import { formatDuration } from "./duration.js";
import { formatCounts, formatOperations, formatRoute } from "./plan-counts.js";

const STATUS_MARK: Record<RunStatus, string> = { succeeded: "✔", partial: "▲", failed: "✖" };

/** Render the outcome of `sync`: per sync its status, what was planned, sent, and how it went. */
export function renderSyncSummary(report: SyncReport): string {
  if (report.syncs.length === 0) return "No syncs ran.";
  return report.syncs.map(renderRun).join("\n\n");
}

/** What went out: the plan's operations, or how many of them when the run stopped before sending them all. */
function sentOf(run: SyncRunReport): string {
  const planned = run.operations.write + run.operations.delete;
  return run.sent === undefined || run.sent === planned ? formatOperations(run.operations) : `${run.sent} of ${formatOperations(run.operations)}`;
}

function renderRun(run: SyncRunReport): string {
  const r = run.results;
  const lines = [
    `${STATUS_MARK[run.status]} ${run.name}  ${run.status} in ${formatDuration(run.durationMs)}  ${formatRoute(run)}`,
    `  planned: ${formatCounts(run.counts)}`,
    `  sent: ${sentOf(run)} -> ${r.succeeded} succeeded, ${r.rejected} rejected, ${r.failed} failed`,
  ];
  if (run.error) lines.push(`  error: ${run.error}`);
  for (const warning of run.warnings) lines.push(`  ! ${warning}`);
  if (run.status === "partial") {
    const recorded = `recorded in sync_errors (run ${run.runId})`;
    if (run.retryRejected === false && r.rejected > 0) {
      const failed = r.failed > 0 ? "; failed rows are retried on the next run" : "";
      lines.push(`  rejected rows are ${recorded} and sent again only once they change (retryRejected: false)${failed}`);
    } else {
      lines.push(`  rejected and failed rows are ${recorded} and retried on the next run`);
    }
  }
  return lines.join("\n");
}
