import { cronOf, newRunId, SyncLockedError, syncSchedule, type Project, type SharedRequestBudget, type SyncRunReport } from "@reverse-etl/core";
import type { Cron } from "croner";
import { shouldRunAfter } from "./after-chains.js";
import { missedScheduledRun, scheduledTimeOf } from "./catch-up.js";
import type { RunQueue, TakenRun } from "./run-queue.js";
import type { ServerLogger } from "../runtime/server-logger.js";

/** Why a run started. */
export type RunReason = "schedule" | "catch-up" | "after" | "api";

/** How `#execute` went. */
type RunOutcome = "locked" | "not-started" | "ran";

/** A run the scheduler started and that has not finished. */
export interface ActiveRun {
  sync: string;
  runId: string;
  reason: RunReason;
  startedAt: Date;
  /** The scheduled time a queued run is for. */
  scheduledFor?: Date;
}

/** What happened to a run request; listeners (metrics, logs) hear every one. */
export type RunEvent =
  | { type: "started"; run: ActiveRun }
  | { type: "finished"; run: ActiveRun; report: SyncRunReport }
  | { type: "not-started"; run: ActiveRun; error: Error }
  | { type: "skipped"; sync: string; reason: RunReason; why: string }
  | { type: "retry"; sync: string; destination: string; records: number; rateLimited: boolean };

/** What `request` answers: the run's id (`queued` when a worker of the queue will run it), or why none started. */
export type RunRequest = { started: true; queued?: boolean; run: ActiveRun } | { started: false; why: string; runningId?: string };

/** Options of the scheduler. */
export interface SyncSchedulerOptions {
  /** The project runs go through; read again for every run, so a reloaded config is picked up between runs. */
  project: () => Project;
  logger: ServerLogger;
  /** How often to look for syncs without a recent success (`stale` alerts). Default 30 s. */
  staleCheckMs?: number;
  /**
   * The job queue shared with other workers (`start --queue`): schedules, catch-ups, `after` chains and API
   * triggers queue a run instead of starting it, and this worker runs what it takes from the queue.
   */
  queue?: RunQueue;
  /** Every run takes its destination requests from this budget too (shared with the other workers). */
  requestBudget?: SharedRequestBudget;
  /**
   * Whether this process is the one that sends `stale` alerts (default: yes). The workers of a queue elect
   * one, so a stale sync is said once, not once per worker.
   */
  checksStale?: () => Promise<boolean>;
}

