import { createHash } from "node:crypto";
import PgBoss from "pg-boss";
import type { QueuedRun, RunQueue, TakenRun } from "../scheduler/run-queue.js";
import type { ServerLogger } from "../runtime/server-logger.js";
import { QUEUE_SCHEMA } from "./queue-schema.js";

/** Name of the pg-boss queue holding the runs. */
const RUNS_QUEUE = "reverse-etl-runs";

/**
 * Longest a run may hold its job before pg-boss takes it back on its own. Dead workers are found much
 * sooner by their heartbeat (see `WorkerRegistry`); this only backstops a worker that died between taking
 * a job and saying so. Long, because pg-boss 10 would also take the job from a live run this slow.
 */
const JOB_EXPIRY_SECONDS = 4 * 60 * 60;

/** Options of the pg-boss queue. */
export interface PgBossRunQueueOptions {
  /** PostgreSQL URL of the queue. */
  url: string;
  /** Runs this worker takes at once. */
  concurrency: number;
  logger: ServerLogger;
}

/** A job the worker holds, for the workers table. */
export interface HeldJob {
  jobId: string;
  sync: string;
  runId: string;
  reason: string;
  scheduledFor: string | null;
  attempt: number;
  since: string;
}

/**
 * The run queue on pg-boss: one job per run. A scheduled run's job id is derived from its sync and
 * scheduled time, and pg-boss inserts jobs with `ON CONFLICT DO NOTHING`, so the N workers whose crons
 * fire for one time queue it once. Each worker polls with `concurrency` pollers of one job each.
 */
export class PgBossRunQueue implements RunQueue {
  readonly #boss: PgBoss;
  readonly #options: PgBossRunQueueOptions;
  readonly #held = new Map<string, HeldJob>();
  /** Called when a job is taken or let go, so the workers table says so at once (not at the next beat). */
  onHeldChange: () => void = () => undefined;

  constructor(options: PgBossRunQueueOptions) {
    this.#options = options;
    this.#boss = new PgBoss({
      connectionString: options.url,
      schema: QUEUE_SCHEMA,
      application_name: "reverse-etl worker",
      max: Math.max(4, options.concurrency + 2),
      // Expiry checks and state monitoring; cron schedules stay with croner, which reads seconds and time zones.
      schedule: false,
      maintenanceIntervalSeconds: 30,
    });
    this.#boss.on("error", (error: Error) => options.logger.warn("job queue error", { error: error.message }));
  }

  /** Connect, create or migrate pg-boss's tables, and create the runs queue. */
  async start(): Promise<void> {
    await this.#boss.start();
    if (!(await this.#boss.getQueue(RUNS_QUEUE))) {
      await this.#boss
        .createQueue(RUNS_QUEUE, { name: RUNS_QUEUE, policy: "standard", retryLimit: 5, retryDelay: 5, retryBackoff: true, expireInSeconds: JOB_EXPIRY_SECONDS })
        .catch(async (error: unknown) => {
          // Another worker created it in between.
          if (!(await this.#boss.getQueue(RUNS_QUEUE))) throw error;
        });
    }
  }

  /** The jobs this worker holds now. */
  get held(): HeldJob[] {
    return [...this.#held.values()];
  }

  async enqueue(run: QueuedRun, key?: string): Promise<void> {
    const id = key === undefined ? undefined : uuidOf(`${RUNS_QUEUE}:${key}`);
    await this.#boss.send(RUNS_QUEUE, { ...run }, { ...(id ? { id } : {}) });
  }

  async work(take: (run: TakenRun) => Promise<void>): Promise<void> {
    const options = { batchSize: 1, includeMetadata: true as const, pollingIntervalSeconds: 1 };
    for (let i = 0; i < this.#options.concurrency; i++) {
      await this.#boss.work<QueuedRun>(RUNS_QUEUE, options, async ([job]) => {
        if (!job) return;
        const run: TakenRun = { ...job.data, attempt: job.retryCount };
        this.#held.set(job.id, {
          jobId: job.id,
          sync: run.sync,
          runId: run.runId,
          reason: run.reason,
          scheduledFor: run.scheduledFor ?? null,
          attempt: run.attempt,
          since: new Date().toISOString(),
        });
        this.onHeldChange();
        try {
          await take(run);
        } finally {
          this.#held.delete(job.id);
          this.onHeldChange();
        }
      });
    }
  }

  /** Send the jobs of a dead worker back to the queue (a retry), unless they already ended. */
  async requeue(jobIds: readonly string[]): Promise<void> {
    for (const id of jobIds) await this.#boss.fail(RUNS_QUEUE, id, { message: "the worker running it stopped answering" });
  }

  /** Stop polling for new jobs; jobs in hand go on. */
  async stopTaking(): Promise<void> {
    await this.#boss.offWork(RUNS_QUEUE);
  }

  async stop(graceMs: number): Promise<void> {
    await this.#boss.stop({ graceful: true, wait: true, timeout: Math.max(1000, graceMs) });
  }
}

/** A UUID (version 5 layout) derived from `text`: pg-boss job ids are UUIDs. */
function uuidOf(text: string): string {
  const h = createHash("sha1").update(text).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
