import type { PlanReport, PlanSample, SyncPlan } from "@reverse-etl/core";
import { formatKey, formatValue } from "./format-value.js";
import { formatCounts, formatOperations, formatRoute } from "./plan-counts.js";

/**
 * Render a plan for the terminal: per sync a header (name, model -> destination/object, mode), the
 * counts, the operations to send, then samples — field changes as `field: from -> to`, invalid rows with
 * their reason — and warnings.
 */
export function renderPlanTable(report: PlanReport): string {
  if (report.syncs.length === 0) return "No syncs to plan.";
  return report.syncs.map(renderSyncPlan).join("\n\n");
}

function renderSyncPlan(plan: SyncPlan): string {
  const lines = [
    `${plan.name}  ${formatRoute(plan)}`,
    `  ${formatCounts(plan.counts)}`,
    plan.operations.write + plan.operations.delete === 0
      ? "  no changes to send"
      : `  to send: ${formatOperations(plan.operations)}`,
  ];
  const section = (title: string, samples: PlanSample[], total: number, marker: string) => {
    if (samples.length === 0) return;
    lines.push(`  ${title} (${showing(samples.length, total)}):`);
    for (const sample of samples) lines.push(...renderSample(sample, marker));
  };
  section("added", plan.samples.added, plan.counts.added, "+");
  section("changed", plan.samples.changed, plan.counts.changed, "~");
  // Only mirror mode deletes; elsewhere a row that left the model stays in the destination.
  section(plan.mode === "mirror" ? "removed" : `removed, not deleted (${plan.mode} mode)`, plan.samples.removed, plan.counts.removed, "-");
  section("invalid, never sent", plan.samples.invalid, plan.counts.invalid, "!");
  if (plan.warnings.length > 0) {
    lines.push("  warnings:");
    for (const warning of plan.warnings) lines.push(`    ! ${warning}`);
  }
  return lines.join("\n");
}

function showing(shown: number, total: number): string {
  return shown >= total ? `${total}` : `showing ${shown} of ${total}`;
}

function renderSample(sample: PlanSample, marker: string): string[] {
  const key = formatKey(sample.key);
  if (sample.reason !== undefined) return [`    ${marker} ${key}  ${sample.reason}`];
  if (sample.changes && sample.changes.length > 0) {
    return [
      `    ${marker} ${key}`,
      ...sample.changes.map((c) => `        ${c.field}: ${formatValue(c.from)} -> ${formatValue(c.to)}`),
    ];
  }
  if (sample.values) {
    const values = Object.entries(sample.values).map(([field, value]) => `${field}=${formatValue(value, 40)}`);
    return [`    ${marker} ${key}  ${values.join(" ")}`];
  }
  return [`    ${marker} ${key}`];
}
