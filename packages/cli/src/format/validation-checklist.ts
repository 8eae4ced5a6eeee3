import type { ValidationReport } from "@reverse-etl/core";

/** Render `validate`'s result as a checklist: the config, each connection, each sync's mappings. */
export function renderValidationChecklist(report: ValidationReport): string {
  const mark = (ok: boolean) => (ok ? "✔" : "✖");
  const lines = [`${mark(true)} config ${report.file} is valid`];
  for (const warning of report.warnings) lines.push(`! ${report.file} ${warning.path}: ${warning.message}`);
  if (report.offline) {
    lines.push("- connections and mappings not checked (--offline)");
  } else {
    for (const c of report.connections) {
      lines.push(`${mark(c.ok)} ${c.kind} ${c.name}: ${c.ok ? "connected" : (c.error ?? "failed")}`);
    }
    for (const s of report.syncs) {
      lines.push(`${mark(s.ok)} sync ${s.name}: ${s.ok ? "mappings ok" : `${s.problems.length} problem${s.problems.length === 1 ? "" : "s"}`}`);
      for (const problem of s.problems) lines.push(`    - ${problem}`);
    }
  }
  lines.push("", report.ok ? "All checks passed." : "Some checks failed.");
  return lines.join("\n");
}
