import type { RunError, RunRecord } from "@reverse-etl/core";
import type { SyncSummary } from "../http/api-routes.js";
import type { ListedWorker } from "../queue/worker-registry.js";
import { escapeHtml, formatDuration, formatTime, statusBadge } from "./html.js";

const durationOf = (run: RunRecord): number | null => (run.finishedAt ? Date.parse(run.finishedAt) - Date.parse(run.startedAt) : null);
const syncLink = (name: string) => `<a href="/syncs/${encodeURIComponent(name)}">${escapeHtml(name)}</a>`;
const runLink = (run: RunRecord, text = run.runId) => `<a href="/runs/${encodeURIComponent(run.runId)}">${escapeHtml(text)}</a>`;
const whenRuns = (s: SyncSummary) =>
  [s.schedule ? `<code>${escapeHtml(s.schedule)}</code>${s.timezone ? ` <span class="meta">${escapeHtml(s.timezone)}</span>` : ""}` : "", s.after.length > 0 ? `after ${s.after.map(syncLink).join(", ")}` : ""]
    .filter(Boolean)
    .join("<br>") || '<span class="meta">on demand</span>';

/** `/`: every sync with its schedule, next run and last run. */
export function syncListPage(syncs: SyncSummary[]): string {
  const rows = syncs.map((s) => {
    const last = s.lastRuns[0];
    return `<tr data-sync="${escapeHtml(s.name)}">
<td data-label="Sync">${syncLink(s.name)}</td>
<td data-label="Model → destination">${escapeHtml(s.model)} → ${escapeHtml(s.destination)}${s.object ? ` <span class="meta">${escapeHtml(s.object)}</span>` : ""}</td>
<td data-label="Runs">${whenRuns(s)}</td>
<td data-label="Next run">${s.running ? statusBadge("running") : formatTime(s.nextRun) || '<span class="meta">—</span>'}</td>
<td data-label="Last run">${last ? `${statusBadge(last.status)} ${runLink(last, formatTime(last.startedAt).replace(/<[^>]+>/g, ""))}` : statusBadge(null)}</td>
</tr>`;
  });
  return `<h1>Syncs</h1>
<div class="card"><table class="stack" id="syncs">
<thead><tr><th>Sync</th><th>Model → destination</th><th>Runs</th><th>Next run</th><th>Last run</th></tr></thead>
<tbody>${rows.join("\n")}</tbody></table></div>`;
}

/** The workers of the job queue (`start --queue`): who, what each runs, when last seen. */
export function workersSection(workers: ListedWorker[]): string {
  const rows = workers.map((w) => {
    const state = !w.alive ? '<span class="badge failed">not answering</span>' : w.stopping ? '<span class="badge partial">stopping</span>' : '<span class="badge succeeded">alive</span>';
    const runs = w.running.map((r) => `${syncLink(r.sync)} <a href="/runs/${encodeURIComponent(r.runId)}">${escapeHtml(r.runId)}</a>${r.attempt > 0 ? ` <span class="meta">attempt ${r.attempt + 1}</span>` : ""}`);
    return `<tr data-worker="${escapeHtml(w.id)}">
<td data-label="Worker"><code>${escapeHtml(w.id.slice(0, 8))}</code> <span class="meta">${escapeHtml(w.host)} pid ${w.pid}</span></td>
<td data-label="State">${state}</td>
<td data-label="Running">${runs.join("<br>") || '<span class="meta">idle</span>'} <span class="meta">(${w.running.length}/${w.concurrency})</span></td>
<td data-label="Last seen">${formatTime(w.lastSeen)}</td>
</tr>`;
  });
  return `<h2>Workers</h2>
<div class="card"><table class="stack" id="workers">
<thead><tr><th>Worker</th><th>State</th><th>Running</th><th>Last seen</th></tr></thead>
<tbody>${rows.join("\n") || '<tr><td colspan="4" class="meta">No worker registered.</td></tr>'}</tbody></table></div>`;
}

/** Rows sent per run, oldest first, as a small bar chart (inline SVG: no script, readable on a phone). */
function sentChart(runs: RunRecord[]): string {
  const finished = runs.filter((r) => r.status !== "running").slice(0, 30).reverse();
  if (finished.length === 0) return '<p class="meta">No finished run yet.</p>';
  const max = Math.max(1, ...finished.map((r) => r.sent));
  const width = 600;
  const slot = width / finished.length;
  const bars = finished.map((r, i) => {
    const h = Math.max(r.sent > 0 ? 2 : 0, (r.sent / max) * 110);
    return `<rect class="bar ${escapeHtml(r.status)}" x="${(i * slot + slot * 0.15).toFixed(1)}" y="${(120 - h).toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${h.toFixed(1)}"><title>${escapeHtml(`${r.startedAt}: ${r.sent} sent (${r.status})`)}</title></rect>`;
  });
  return `<p class="meta">Last ${finished.length} run(s), oldest first; tallest bar ${max} rows.</p>
<svg class="chart" id="sent-chart" viewBox="0 0 ${width} 140" preserveAspectRatio="none" role="img" aria-label="Rows sent per run">
<line x1="0" y1="120.5" x2="${width}" y2="120.5" stroke="#c9d0db"/>${bars.join("")}</svg>`;
}

