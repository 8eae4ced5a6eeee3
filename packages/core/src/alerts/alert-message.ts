import type { AlertEvent } from "../config/types.js";
import type { PlanCounts, RunError } from "../reports.js";

/** The JSON document an alert POSTs (`format: "json"`). Stable contract. */
export interface AlertPayload {
  event: AlertEvent;
  sync: string;
  runId: string | null;
  status: string | null;
  counts: PlanCounts | null;
  results: { sent: number; succeeded: number; rejected: number; failed: number } | null;
  error?: string;
  /** The first rows the run did not deliver, with the destination's message. */
  firstErrors: RunError[];
  /** `stale` only: when the sync last succeeded (null: never). */
  lastSuccessAt?: string | null;
}

const ICONS: Record<AlertEvent, string> = { failed: ":red_circle:", partial: ":large_orange_circle:", recovered: ":large_green_circle:", stale: ":hourglass:" };

/** A Slack incoming-webhook message with the same facts, readable in a channel. */
export function slackMessage(payload: AlertPayload): { text: string } {
  const head =
    payload.event === "stale"
      ? `${ICONS.stale} *${payload.sync}* is stale: no successful run since ${payload.lastSuccessAt ?? "it was set up"}`
      : `${ICONS[payload.event]} *${payload.sync}* ${payload.event === "recovered" ? "recovered" : payload.event === "failed" ? "failed" : "was partial"}`;
  const lines = [`${head}${payload.runId ? ` (run \`${payload.runId}\`, ${payload.status})` : ""}`];
  if (payload.error) lines.push(`> ${payload.error}`);
  if (payload.results) {
    const r = payload.results;
    lines.push(`${r.sent} sent · ${r.succeeded} succeeded · ${r.rejected} rejected · ${r.failed} failed`);
  }
  if (payload.firstErrors.length > 0) {
    lines.push("First rows not delivered:");
    for (const e of payload.firstErrors) lines.push(`• \`${JSON.stringify(e.key)}\` ${e.kind}: ${e.message}`);
  }
  return { text: lines.join("\n") };
}
