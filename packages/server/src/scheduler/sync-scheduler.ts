import { cronOf, newRunId, SyncLockedError, syncSchedule, type Project, type SyncRunReport } from "@reverse-etl/core";
import type { Cron } from "croner";
import { shouldRunAfter } from "./after-chains.js";
import { missedScheduledRun } from "./catch-up.js";
import type { ServerLogger } from "../runtime/server-logger.js";

/** Why a run started. */
export type RunReason = "schedule" | "catch-up" | "after" | "api";

/** A run the scheduler started and that has not finished. */
export interface ActiveRun {
  sync: string;
  runId: string;
  reason: RunReason;
  startedAt: Date;
}

/** What happened to a run request; listeners (metrics, logs) hear every one. */
export type RunEvent =
  | { type: "started"; run: ActiveRun }
  | { type: "finished"; run: ActiveRun; report: SyncRunReport }
  | { type: "not-started"; run: ActiveRun; error: Error }
  | { type: "skipped"; sync: string; reason: RunReason; why: string }
  | { type: "retry"; sync: string; destination: string; records: number; rateLimited: boolean };

/** What `request` answers: the run's id, or why none started. */
export type RunRequest = { started: true; run: ActiveRun } | { started: false; why: string; runningId?: string };

/** Options of the scheduler. */
export interface SyncSchedulerOptions {
  /** The project runs go through; read again for every run, so a reloaded config is picked up between runs. */
  project: () => Project;
  logger: ServerLogger;
  /** How often to look for syncs without a recent success (`stale` alerts). Default 30 s. */
  staleCheckMs?: number;
}

/**
 * Runs each sync on its cron schedule (croner, in the sync's time zone) and after the syncs it waits for,
 * through the same `Project.sync` as `reverse-etl sync`, in this process. Never two runs of one sync: a tick
 * that finds it running is skipped and logged (another process holding the run lock is skipped the same
 * way). A scheduled time missed while nothing ran is made up once at `start()`. `stop()` lets runs in
 * flight finish their batches and commit.
 */
export class SyncScheduler {
  readonly #options: SyncSchedulerOptions;
  readonly #jobs = new Map<string, Cron>();
  readonly #active = new Map<string, { run: ActiveRun; done: Promise<void> }>();
  readonly #listeners: Array<(event: RunEvent) => void> = [];
  #abort = new AbortController();
  #stopping = false;
  #staleTimer: NodeJS.Timeout | undefined;

  constructor(options: SyncSchedulerOptions) {
    this.#options = options;
  }

  /** Hear every run event. */
  onRun(listener: (event: RunEvent) => void): void {
    this.#listeners.push(listener);
  }

