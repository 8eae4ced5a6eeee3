import { Flags } from "@oclif/core";
import { openProject, secrets, syncSchedule, type Project } from "@reverse-etl/core";
import { dashboardRoute, isLoopback, metricsRoute, QueueWorker, ReloadingProject, RunMetrics, startHttpServer, SyncScheduler } from "@reverse-etl/server";
import { BaseCommand } from "../base-command.js";
import { ExitCode } from "../exit-codes.js";
import { describeFailure } from "../failure.js";
import { waitForStopSignal } from "../output/stop-signals.js";

/** `reverse-etl start`: the scheduler daemon. */
export default class Start extends BaseCommand<typeof Start> {
  static override summary = "Run every sync on its schedule, until stopped (the production daemon).";

  static override description = `Runs each sync on its \`schedule\` (cron with 5 fields, or 6 with seconds first, read in the sync's \`timezone\`) and each sync with \`after: [...]\` once all the syncs it names have succeeded since its own last run. Runs go through the same engine as \`reverse-etl sync\`, in this process, and are recorded in sync_runs.

Never two runs of one sync at once: a scheduled time that finds the sync still running is skipped and logged. A scheduled time missed while reverse-etl was not running (since the sync's last run) is made up once at start.

An HTTP API listens on --host:--port (default 127.0.0.1:8717): GET /api/syncs (each sync: schedule, next run, last runs), POST /api/syncs/NAME/runs (trigger a run now; answers {"runId"} with 202, 409 when it is already running), GET /api/runs/RUN_ID (the run and its rejected and failed rows), GET /api/workers (with --queue: the workers, as \`reverse-etl workers\` lists them), GET /healthz, GET /readyz (the state in the warehouse answers). Writes need "Authorization: Bearer TOKEN" when REVERSE_ETL_API_TOKEN (or --api-token) is set, and listening beyond loopback (--host 0.0.0.0) requires it.

The config file is watched: a valid edit is picked up between runs (runs in flight finish on the config they started with); an invalid one is refused with the same errors as \`validate\`, logged, and the previous config keeps running.

One log line per run start and end (human on a terminal, logfmt otherwise; --log-format json for JSON lines).

Several workers (on one or many machines) share the runs with --queue URL (or \`scheduler: { queue: env("QUEUE_URL") }\` in the config): a PostgreSQL database holding a pg-boss job queue. Every worker keeps the schedules, and each scheduled time becomes one job that exactly one worker runs (up to --concurrency at once per worker); API triggers and \`after\` chains are queued too. Each destination's rate limits become one budget for all the workers, kept in that database. A worker that dies (kill -9, a lost machine) stops beating; --worker-timeout seconds later another worker sends its runs back to the queue, and the retry resends only what the dead run had not committed. \`reverse-etl workers\` lists the live workers.

SIGTERM or Ctrl-C: no new run starts, runs in flight finish the batches they are sending and commit them, and the process exits 0 (1 when runs were still going after --stop-timeout; their state is safe and the next start resumes them). A second signal stops at once; acknowledged batches stay committed and the rest is sent by the next run.`;

  static override examples = [
    { description: "Run the syncs of the config found from the current directory:", command: "<%= config.bin %> <%= command.id %>" },
    { description: "In a container, with JSON log lines:", command: "<%= config.bin %> <%= command.id %> --config /app/reverse-etl.config.ts --log-format json" },
    { description: "Trigger a run from a dbt, Airflow or Dagster hook:", command: "curl -X POST http://127.0.0.1:8717/api/syncs/customers_to_hubspot/runs" },
    { description: "Listen on every interface (in a container), writes behind a token:", command: "REVERSE_ETL_API_TOKEN=... <%= config.bin %> <%= command.id %> --host 0.0.0.0" },
    { description: "Give runs up to five minutes to finish on SIGTERM:", command: "<%= config.bin %> <%= command.id %> --stop-timeout 300" },
    { description: "One of several workers sharing a queue, four runs at a time:", command: "<%= config.bin %> <%= command.id %> --queue postgres://reverse_etl@db/warehouse --concurrency 4" },
  ];

  static override flags = {
    port: Flags.integer({ summary: "Port of the HTTP API, metrics and dashboard; 0 picks a free one.", default: 8717, min: 0, max: 65_535 }),
    host: Flags.string({ summary: "Address to listen on. Beyond loopback, writes need --api-token.", default: "127.0.0.1" }),
    "api-token": Flags.string({
      summary: "Bearer token the API's writes (triggering runs) require.",
      env: "REVERSE_ETL_API_TOKEN",
      helpValue: "TOKEN",
    }),
    "stop-timeout": Flags.integer({
      summary: "Seconds to let runs in flight finish after SIGTERM or Ctrl-C.",
      default: 60,
      min: 0,
      helpValue: "SECONDS",
    }),
    queue: Flags.string({
      summary: "PostgreSQL URL of a job queue shared with other workers (default: the config's scheduler.queue; none: run alone).",
      env: "REVERSE_ETL_QUEUE_URL",
      helpValue: "URL",
    }),
    concurrency: Flags.integer({ summary: "With a queue: runs this worker takes at once (default: scheduler.concurrency, else 2).", min: 1, helpValue: "N" }),
    "worker-timeout": Flags.integer({
      summary: "With a queue: seconds without a heartbeat after which this worker counts as dead and its runs go to another.",
      default: 30,
      min: 3,
      helpValue: "SECONDS",
    }),
  };

