import { Args, Flags } from "@oclif/core";
import type { SyncReport } from "@reverse-etl/core";
import { BaseCommand } from "../base-command.js";
import { exitCodeForSyncReport, interruptedExitCode } from "../exit-codes.js";
import { renderSyncSummary } from "../format/sync-summary.js";
import { createBarProgress, createLogProgress, type ProgressReporter } from "../output/sync-progress.js";

/** `reverse-etl sync [SYNC...]`: send the changes. */
export default class Sync extends BaseCommand<typeof Sync> {
  static override summary = "Send the rows that changed since the last successful sync.";

  static override description = `Plans each sync (see \`plan\`), then streams the added, changed and (in mirror mode) removed rows to the destination in batches, and commits state in the warehouse after each acknowledged batch. A rejected row keeps its old state, is recorded in sync_errors and is retried on the next run (with retryRejected: false on the sync, only once it changes). Every run is recorded in sync_runs (see \`runs\`). Only one run of a sync at a time: a concurrent run exits with code 4.

Exit code: 0 when every sync succeeded, 6 when any was partial (rows rejected or failed), 1 when any failed, 3 when a source or destination cannot be reached or refused the credentials, 5 when mirror mode would delete too many records, 4 when the sync is locked by another run, 130 (143 for SIGTERM) when interrupted. Ctrl-C (SIGINT or SIGTERM) stops cleanly: no new batch starts, the batches in flight finish and are committed, the rest is sent by the next run; a second Ctrl-C quits at once.

--json prints one JSON document: {"syncs": [{"name", "mode", "counts", "status": "succeeded" | "partial" | "failed", "results": {"succeeded", "rejected", "failed"}, ...}]}.`;

  static override examples = [
    { description: "Sync everything that changed:", command: "<%= config.bin %> <%= command.id %>" },
    { description: "Sync one sync, resending every row:", command: "<%= config.bin %> <%= command.id %> customers_to_hubspot --full" },
    {
      description: "Mirror mode: allow deleting more than the sync's maxDeleteShare (after checking `plan`):",
      command: "<%= config.bin %> <%= command.id %> customers_to_hubspot --allow-mass-delete",
    },
    { description: "From a scheduler, with structured logs and a JSON report:", command: "<%= config.bin %> <%= command.id %> --json --log-format json > report.json" },
  ];

  static override strict = false;

  static override args = {
    sync: Args.string({ description: "Names of the syncs to run (default: all)." }),
  };

  static override flags = {
    full: Flags.boolean({ summary: "Resend every valid row, not only the changed ones.", default: false }),
    "allow-mass-delete": Flags.boolean({
      summary: "Let mirror mode delete more than the sync's maxDeleteShare (default 50%) of synced records.",
      default: false,
    }),
  };

  async run(): Promise<SyncReport> {
    const progress: ProgressReporter =
      process.stdout.isTTY && !this.jsonEnabled() ? createBarProgress(process.stdout) : createLogProgress(this.logger);
    // The first signal stops new batches and lets those in flight finish and commit; the second aborts them.
    const stop = new AbortController();
    const abort = new AbortController();
    let received: NodeJS.Signals | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stop.signal.aborted) {
        // Second Ctrl-C: the user wants out now. Acknowledged batches are committed; the rest is resent.
        abort.abort(new Error(`interrupted by a second ${signal}`));
        process.exit(interruptedExitCode(signal));
      }
      received = signal;
      this.logger.warn(`${signal} received: stopping after the batches in flight (press Ctrl-C again to quit at once)`);
      stop.abort(new Error(`interrupted by ${signal}`));
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    let report: SyncReport;
    try {
      report = await this.withProject((project) =>
        project.sync({
          syncs: this.rest.length > 0 ? this.rest : undefined,
          full: this.flags.full,
          allowMassDelete: this.flags["allow-mass-delete"],
          signal: stop.signal,
          abortSignal: abort.signal,
          onProgress: (event) => progress.onProgress(event),
        }),
      );
    } finally {
      progress.stop();
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
    this.print(renderSyncSummary(report));
    // On a terminal the summary above says it all; in logs (CI, schedulers) one line per sync.
    const logOutcomes = !process.stdout.isTTY || this.jsonEnabled();
    for (const run of logOutcomes ? report.syncs : []) {
      this.logger.info("sync finished", {
        sync: run.name,
        status: run.status,
        succeeded: run.results.succeeded,
        rejected: run.results.rejected,
        failed: run.results.failed,
        durationMs: run.durationMs,
      });
    }
    process.exitCode = received ? interruptedExitCode(received) : exitCodeForSyncReport(report);
    return report;
  }
}