  /** Runs in flight, by sync. */
  get active(): ReadonlyMap<string, ActiveRun> {
    return new Map([...this.#active].map(([sync, a]) => [sync, a.run]));
  }

  /** True once `stop()` was called: no new run starts. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** The next scheduled time of a sync, if it has a schedule. */
  nextRun(sync: string): Date | undefined {
    return this.#jobs.get(sync)?.nextRun() ?? undefined;
  }

  /** Schedule every sync of the project's config, then make up the scheduled times missed while stopped. */
  async start(): Promise<void> {
    this.#schedule();
    const checkStale = () => void this.#options.project().checkStale().catch(() => undefined);
    this.#staleTimer = setInterval(checkStale, this.#options.staleCheckMs ?? 30_000);
    this.#staleTimer.unref();
    checkStale();
    const project = this.#options.project();
    for (const [sync, job] of this.#jobs) {
      const last = (await project.runs({ sync, limit: 1 }))[0];
      if (last && missedScheduledRun(job, new Date(last.startedAt), new Date())) {
        this.#options.logger.info("a scheduled run was missed while reverse-etl was not running: running it now", { sync, lastRun: last.runId });
        this.request(sync, "catch-up");
      }
    }
  }

  /** Replace every cron job by those of the project's current config (after a reload). */
  reschedule(): void {
    if (!this.#stopping) this.#schedule();
  }

  /** Start a run of `sync` now, unless it is running or the scheduler stops. */
  request(sync: string, reason: RunReason): RunRequest {
    const running = this.#active.get(sync);
    const why = this.#stopping ? "reverse-etl is stopping" : running ? `already running (run ${running.run.runId})` : undefined;
    if (why) {
      this.#options.logger.info("run skipped", { sync, reason, why });
      this.#emit({ type: "skipped", sync, reason, why });
      return { started: false, why, runningId: running?.run.runId };
    }
    const run: ActiveRun = { sync, runId: newRunId(), reason, startedAt: new Date() };
    const done = this.#execute(run).finally(() => this.#active.delete(sync));
    this.#active.set(sync, { run, done });
    return { started: true, run };
  }

  /**
   * Start no new run, ask the runs in flight to stop after the batches they are sending (each commits
   * what was acknowledged), and wait for them up to `graceMs`. Resolves true when every run ended in time.
   */
  async stop(graceMs: number): Promise<boolean> {
    this.#stopping = true;
    clearInterval(this.#staleTimer);
    for (const job of this.#jobs.values()) job.stop();
    this.#jobs.clear();
    this.#abort.abort(new Error("reverse-etl is stopping"));
    const all = Promise.all([...this.#active.values()].map((a) => a.done)).then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)));
    try {
      return await Promise.race([all, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Wait for the runs in flight (tests, reloads). */
  async idle(): Promise<void> {
    await Promise.all([...this.#active.values()].map((a) => a.done));
  }

  #schedule(): void {
    for (const job of this.#jobs.values()) job.stop();
    this.#jobs.clear();
    for (const [sync, config] of Object.entries(this.#options.project().config.syncs)) {
      const schedule = syncSchedule(config);
      if (schedule) this.#jobs.set(sync, cronOf(schedule, () => void this.request(sync, "schedule")));
    }
  }

  async #execute(run: ActiveRun): Promise<void> {
    const { logger } = this.#options;
    const project = this.#options.project();
    logger.info("run started", { sync: run.sync, runId: run.runId, reason: run.reason });
    this.#emit({ type: "started", run });
    let report: SyncRunReport | undefined;
    try {
      const onRetry = (retry: Omit<Extract<RunEvent, { type: "retry" }>, "type">) => this.#emit({ type: "retry", ...retry });
      report = (await project.sync({ syncs: [run.sync], runId: run.runId, signal: this.#abort.signal, onRetry })).syncs[0];
    } catch (caught) {
      const error = caught instanceof Error ? caught : new Error(String(caught));
      if (error instanceof SyncLockedError) logger.info("run skipped", { sync: run.sync, runId: run.runId, reason: run.reason, why: error.message });
      else logger.error("run could not start", { sync: run.sync, runId: run.runId, error: error.message });
      this.#emit({ type: "not-started", run, error });
      return;
    }
    if (!report) return; // stopping before it began
    logger.info("run finished", {
      sync: run.sync,
      runId: run.runId,
      status: report.status,
      succeeded: report.results.succeeded,
      rejected: report.results.rejected,
      failed: report.results.failed,
      durationMs: report.durationMs,
      ...(report.error ? { error: report.error } : {}),
    });
    this.#emit({ type: "finished", run, report });
    if (report.status === "succeeded") await this.#runDependents(project, run.sync);
  }

  /** Syncs waiting for `sync` whose every `after` sync has now succeeded since their own last run. */
  async #runDependents(project: Project, sync: string): Promise<void> {
    for (const [name, config] of Object.entries(project.config.syncs)) {
      if (!config.after?.includes(sync) || this.#stopping) continue;
      try {
        if (await shouldRunAfter(project, name, config.after)) this.request(name, "after");
      } catch (error) {
        this.#options.logger.error("could not read run history to start a dependent sync", { sync: name, error: String(error) });
      }
    }
  }

  #emit(event: RunEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#options.logger.warn("a run listener failed", { error: String(error) });
      }
    }
  }
}