  async run(): Promise<void> {
    const token = this.flags["api-token"];
    if (token) secrets.add(token);
    if (!isLoopback(this.flags.host) && !token) {
      this.error(`[reverse-etl] start: --host ${this.flags.host} lets other machines reach the API; set REVERSE_ETL_API_TOKEN (or --api-token) so that triggering runs needs it.`, {
        exit: ExitCode.invalidConfig,
        code: "UsageError",
      });
    }
    const open = () => openProject({ configPath: this.flags.config, logger: this.logger });
    const first: Project = await open();
    // The scheduler reads the project the holder has now; the holder reschedules after an edit.
    let holder: ReloadingProject | undefined;
    const project = () => holder?.current ?? first;
    const queueUrl = this.flags.queue ?? first.config.scheduler?.queue;
    if (queueUrl) secrets.add(queueUrl);
    const concurrency = this.flags.concurrency ?? first.config.scheduler?.concurrency ?? 2;
    const worker = queueUrl
      ? await QueueWorker.connect({
          url: queueUrl,
          concurrency,
          lapseSeconds: this.flags["worker-timeout"],
          logger: this.logger,
        }).catch(async (error: unknown) => {
          await first.close().catch(() => undefined);
          return this.error(`[reverse-etl] start: cannot open the job queue (${describeFailure(error).message}); check --queue or scheduler.queue.`, { exit: ExitCode.failure, code: "QueueError" });
        })
      : undefined;
    const scheduler = new SyncScheduler({ project, logger: this.logger, ...(worker ? { queue: worker.queue, requestBudget: worker.budget, checksStale: () => worker.isLeader() } : {}) });
    holder = new ReloadingProject(first, { open, logger: this.logger, scheduler });
    const metrics = new RunMetrics();
    metrics.observe(scheduler);
    let http: Awaited<ReturnType<typeof startHttpServer>> | undefined;
    const signals = waitForStopSignal(() => {
      // Second signal: out at once. Acknowledged batches are committed; the rest is resent by the next run.
      this.logger.warn("second signal: stopping at once");
      process.exit(130);
    });
    try {
      await metrics.seed(first);
      const workers = worker ? { workers: () => worker.workers() } : {};
      const routes = [metricsRoute(metrics), dashboardRoute({ project, scheduler, token, ...workers })];
      http = await startHttpServer({ project, scheduler, token, ...workers, host: this.flags.host, port: this.flags.port, logger: this.logger, routes }).catch((error: NodeJS.ErrnoException) => {
        const hint = error.code === "EADDRINUSE" ? ": the port is taken, choose another --port (0 picks a free one)" : "";
        return this.error(`[reverse-etl] start: cannot listen on ${this.flags.host}:${this.flags.port} (${error.message})${hint}.`, { exit: ExitCode.failure, code: "ListenError" });
      });
      await scheduler.start();
      await worker?.run(scheduler);
      await holder.watch();
      const syncs = Object.entries(first.config.syncs).map(([name, sync]) => ({
        name,
        schedule: syncSchedule(sync)?.cron ?? null,
        after: sync.after ?? [],
        nextRun: scheduler.nextRun(name)?.toISOString() ?? null,
      }));
      const queue = worker ? { worker: worker.id ?? null, concurrency } : null;
      this.logger.info("reverse-etl started", { config: first.file, url: http.url, syncs: syncs.length, pid: process.pid, ...(queue ? { worker: queue.worker } : {}) });
      if (this.jsonEnabled()) process.stdout.write(`${JSON.stringify({ url: http.url, config: first.file, pid: process.pid, queue, syncs })}\n`);
      else this.log(`reverse-etl listening on ${http.url} (dashboard, /api/syncs, /metrics)${queue ? `; worker ${queue.worker} of the queue, ${queue.concurrency} runs at a time` : ""}`);
      if (!this.jsonEnabled()) for (const s of syncs) this.log(`${s.name}  ${s.schedule ?? (s.after.length > 0 ? `after ${s.after.join(", ")}` : "no schedule")}${s.nextRun ? `  next ${s.nextRun}` : ""}`);
      const signal = await signals.first;
      const graceMs = this.flags["stop-timeout"] * 1000;
      this.logger.warn(`${signal} received: starting no new run, letting runs in flight finish (again to stop at once)`, {
        running: scheduler.active.size,
        stopTimeoutSeconds: this.flags["stop-timeout"],
      });
      const finished = worker ? await worker.stop(() => scheduler.stop(graceMs), graceMs) : await scheduler.stop(graceMs);
      if (!finished) {
        this.logger.error("runs were still going after --stop-timeout; their acknowledged batches are committed and the next start resumes them", {
          running: [...scheduler.active.keys()].join(","),
        });
        process.exitCode = 1;
      }
    } finally {
      signals.dispose();
      if (worker && !worker.stopped) await worker.stop(async () => true, 1000);
      await http?.close();
      try {
        await holder.close();
      } catch (error) {
        this.logger.warn("closing the project failed", { error: describeFailure(error).message });
      }
    }
    this.logger.info("reverse-etl stopped");
    // Pending cron timers or sockets must not keep a stopped daemon alive.
    process.exit(process.exitCode ?? 0);
  }
}
