import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type pg from "pg";
import type { ServerLogger } from "../runtime/server-logger.js";
import type { HeldJob } from "./pg-boss-run-queue.js";
import { WORKERS_SCHEMA } from "./queue-schema.js";

/** A worker as `reverse-etl workers` and the dashboard show it. */
export interface WorkerInfo {
  id: string;
  host: string;
  pid: number;
  concurrency: number;
  startedAt: string;
  lastSeen: string;
  /** Seconds without a heartbeat after which the worker counts as dead and its runs go to another. */
  lapseSeconds: number;
  /** True once it received SIGTERM: it finishes its runs and takes no new one. */
  stopping: boolean;
  /** The runs it holds. */
  running: Array<{ sync: string; runId: string; reason: string; scheduledFor: string | null; attempt: number; since: string }>;
}

/** A worker as `GET /api/workers`, `reverse-etl workers` and the dashboard list it: alive when seen within its lapse time. */
export type ListedWorker = WorkerInfo & { alive: boolean };

/** Options of the registry. */
export interface WorkerRegistryOptions {
  pool: pg.Pool;
  concurrency: number;
  /** Seconds without a heartbeat after which a worker is dead. Heartbeats go every sixth of it. */
  lapseSeconds: number;
  /** The jobs this worker holds now, with the run each became. */
  held: () => HeldJob[];
  /** Send a dead worker's jobs back to the queue. */
  requeue: (jobIds: string[]) => Promise<void>;
  logger: ServerLogger;
}

/**
 * The live workers of a queue, in `reverse_etl_workers.workers`: each worker upserts its row (what it runs,
 * when it was last seen) every sixth of its lapse time, and on each beat deletes the rows of workers silent
 * for longer than their own lapse time and requeues their jobs. The delete hands each dead row to exactly
 * one live worker, so a dead worker's jobs are requeued once.
 */
export class WorkerRegistry {
  readonly id = randomUUID();
  readonly #options: WorkerRegistryOptions;
  #timer: NodeJS.Timeout | undefined;
  #stopping = false;
  #beat: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(options: WorkerRegistryOptions) {
    this.#options = options;
  }

  /** Register this worker and start its heartbeat. */
  async start(): Promise<void> {
    await this.heartbeat();
    this.#timer = setInterval(() => this.beatNow(), Math.max(500, (this.#options.lapseSeconds * 1000) / 6));
    this.#timer.unref();
  }

  /** Beat now, after the beats already under way (a job was taken: a death from here on must requeue it). */
  beatNow(): void {
    if (this.#closed) return;
    this.#beat = this.#beat.then(() => this.heartbeat()).catch((error: unknown) => this.#options.logger.warn("worker heartbeat failed", { error: String(error) }));
  }

  /** Say this worker takes no new run (it still beats until `close`). */
  async markStopping(): Promise<void> {
    this.#stopping = true;
    await this.heartbeat().catch(() => undefined);
  }

  /** Write this worker's row, then requeue the jobs of workers that stopped beating. */
  async heartbeat(): Promise<void> {
    const { pool, concurrency, lapseSeconds } = this.#options;
    const running = this.#options.held().map(({ jobId: _jobId, ...run }) => run);
    await pool.query(
      `insert into ${WORKERS_SCHEMA}.workers (id, host, pid, concurrency, lapse_seconds, stopping, running, held_jobs)
       values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb)
       on conflict (id) do update set last_seen = now(), stopping = excluded.stopping, running = excluded.running, held_jobs = excluded.held_jobs`,
      [this.id, hostname(), process.pid, concurrency, lapseSeconds, this.#stopping, JSON.stringify(running), JSON.stringify(this.#options.held().map((j) => j.jobId))],
    );
    const dead = await pool.query<{ id: string; host: string; pid: number; held_jobs: string[] }>(
      `delete from ${WORKERS_SCHEMA}.workers where last_seen < now() - make_interval(secs => lapse_seconds) returning id, host, pid, held_jobs`,
    );
    for (const worker of dead.rows) {
      this.#options.logger.warn("a worker stopped answering: its runs go back to the queue", { worker: worker.id, host: worker.host, pid: worker.pid, jobs: worker.held_jobs.length });
      await this.#options.requeue(worker.held_jobs);
    }
  }

  /** Stop beating and remove this worker's row. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#beat;
    await this.#options.pool.query(`delete from ${WORKERS_SCHEMA}.workers where id = $1`, [this.id]).catch(() => undefined);
  }
}

/** The workers of a queue, most recently seen first, with whether each is past its lapse time. */
export async function listWorkers(pool: pg.Pool): Promise<ListedWorker[]> {
  const { rows } = await pool.query<{
    id: string; host: string; pid: number; concurrency: number; started_at: Date; last_seen: Date; lapse_seconds: number; stopping: boolean;
    running: WorkerInfo["running"]; alive: boolean;
  }>(
    `select id, host, pid, concurrency, started_at, last_seen, lapse_seconds, stopping, running,
            last_seen >= now() - make_interval(secs => lapse_seconds) as alive
       from ${WORKERS_SCHEMA}.workers order by last_seen desc, id`,
  );
  return rows.map((r) => ({
    id: r.id,
    host: r.host,
    pid: r.pid,
    concurrency: r.concurrency,
    startedAt: r.started_at.toISOString(),
    lastSeen: r.last_seen.toISOString(),
    lapseSeconds: r.lapse_seconds,
    stopping: r.stopping,
    running: r.running,
    alive: r.alive,
  }));
}
