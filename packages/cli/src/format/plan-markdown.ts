import type { FieldValue, PlanReport, PlanSample, SyncPlan } from "@reverse-etl/core";
import { formatKey, formatValue } from "./format-value.js";
import { formatOperations } from "./plan-counts.js";

/**
 * Render a plan as a GitHub/GitLab pull-request comment: a heading, a summary table of every sync, then
 * per sync its warnings (GitHub alerts naming the sync, outside the collapsed part, so reviewers see them) and
 * a collapsible `<details>` block with the sample rows.
 */
export function renderPlanMarkdown(report: PlanReport): string {
  const out = ["### reverse-etl plan", ""];
  if (report.syncs.length === 0) return [...out, "No syncs to plan."].join("\n") + "\n";
  const pending = report.syncs.filter((s) => s.operations.write + s.operations.delete > 0).length;
  out.push(
    pending === 0
      ? "No changes: every sync is up to date."
      : `${pending} of ${report.syncs.length} sync${report.syncs.length === 1 ? "" : "s"} would send changes.`,
    "",
    "| Sync | Model → Destination | Mode | Added | Changed | Removed | Unchanged | Invalid | To send |",
    "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
  );
  for (const plan of report.syncs) {
    const target = plan.object ? `${plan.destination}/${plan.object}` : plan.destination;
    const c = plan.counts;
    out.push(
      `| ${code(plan.name)} | ${code(plan.model)} → ${code(target)} | ${plan.mode}${plan.full ? " (full)" : ""} | ${c.added} | ${c.changed} | ${c.removed} | ${c.unchanged} | ${c.invalid} | ${formatOperations(plan.operations)} |`,
    );
  }
  for (const plan of report.syncs) out.push("", ...renderSyncDetails(plan));
  return out.join("\n") + "\n";
}

function renderSyncDetails(plan: SyncPlan): string[] {
  const out: string[] = [];
  // Named by sync: with several syncs in one comment, a warning alone would not say whose it is.
  for (const warning of plan.warnings) out.push(`> [!WARNING]`, `> ${code(plan.name)}: ${cell(warning)}`, "");
  const { added, changed, removed, invalid } = plan.samples;
  if (added.length + changed.length + removed.length + invalid.length === 0) {
    out.push(`**${cell(plan.name)}**: nothing to show.`);
    return out;
  }
  out.push(`<details><summary><b>${html(plan.name)}</b>: sample rows</summary>`, "");
  if (changed.length > 0) {
    out.push(`**Changed** (${shown(changed.length, plan.counts.changed)})`, "", "| Key | Field | From | To |", "| --- | --- | --- | --- |");
    for (const sample of changed) {
      for (const change of sample.changes ?? []) {
        out.push(`| ${code(formatKey(sample.key))} | ${code(change.field)} | ${value(change.from)} | ${value(change.to)} |`);
      }
    }
    // A row can change with the same values, as its fingerprint also covers the mapping (a renamed field):
    // one line for all of them says so, instead of an empty table.
    const same = changed.filter((sample) => !sample.changes?.length);
    if (same.length > 0) {
      const keys = same.map((sample) => code(formatKey(sample.key))).join(", ");
      out.push(`| ${keys} | _(none)_ | | _same values; sent again because the fingerprint changed (the mapping is part of it)_ |`);
    }
    out.push("");
  }
  if (added.length > 0) out.push(...valuesTable("Added", added, plan.counts.added));
  if (removed.length > 0) {
    const title = plan.mode === "mirror" ? "Removed, to delete" : `Removed, not deleted (${plan.mode} mode)`;
    out.push(...valuesTable(title, removed, plan.counts.removed));
  }
  if (invalid.length > 0) {
    out.push(`**Invalid, never sent** (${shown(invalid.length, plan.counts.invalid)})`, "", "| Key | Reason |", "| --- | --- |");
    for (const sample of invalid) out.push(`| ${code(formatKey(sample.key))} | ${cell(sample.reason ?? "")} |`);
    out.push("");
  }
  out.push("</details>");
  return out;
}

function valuesTable(title: string, samples: PlanSample[], total: number): string[] {
  const fields = [...new Set(samples.flatMap((s) => Object.keys(s.values ?? {})))];
  const out = [
    `**${title}** (${shown(samples.length, total)})`,
    "",
    `| Key |${fields.map((f) => ` ${code(f)} |`).join("")}`,
    `| --- |${fields.map(() => " --- |").join("")}`,
  ];
  for (const sample of samples) {
    out.push(`| ${code(formatKey(sample.key))} |${fields.map((f) => ` ${value(sample.values?.[f])} |`).join("")}`);
  }
  out.push("");
  return out;
}

function shown(count: number, total: number): string {
  return count >= total ? `${total}` : `${count} of ${total}`;
}

/** Escape text for a table cell: pipes split cells and newlines end rows. */
function cell(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

function html(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function code(text: string): string {
  // A backtick inside inline code needs a longer fence; a value with one is rare enough to use two.
  const fence = text.includes("`") ? "``" : "`";
  return `${fence}${cell(text)}${fence}`;
}

function value(v: FieldValue | undefined): string {
  return v === undefined ? "_(unset)_" : code(formatValue(v));
}
