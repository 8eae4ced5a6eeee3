import { Flags } from "@oclif/core";
import { openProject, syncSchedule, type Project } from "@reverse-etl/core";
import { SyncScheduler } from "@reverse-etl/server";
import { BaseCommand } from "../base-command.js";
import { describeFailure } from "../failure.js";
import { waitForStopSignal } from "../output/stop-signals.js";

/** `reverse-etl start`: the scheduler daemon. */
export default class Start extends BaseCommand<typeof Start> {
  static override summary = "Run every sync on its schedule, until stopped (the production daemon).";

  static override description = `Runs each sync on its \`schedule\` (cron with 5 fields, or 6 with seconds first, read in the sync's \`timezone\`) and each sync with \`after: [...]\` once all the syncs it names have succeeded since its own last run. Runs go through the same engine as \`reverse-etl sync\`, in this process, and are recorded in sync_runs.

Never two runs of one sync at once: a scheduled time that finds the sync still running is skipped and logged. A scheduled time missed while reverse-etl was not running (since the sync's last run) is made up once at start.

One log line per run start and end (human on a terminal, logfmt otherwise; --log-format json for JSON lines).

SIGTERM or Ctrl-C: no new run starts, runs in flight finish the batches they are sending and commit them, and the process exits 0 (1 when runs were still going after --stop-timeout; their state is safe and the next start resumes them). A second signal stops at once; acknowledged batches stay committed and the rest is sent by the next run.`;

  static override examples = [
    { description: "Run the syncs of the config found from the current directory:", command: "<%= config.bin %> <%= command.id %>" },
    { description: "In a container, with JSON log lines:", command: "<%= config.bin %> <%= command.id %> --config /app/reverse-etl.config.ts --log-format json" },
    { description: "Give runs up to five minutes to finish on SIGTERM:", command: "<%= config.bin %> <%= command.id %> --stop-timeout 300" },
  ];

  static override flags = {
    "stop-timeout": Flags.integer({
      summary: "Seconds to let runs in flight finish after SIGTERM or Ctrl-C.",
      default: 60,
      min: 0,
      helpValue: "SECONDS",
    }),
  };

  async run(): Promise<void> {
    const project: Project = await openProject({ configPath: this.flags.config, logger: this.logger });
    const scheduler = new SyncScheduler({ project: () => project, logger: this.logger });
    const signals = waitForStopSignal(() => {
      // Second signal: out at once. Acknowledged batches are committed; the rest is resent by the next run.
      this.logger.warn("second signal: stopping at once");
      process.exit(130);
    });
    try {
      await scheduler.start();
      const syncs = Object.entries(project.config.syncs).map(([name, sync]) => ({
        name,
        schedule: syncSchedule(sync)?.cron ?? null,
        after: sync.after ?? [],
        nextRun: scheduler.nextRun(name)?.toISOString() ?? null,
      }));
      this.logger.info("reverse-etl started", { config: project.file, syncs: syncs.length, pid: process.pid });
      if (this.jsonEnabled()) process.stdout.write(`${JSON.stringify({ config: project.file, pid: process.pid, syncs })}\n`);
      else for (const s of syncs) this.log(`${s.name}  ${s.schedule ?? (s.after.length > 0 ? `after ${s.after.join(", ")}` : "no schedule")}${s.nextRun ? `  next ${s.nextRun}` : ""}`);
      const signal = await signals.first;
      const graceMs = this.flags["stop-timeout"] * 1000;
      this.logger.warn(`${signal} received: starting no new run, letting runs in flight finish (again to stop at once)`, {
        running: scheduler.active.size,
        stopTimeoutSeconds: this.flags["stop-timeout"],
      });
      const finished = await scheduler.stop(graceMs);
      if (!finished) {
        this.logger.error("runs were still going after --stop-timeout; their acknowledged batches are committed and the next start resumes them", {
          running: [...scheduler.active.keys()].join(","),
        });
        process.exitCode = 1;
      }
    } finally {
      signals.dispose();
      try {
        await project.close();
      } catch (error) {
        this.logger.warn("closing the project failed", { error: describeFailure(error).message });
      }
    }
    this.logger.info("reverse-etl stopped");
    // Pending cron timers or sockets must not keep a stopped daemon alive.
    process.exit(process.exitCode ?? 0);
  }
}