/** `/syncs/NAME`: a sync, its runs and a chart of rows sent per run, with a button to run it now. */
export function syncPage(sync: SyncSummary, runs: RunRecord[], canTrigger: boolean): string {
  const rows = runs.map(
    (r) => `<tr>
<td data-label="Run">${runLink(r)}</td><td data-label="Status">${statusBadge(r.status)}</td>
<td data-label="Started">${formatTime(r.startedAt)}</td><td data-label="Duration" class="num">${formatDuration(durationOf(r))}</td>
<td data-label="Planned" class="num">${r.counts.added + r.counts.changed + r.counts.removed}</td><td data-label="Sent" class="num">${r.sent}</td>
<td data-label="Succeeded" class="num">${r.succeeded}</td><td data-label="Rejected" class="num">${r.rejected}</td><td data-label="Failed" class="num">${r.failed}</td>
<td data-label="Error" class="error">${escapeHtml(r.error ?? "")}</td></tr>`,
  );
  const trigger = canTrigger
    ? `<p><button id="run-now" data-url="/api/syncs/${encodeURIComponent(sync.name)}/runs">Run now</button> <span id="run-now-status" class="meta"></span></p>
<script>${TRIGGER_SCRIPT}</script>`
    : "";
  return `<h1>${escapeHtml(sync.name)}</h1>
<div class="card"><dl>
<dt>Model</dt><dd>${escapeHtml(sync.model)}</dd>
<dt>Destination</dt><dd>${escapeHtml(sync.destination)}${sync.object ? ` (${escapeHtml(sync.object)})` : ""}</dd>
<dt>Runs</dt><dd>${whenRuns(sync)}</dd>
<dt>Next run</dt><dd>${formatTime(sync.nextRun) || "—"}</dd>
<dt>Running</dt><dd>${sync.running ? `<a href="/runs/${encodeURIComponent(sync.running)}">${escapeHtml(sync.running)}</a>` : "no"}</dd>
</dl>${trigger}</div>
<h2>Rows sent per run</h2>
<div class="card">${sentChart(runs)}</div>
<h2>Runs</h2>
<div class="card"><table class="stack" id="runs">
<thead><tr><th>Run</th><th>Status</th><th>Started</th><th class="num">Duration</th><th class="num">Planned</th><th class="num">Sent</th><th class="num">Succeeded</th><th class="num">Rejected</th><th class="num">Failed</th><th>Error</th></tr></thead>
<tbody>${rows.join("\n") || '<tr><td colspan="10" class="meta">No run yet.</td></tr>'}</tbody></table></div>`;
}

/** `/runs/ID`: a run's figures and the rows it did not deliver, with their messages. */
export function runPage(run: RunRecord, errors: RunError[]): string {
  const rows = errors.map(
    (e) => `<tr><td data-label="Key"><code>${escapeHtml(JSON.stringify(e.key))}</code></td><td data-label="Kind"><span class="badge ${e.kind === "rejected" ? "partial" : "failed"}">${escapeHtml(e.kind)}</span></td><td data-label="Message" class="error">${escapeHtml(e.message)}</td></tr>`,
  );
  return `<h1>Run ${escapeHtml(run.runId)}</h1>
<div class="card"><dl>
<dt>Sync</dt><dd>${syncLink(run.sync)}</dd>
<dt>Status</dt><dd id="run-status">${statusBadge(run.status)}</dd>
<dt>Started</dt><dd>${formatTime(run.startedAt)}</dd>
<dt>Finished</dt><dd>${formatTime(run.finishedAt) || "—"}</dd>
<dt>Duration</dt><dd>${formatDuration(durationOf(run))}</dd>
<dt>Planned</dt><dd>${run.counts.added} added · ${run.counts.changed} changed · ${run.counts.removed} removed · ${run.counts.unchanged} unchanged · ${run.counts.invalid} invalid</dd>
<dt>Outcome</dt><dd>${run.sent} sent → ${run.succeeded} succeeded, ${run.rejected} rejected, ${run.failed} failed</dd>
${run.error ? `<dt>Error</dt><dd class="error">${escapeHtml(run.error)}</dd>` : ""}
</dl></div>
<h2>Rows not delivered${errors.length >= 100 ? " (first 100)" : ""}</h2>
<div class="card"><table class="stack" id="run-errors">
<thead><tr><th>Key</th><th>Kind</th><th>Message</th></tr></thead>
<tbody>${rows.join("\n") || '<tr><td colspan="3" class="meta">Every row was delivered.</td></tr>'}</tbody></table></div>`;
}

/** The "Run now" button: POST to the API (asking once for the token when it needs one), then open the run. */
const TRIGGER_SCRIPT = `
document.getElementById("run-now").addEventListener("click", async (event) => {
  const button = event.currentTarget, status = document.getElementById("run-now-status");
  button.disabled = true; status.textContent = "Starting…";
  const post = (token) => fetch(button.dataset.url, { method: "POST", headers: token ? { authorization: "Bearer " + token } : {} });
  let response = await post(sessionStorage.getItem("reverse-etl-token"));
  if (response.status === 401) {
    const token = prompt("API token (REVERSE_ETL_API_TOKEN)");
    if (token) { sessionStorage.setItem("reverse-etl-token", token); response = await post(token); }
  }
  const body = await response.json().catch(() => ({}));
  if (body.runId) { location.href = "/runs/" + encodeURIComponent(body.runId); return; }
  status.textContent = (body.error && body.error.message) || "HTTP " + response.status;
  button.disabled = false;
});`;
