import pg from "pg";
import type { SyncScheduler } from "../scheduler/sync-scheduler.js";
import type { ServerLogger } from "../runtime/server-logger.js";
import { PgBossRunQueue } from "./pg-boss-run-queue.js";
import { PostgresRequestBudget } from "./postgres-request-budget.js";
import { migrateWorkerTables, WORKERS_SCHEMA } from "./queue-schema.js";
import { listWorkers, WorkerRegistry, type ListedWorker } from "./worker-registry.js";

/** Options of a worker of the queue. */
export interface QueueWorkerOptions {
  /** PostgreSQL URL of the queue. */
  url: string;
  /** Runs this worker takes at once. */
  concurrency: number;
  /** Seconds without a heartbeat after which a worker is dead and its runs are requeued. */
  lapseSeconds: number;
  logger: ServerLogger;
}

/**
 * One `start --queue` worker: the pg-boss run queue, the shared request budget and this worker's row in
 * the workers table, over one PostgreSQL database. `connect` first (the scheduler needs the queue and the
 * budget), then `run` with the scheduler that takes the jobs.
 */
export class QueueWorker {
  readonly queue: PgBossRunQueue;
  readonly budget: PostgresRequestBudget;
  readonly #pool: pg.Pool;
  readonly #options: QueueWorkerOptions;
  #registry: WorkerRegistry | undefined;
  #stopped = false;
  /** The session holding the election lock, once this worker won it. */
  #leader: pg.PoolClient | undefined;

  /** True once `stop` was called. */
  get stopped(): boolean {
    return this.#stopped;
  }

  private constructor(options: QueueWorkerOptions) {
    this.#options = options;
    this.#pool = new pg.Pool({ connectionString: options.url, max: Math.max(4, options.concurrency * 2), application_name: "reverse-etl worker" });
    this.#pool.on("error", (error) => options.logger.warn("queue connection error", { error: error.message }));
    this.queue = new PgBossRunQueue({ url: options.url, concurrency: options.concurrency, logger: options.logger });
    this.budget = new PostgresRequestBudget(this.#pool);
  }

  /** Connect to the queue's database and create or migrate its tables. */
  static async connect(options: QueueWorkerOptions): Promise<QueueWorker> {
    const worker = new QueueWorker(options);
    try {
      await migrateWorkerTables(worker.#pool);
      await worker.queue.start();
    } catch (error) {
      await worker.#pool.end().catch(() => undefined);
      throw error;
    }
    return worker;
  }

  /** This worker's id in the workers table (set by `run`). */
  get id(): string | undefined {
    return this.#registry?.id;
  }

  /** Register this worker, start its heartbeat, and take jobs for `scheduler`. */
  async run(scheduler: SyncScheduler): Promise<void> {
    this.#registry = new WorkerRegistry({
      pool: this.#pool,
      concurrency: this.#options.concurrency,
      lapseSeconds: this.#options.lapseSeconds,
      // A retry records a run of its own: show the run id the scheduler runs it under.
      held: () => this.queue.held.map((job) => ({ ...job, runId: scheduler.active.get(job.sync)?.runId ?? job.runId })),
      requeue: (jobIds) => this.queue.requeue(jobIds),
      logger: this.#options.logger,
    });
    await this.#registry.start();
    const registry = this.#registry;
    this.queue.onHeldChange = () => registry.beatNow();
    await this.queue.work((job) => scheduler.take(job));
  }

  /**
   * Whether this worker is the queue's one leader (it sends `stale` alerts): the one holding a session
   * advisory lock, which Postgres releases when that worker's connection dies, so another wins it next time.
   */
  async isLeader(): Promise<boolean> {
    if (this.#leader) return true;
    if (this.#stopped) return false;
    const client = await this.#pool.connect();
    const { rows } = await client.query<{ won: boolean }>("select pg_try_advisory_lock(hashtext($1)) as won", [`${WORKERS_SCHEMA}:leader`]).catch((error: unknown) => {
      client.release();
      throw error;
    });
    if (rows[0]?.won) this.#leader = client;
    else client.release();
    return this.#leader !== undefined;
  }

  /** The workers of this queue (`reverse-etl workers`, the dashboard). */
  workers(): Promise<ListedWorker[]> {
    return listWorkers(this.#pool);
  }

  /**
   * Take no new job, let `stopRuns` end the runs in hand (they commit what was acknowledged), then leave
   * the queue and the workers table.
   */
  async stop(stopRuns: () => Promise<boolean>, graceMs: number): Promise<boolean> {
    this.#stopped = true;
    await this.#registry?.markStopping();
    await this.queue.stopTaking().catch(() => undefined);
    const finished = await stopRuns();
    await this.queue.stop(graceMs).catch((error: unknown) => this.#options.logger.warn("stopping the job queue failed", { error: String(error) }));
    await this.#registry?.close();
    this.#leader?.release(true); // ends the session, and with it the election lock
    this.#leader = undefined;
    await this.#pool.end().catch(() => undefined);
    return finished;
  }
}

/** Read the workers of a queue without joining it (`reverse-etl workers`); none before a worker made its tables. */
export async function readWorkers(url: string): Promise<ListedWorker[]> {
  const pool = new pg.Pool({ connectionString: url, max: 1, application_name: "reverse-etl workers" });
  try {
    const { rows } = await pool.query<{ table: string | null }>("select to_regclass($1)::text as table", [`${WORKERS_SCHEMA}.workers`]);
    if (!rows[0]?.table) return [];
    return await listWorkers(pool);
  } finally {
    await pool.end();
  }
}
