import { Args, Flags } from "@oclif/core";
import type { PlanReport } from "@reverse-etl/core";
import { BaseCommand } from "../base-command.js";
import { renderPlanMarkdown } from "../format/plan-markdown.js";
import { renderPlanTable } from "../format/plan-table.js";
import { createLogProgress } from "../output/sync-progress.js";

/** `reverse-etl plan [SYNC...]`: what a sync would send, without sending it. */
export default class Plan extends BaseCommand<typeof Plan> {
  static override summary = "Show what a sync would send, without sending anything.";

  static override description = `Runs each model in the warehouse and compares it, inside the warehouse, with the state of the last successful sync. Prints, per sync, the counts of added, changed, removed, unchanged and invalid rows (null or duplicate primary key: never sent), the operations a sync would send, and sample rows: for changed rows, each field that changes, from what to what. Nothing is written to the destination or the state.

--format markdown prints a document ready to post as a pull-request comment. --json (or --format json) prints the plan as one JSON document: {"syncs": [{"name", "mode", "counts": {...}, "operations", "samples", "warnings", ...}]}.`;

  static override examples = [
    { description: "Plan every sync:", command: "<%= config.bin %> <%= command.id %>" },
    { description: "Plan two syncs with 10 sample rows per class:", command: "<%= config.bin %> <%= command.id %> customers_to_hubspot accounts_to_hubspot --samples 10" },
    {
      description: "Post the plan as a pull-request comment from CI (GitHub CLI):",
      command: "<%= config.bin %> <%= command.id %> --format markdown > plan.md && gh pr comment --body-file plan.md",
    },
    { description: "What a full resync would send:", command: "<%= config.bin %> <%= command.id %> customers_to_hubspot --full" },
    { description: "Fail a CI step when anything would change (jq):", command: "<%= config.bin %> <%= command.id %> --json | jq -e '[.syncs[].operations | .write + .delete] | add == 0'" },
  ];

  static override strict = false;

  static override args = {
    sync: Args.string({ description: "Names of the syncs to plan (default: all)." }),
  };

  static override flags = {
    format: Flags.option({
      options: ["table", "json", "markdown"] as const,
      default: "table" as const,
      summary: "Output format.",
      description: "`table` for the terminal, `markdown` for a pull-request comment, `json` (same as --json) for scripts.",
    })(),
    full: Flags.boolean({ summary: "Plan a full resync: every valid row counts as to be sent.", default: false }),
    samples: Flags.integer({ summary: "Sample rows shown per class (added, changed, removed, invalid).", default: 5, min: 0 }),
  };

  async run(): Promise<PlanReport | void> {
    const progress = createLogProgress(this.logger, { level: "debug" });
    const report = await this.withProject((project) =>
      project.plan({
        syncs: this.rest.length > 0 ? this.rest : undefined,
        full: this.flags.full,
        sampleSize: this.flags.samples,
        onProgress: (event) => progress.onProgress(event),
      }),
    );
    progress.stop();
    if (this.jsonEnabled()) return report;
    if (this.flags.format === "json") {
      this.logJson(report);
      return;
    }
    this.print(this.flags.format === "markdown" ? renderPlanMarkdown(report).trimEnd() : renderPlanTable(report));
  }
}
