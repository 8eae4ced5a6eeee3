/** Escape text for HTML content and attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** A status as a coloured badge. */
export function statusBadge(status: string | null | undefined): string {
  const s = status ?? "never run";
  return `<span class="badge ${escapeHtml(s.replace(/\s/g, "-"))}" data-status="${escapeHtml(s)}">${escapeHtml(s)}</span>`;
}

/** A duration in ms as `1.2 s`, `3 min 4 s`. */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return "";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** An ISO time as `2026-11-29 20:12:29 UTC`, in a <time> element. */
export function formatTime(iso: string | null): string {
  if (!iso) return "";
  return `<time datetime="${escapeHtml(iso)}">${escapeHtml(iso.replace("T", " ").replace(/\.\d+Z$|Z$/, " UTC"))}</time>`;
}

const STYLE = `
:root { color-scheme: light; --ink: #1d2430; --muted: #5b6576; --line: #e3e7ee; --bg: #f6f8fb; --accent: #2457d6; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
header { background: #121a2b; color: #fff; padding: 12px 20px; display: flex; gap: 16px; align-items: baseline; flex-wrap: wrap; }
header a { color: #fff; text-decoration: none; font-weight: 600; }
header .mode { color: #aab4c8; font-size: 13px; }
main { max-width: 1100px; margin: 0 auto; padding: 20px; }
h1 { font-size: 22px; margin: 4px 0 16px; word-break: break-word; }
h2 { font-size: 17px; margin: 24px 0 8px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px; margin-bottom: 16px; overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 8px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
a { color: var(--accent); }
.badge { display: inline-block; padding: 2px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; background: #e8ebf1; color: #3a4252; white-space: nowrap; }
.badge.succeeded { background: #dcf5e3; color: #17643a; } .badge.partial { background: #fff0d6; color: #8a5300; }
.badge.failed { background: #fde0e0; color: #a01c1c; } .badge.running { background: #dde8ff; color: #1c3f99; }
.meta { color: var(--muted); font-size: 13px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 6px 16px; margin: 0; }
dt { color: var(--muted); } dd { margin: 0; word-break: break-word; }
button { font: inherit; background: var(--accent); color: #fff; border: 0; border-radius: 6px; padding: 8px 14px; cursor: pointer; }
button:disabled { opacity: .6; cursor: default; }
.error { color: #a01c1c; white-space: pre-wrap; word-break: break-word; }
svg.chart { width: 100%; height: 140px; display: block; }
svg.chart rect.bar { fill: var(--accent); } svg.chart rect.bar.failed { fill: #d64545; } svg.chart rect.bar.partial { fill: #e0962b; }
@media (max-width: 640px) {
  main { padding: 12px; } .card { padding: 10px; } th, td { padding: 6px; }
  table.stack thead { display: none; }
  table.stack tr { display: block; border-bottom: 1px solid var(--line); padding: 6px 0; }
  table.stack td { display: flex; justify-content: space-between; gap: 12px; border: 0; padding: 3px 0; text-align: right; }
  table.stack td::before { content: attr(data-label); color: var(--muted); text-align: left; }
}`;

/** A whole page. */
export function page(title: string, body: string, options: { readOnly: boolean; refreshSeconds?: number }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${options.refreshSeconds ? `<meta http-equiv="refresh" content="${options.refreshSeconds}">` : ""}
<title>${escapeHtml(title)} · reverse-etl</title>
<style>${STYLE}</style>
</head>
<body>
<header><a href="/">reverse-etl</a><span class="mode">${options.readOnly ? "read-only (reverse-etl ui)" : "reverse-etl start"}</span></header>
<main>
${body}
</main>
</body>
</html>`;
}
