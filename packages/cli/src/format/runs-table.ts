import type { RunRecord } from "@reverse-etl/core";
import { formatDuration } from "./duration.js";
import { renderTextTable } from "./text-table.js";

/** Longest error shown in the table; `--json` carries the whole message. */
const MAX_ERROR_WIDTH = 80;

/** Render run history (newest first) as a table: when, which sync, status, counts, outcomes, duration, error. */
export function renderRunsTable(runs: readonly RunRecord[]): string {
  if (runs.length === 0) return "No runs recorded yet. Run `reverse-etl sync` first.";
  const num = (header: string) => ({ header, align: "right" as const });
  return renderTextTable(
    [
      { header: "STARTED" },
      { header: "SYNC" },
      { header: "STATUS" },
      num("ADDED"),
      num("CHANGED"),
      num("REMOVED"),
      num("UNCHANGED"),
      num("INVALID"),
      num("SUCCEEDED"),
      num("REJECTED"),
      num("FAILED"),
      num("DURATION"),
      { header: "ERROR" },
    ],
    runs.map((run) => [
      formatTimestamp(run.startedAt),
      run.sync,
      run.status,
      String(run.counts.added),
      String(run.counts.changed),
      String(run.counts.removed),
      String(run.counts.unchanged),
      String(run.counts.invalid),
      String(run.succeeded),
      String(run.rejected),
      String(run.failed),
      run.finishedAt ? formatDuration(Date.parse(run.finishedAt) - Date.parse(run.startedAt)) : "running",
      truncate((run.error ?? "").replace(/\s+/g, " "), MAX_ERROR_WIDTH),
    ]),
  );
}

/** `2026-03-01 12:00:05Z` from an ISO timestamp; unparseable input is shown as is. */
function formatTimestamp(iso: string): string {
  const time = Date.parse(iso);
  return Number.isNaN(time) ? iso : new Date(time).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

function truncate(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}