/**
 * Runs each sync on its cron schedule (croner, in the sync's time zone) and after the syncs it waits for,
 * through the same `Project.sync` as `reverse-etl sync`, in this process. Never two runs of one sync: a tick
 * that finds it running is skipped and logged (another process holding the run lock is skipped the same
 * way). A scheduled time missed while nothing ran is made up once at `start()`. `stop()` lets runs in
 * flight finish their batches and commit.
 *
 * With a `queue`, every worker keeps the crons, and a run request becomes a job: one per sync and scheduled
 * time, so N workers firing for one time queue one run, which whichever worker is free takes (`take`).
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
    const { checksStale } = this.#options;
    const checkStale = () =>
      void (checksStale ? checksStale() : Promise.resolve(true))
        .then((mine) => (mine ? this.#options.project().checkStale() : undefined))
        .catch(() => undefined);
    this.#staleTimer = setInterval(checkStale, this.#options.staleCheckMs ?? 30_000);
    this.#staleTimer.unref();
    checkStale();
    const project = this.#options.project();
    for (const [sync, job] of this.#jobs) {
      const last = (await project.runs({ sync, limit: 1 }))[0];
      const missed = last ? missedScheduledRun(job, new Date(last.startedAt), new Date()) : undefined;
      if (last && missed) {
        this.#options.logger.info("a scheduled run was missed while reverse-etl was not running: running it now", { sync, lastRun: last.runId });
        this.request(sync, "catch-up", missed);
      }
    }
  }

  /** Replace every cron job by those of the project's current config (after a reload). */
  reschedule(): void {
    if (!this.#stopping) this.#schedule();
  }

  /** Start a run of `sync` now (queue it, with a queue), unless it is running or the scheduler stops. */
  request(sync: string, reason: RunReason, scheduledFor?: Date): RunRequest {
    const running = this.#active.get(sync);
    const why = this.#stopping ? "reverse-etl is stopping" : running && !this.#options.queue ? `already running (run ${running.run.runId})` : undefined;
    if (why) {
      this.#skipped(sync, reason, why);
      return { started: false, why, runningId: running?.run.runId };
    }
    const run: ActiveRun = { sync, runId: newRunId(), reason, startedAt: new Date(), ...(scheduledFor ? { scheduledFor } : {}) };
    const { queue } = this.#options;
    if (queue) {
      // Scheduled and made-up runs are keyed by their time: every worker's cron queues the same job once.
      const key = scheduledFor && (reason === "schedule" || reason === "catch-up") ? `${sync}@${scheduledFor.toISOString()}` : undefined;
      const queued = { sync, runId: run.runId, reason, ...(scheduledFor ? { scheduledFor: scheduledFor.toISOString() } : {}) };
      queue.enqueue(queued, key).catch((error: unknown) => this.#options.logger.error("could not queue a run", { sync, reason, error: String(error) }));
      return { started: true, queued: true, run };
    }
    const done = this.#execute(run).then(() => undefined).finally(() => this.#active.delete(sync));
    this.#active.set(sync, { run, done });
    return { started: true, run };
  }

  /**
   * Run a job taken from the queue, in this process. A sync already running, here or on another worker (its
   * run lock), throws: the queue hands the job out again after a backoff, so a scheduled time waits for the
   * run before it instead of being dropped, and the retry of a dead worker's run waits for its lock to go.
   */
  async take(job: TakenRun): Promise<void> {
    if (this.#stopping) throw new Error("reverse-etl is stopping"); // back to the queue, for another worker
    const running = this.#active.get(job.sync);
    const scheduledFor = job.scheduledFor ? new Date(job.scheduledFor) : undefined;
    if (running) throw new Error(`sync "${job.sync}" is running here (run ${running.run.runId}); the queue retries it later`);
    // A retry records a run of its own: the dead attempt's run stays in sync_runs, closed as interrupted.
    const run: ActiveRun = { sync: job.sync, runId: job.attempt > 0 ? newRunId() : job.runId, reason: job.reason, startedAt: new Date(), ...(scheduledFor ? { scheduledFor } : {}) };
    const execution = this.#execute(run);
    this.#active.set(job.sync, { run, done: execution.then(() => undefined) });
    let outcome: RunOutcome;
    try {
      outcome = await execution;
    } finally {
      this.#active.delete(job.sync);
    }
    if (outcome === "locked") throw new Error(`sync "${job.sync}" is locked by a run in progress; the queue retries it later`);
    if (outcome === "not-started") throw new Error(`the run of sync "${job.sync}" could not start; the queue retries it later`);
  }

  #skipped(sync: string, reason: RunReason, why: string): void {
    this.#options.logger.info("run skipped", { sync, reason, why });
    this.#emit({ type: "skipped", sync, reason, why });
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
      if (!schedule) continue;
      const job: Cron = cronOf(schedule, () => void this.request(sync, "schedule", scheduledTimeOf(job)));
      this.#jobs.set(sync, job);
    }
  }

  /** Run it; resolves how it went: refused by the sync's run lock, failed before it began, or ran. */
  async #execute(run: ActiveRun): Promise<RunOutcome> {
    const { logger } = this.#options;
    const project = this.#options.project();
    logger.info("run started", { sync: run.sync, runId: run.runId, reason: run.reason });
    this.#emit({ type: "started", run });
    let report: SyncRunReport | undefined;
    try {
      const onRetry = (retry: Omit<Extract<RunEvent, { type: "retry" }>, "type">) => this.#emit({ type: "retry", ...retry });
      const { requestBudget } = this.#options;
      report = (
        await project.sync({ syncs: [run.sync], runId: run.runId, signal: this.#abort.signal, onRetry, scheduledFor: run.scheduledFor, ...(requestBudget ? { requestBudget } : {}) })
      ).syncs[0];
    } catch (caught) {
      const error = caught instanceof Error ? caught : new Error(String(caught));
      if (error instanceof SyncLockedError) logger.info("run skipped", { sync: run.sync, runId: run.runId, reason: run.reason, why: error.message });
      else logger.error("run could not start", { sync: run.sync, runId: run.runId, error: error.message });
      this.#emit({ type: "not-started", run, error });
      return error instanceof SyncLockedError ? "locked" : "not-started";
    }
    if (!report) return "ran"; // stopping before it began
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
    return "ran";
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
