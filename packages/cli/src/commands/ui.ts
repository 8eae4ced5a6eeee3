import { Flags } from "@oclif/core";
import { openProject } from "@reverse-etl/core";
import { dashboardRoute, startHttpServer } from "@reverse-etl/server";
import { BaseCommand } from "../base-command.js";
import { ExitCode } from "../exit-codes.js";
import { waitForStopSignal } from "../output/stop-signals.js";

/** `reverse-etl ui`: the run-history dashboard, without scheduling. */
export default class Ui extends BaseCommand<typeof Ui> {
  static override summary = "Serve the read-only run-history dashboard over the state in the warehouse, without running anything.";

  static override description = `Serves the same dashboard as \`reverse-etl start\` (every sync with its schedule and last run; a sync's runs with a chart of rows sent per run; a run's rejected and failed rows with their messages) and the read side of its API (GET /api/syncs, /api/syncs/NAME/runs, /api/runs/RUN_ID, /healthz, /readyz), from sync_runs and sync_errors. It schedules nothing and cannot trigger runs: use \`start\` for that.

Loopback only by default (--host to change). Runs until Ctrl-C or SIGTERM. A DuckDB warehouse file can be opened by one process at a time: stop \`ui\` before syncing it (PostgreSQL has no such limit).`;

  static override examples = [
    { description: "Look at the run history on http://127.0.0.1:8718:", command: "<%= config.bin %> <%= command.id %>" },
    { description: "On another port, printing the URL as JSON:", command: "<%= config.bin %> <%= command.id %> --port 9000 --json" },
  ];

  static override flags = {
    port: Flags.integer({ summary: "Port to listen on; 0 picks a free one.", default: 8718, min: 0, max: 65_535 }),
    host: Flags.string({ summary: "Address to listen on.", default: "127.0.0.1" }),
  };

  async run(): Promise<void> {
    await this.withProject(async (project) => {
      const ctx = { project: () => project };
      const http = await startHttpServer({ ...ctx, host: this.flags.host, port: this.flags.port, logger: this.logger, routes: [dashboardRoute(ctx)] }).catch(
        (error: NodeJS.ErrnoException) =>
          this.error(`[reverse-etl] ui: cannot listen on ${this.flags.host}:${this.flags.port} (${error.message})${error.code === "EADDRINUSE" ? ": choose another --port" : ""}.`, {
            exit: ExitCode.failure,
            code: "ListenError",
          }),
      );
      const signals = waitForStopSignal(() => process.exit(130));
      if (this.jsonEnabled()) process.stdout.write(`${JSON.stringify({ url: http.url, config: project.file })}\n`);
      else this.log(`reverse-etl dashboard on ${http.url} (read-only; Ctrl-C to stop)`);
      const signal = await signals.first;
      signals.dispose();
      this.logger.info("stopping the dashboard", { signal });
      await http.close();
    });
  }
}
