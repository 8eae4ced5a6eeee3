import type { Project } from "@reverse-etl/core";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { sendText } from "../http/http-io.js";
import type { RouteHandler } from "../http/http-server.js";
import type { RunEvent, SyncScheduler } from "../scheduler/sync-scheduler.js";

/**
 * The Prometheus metrics of `start` (prom-client, one registry per server), fed by the scheduler's run
 * events. Counters count what this process ran since it started, as Prometheus counters do; the last
 * success time is read from `sync_runs` at start, so it survives restarts.
 */
export class RunMetrics {
  readonly registry = new Registry();
  readonly #rows = ["planned", "sent", "succeeded", "rejected", "failed"].map(
    (what) =>
      [
        what,
        new Counter({
          name: `reverse_etl_rows_${what}_total`,
          help: `Rows ${what === "planned" ? "planned to be sent (writes and deletes)" : what} by runs of each sync.`,
          labelNames: ["sync"],
          registers: [this.registry],
        }),
      ] as const,
  );
  readonly #runs = new Counter({ name: "reverse_etl_runs_total", help: "Finished runs, by sync and status (succeeded, partial, failed).", labelNames: ["sync", "status"], registers: [this.registry] });
  readonly #skipped = new Counter({ name: "reverse_etl_runs_skipped_total", help: "Run requests skipped because the sync was already running (or reverse-etl was stopping).", labelNames: ["sync"], registers: [this.registry] });
  readonly #duration = new Histogram({
    name: "reverse_etl_run_duration_seconds",
    help: "Duration of finished runs.",
    labelNames: ["sync", "status"],
    buckets: [1, 5, 15, 60, 300, 900, 3600, 4 * 3600],
    registers: [this.registry],
  });
  readonly #lastSuccess = new Gauge({ name: "reverse_etl_last_success_timestamp_seconds", help: "When each sync last succeeded (Unix time).", labelNames: ["sync"], registers: [this.registry] });
  readonly #retries = new Counter({ name: "reverse_etl_destination_retries_total", help: "Records sent again after a transient destination failure or a rate limit.", labelNames: ["sync", "destination"], registers: [this.registry] });
  readonly #rateLimited = new Counter({ name: "reverse_etl_destination_rate_limited_total", help: "Retries the destination asked for by rate limiting (HTTP 429 or Retry-After).", labelNames: ["sync", "destination"], registers: [this.registry] });
  readonly #running = new Gauge({ name: "reverse_etl_syncs_running", help: "Syncs running now.", registers: [this.registry] });

  /** Count every run event of `scheduler`. */
  observe(scheduler: SyncScheduler): void {
    scheduler.onRun((event) => this.#record(event, scheduler));
  }

  /** Read each sync's last success from `sync_runs`. */
  async seed(project: Project): Promise<void> {
    for (const sync of Object.keys(project.config.syncs)) {
      this.#rows.forEach(([, counter]) => counter.inc({ sync }, 0));
      const success = (await project.runs({ sync, limit: 50 })).find((r) => r.status === "succeeded" && r.finishedAt);
      if (success) this.#lastSuccess.set({ sync }, Date.parse(success.finishedAt!) / 1000);
    }
  }

  /** The metrics as Prometheus text. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Content type of `text()`. */
  get contentType(): string {
    return this.registry.contentType;
  }

  #record(event: RunEvent, scheduler: SyncScheduler): void {
    this.#running.set(scheduler.active.size);
    if (event.type === "skipped") this.#skipped.inc({ sync: event.sync });
    if (event.type === "retry") {
      this.#retries.inc({ sync: event.sync, destination: event.destination }, event.records);
      if (event.rateLimited) this.#rateLimited.inc({ sync: event.sync, destination: event.destination });
    }
    if (event.type !== "finished") return;
    const { report } = event;
    const sync = report.name;
    const counts: Record<string, number> = {
      planned: report.operations.write + report.operations.delete,
      sent: report.sent,
      ...report.results,
    };
    for (const [what, counter] of this.#rows) counter.inc({ sync }, counts[what] ?? 0);
    this.#runs.inc({ sync, status: report.status });
    this.#duration.observe({ sync, status: report.status }, report.durationMs / 1000);
    if (report.status === "succeeded") this.#lastSuccess.set({ sync }, Date.now() / 1000);
    // The run ends after this event: it is still in `active`.
    this.#running.set(Math.max(0, scheduler.active.size - 1));
  }
}

/** The `GET /metrics` route over `metrics`. */
export function metricsRoute(metrics: RunMetrics): RouteHandler {
  return async (req, res, path) => {
    if (path !== "/metrics") return false;
    sendText(res, 200, metrics.contentType, await metrics.text());
    return true;
  };
}
