import { hostname } from "node:os";
import { sql, type Kysely } from "kysely";
import { SyncLockedError } from "../errors.js";
import type { RecordedMapping } from "../plan/mapping-change.js";
import type { SourceConnection } from "../plugins/source.js";
import type { PlanCounts, RunRecord, RunStatus } from "../reports.js";
import { migrateStateSchema } from "./migrations.js";
import { readRun, readRuns } from "./run-history.js";
import type { StateDatabase } from "./state-tables.js";


/** How the error of a run closed after its process died begins. */
const INTERRUPTED = "interrupted";
/** Final figures of a run, for `sync_runs`. */
export interface RunOutcome {
  status: RunStatus;
  sent: number;
  succeeded: number;
  rejected: number;
  failed: number;
  error: string | null;
}

/** Releases a lock; safe to call twice. */
export type ReleaseLock = () => Promise<void>;

const HOST = hostname();

/** Lifetime of a run lock without renewal; the run renews it every quarter of it. */
const LOCK_TTL_SECONDS = 120;

/**
 * The state reverse-etl keeps in the warehouse: per-row fingerprints, run history, row errors and run
 * locks, in one schema of the state source. Diff and commit statements that join model rows live in
 * `plan/` and `apply/`; this class owns the tables and their lifecycle.
 */
export class StateStore {
  /** Kysely over the state schema. */
  readonly db: Kysely<StateDatabase>;

  constructor(
    /** Kysely over the state source (unscoped). */
    readonly root: Kysely<StateDatabase>,
    /** The state source's connection (for its optional session locks). */
    readonly source: SourceConnection,
    /** Schema holding the state tables. */
    readonly schema: string,
  ) {
    this.db = root.withSchema(schema);
  }

  /** Create or migrate the state tables. */
  async migrate(): Promise<number[]> {
    const applied = await migrateStateSchema(this.root, this.schema);
    if (applied.length > 0) await this.source.adapter.persistSchemaChanges?.().execute(this.root);
    return applied;
  }

  /** True when the state tables exist (plan must not create them: it writes nothing). */
  async exists(): Promise<boolean> {
    try {
      await this.db.selectFrom("sync_state").select(sql`1`.as("one")).limit(1).execute();
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Take the one-run-per-sync lock. Uses the source's session lock when it has one (released by the
   * warehouse if the process dies); otherwise a row in `sync_locks` that lapses two minutes after its run
   * last renewed it (`acquired_at`; the run renews it every 30 seconds while it lives), so a run that died
   * cannot hold the sync forever, even on a warehouse without session locks or enforced keys (Snowflake). The row goes in with an insert-if-new upsert; when two rows meet anyway
   * (a warehouse that does not serialize them), the earliest wins and the other run backs off. A lock held
   * by a dead process on this host is taken over at once; one of another host, once it expires.
   */
  async acquireLock(sync: string, runId: string): Promise<ReleaseLock> {
    if (this.source.tryLock) {
      const release = await this.source.tryLock(`reverse-etl:${this.schema}:${sync}`);
      if (!release) {
        throw new SyncLockedError(
          `sync "${sync}" is already running in another process; wait for it to finish (see \`reverse-etl runs ${sync}\`).`,
        );
      }
      return release;
    }
    const lapsed = sql<Date>`current_timestamp - interval '${sql.raw(String(LOCK_TTL_SECONDS))} seconds'`;
    for (let attempt = 0; attempt < 3; attempt++) {
      // A lock whose run stopped renewing it (the process died, on any host) has lapsed.
      await this.db.deleteFrom("sync_locks").where("sync_name", "=", sync).where("acquired_at", "<", lapsed).execute();
      const ours = sql`select ${sync} as sync_name, ${runId} as run_id, ${process.pid} as pid, ${HOST} as host, current_timestamp as acquired_at`;
      await this.source.adapter
        .upsert({ schema: this.schema, name: "sync_locks" }, ["sync_name"], ["sync_name", "run_id", "pid", "host", "acquired_at"], ours, { update: [] })
        .execute(this.root);
      const holders = await this.db
        .selectFrom("sync_locks")
        .select(["run_id", "pid", "host"])
        .where("sync_name", "=", sync)
        .orderBy("acquired_at")
        .orderBy("run_id")
        .execute();
      const holder = holders[0];
      if (!holder) continue; // released in between: try again
      if (holder.run_id === runId) return this.#heldLock(sync, runId);
      await this.db.deleteFrom("sync_locks").where("sync_name", "=", sync).where("run_id", "=", runId).execute();
      if (holder.host === HOST && !isProcessAlive(Number(holder.pid))) {
        // The holder died without releasing (kill -9): take the lock over, atomically by its run id.
        await this.db.deleteFrom("sync_locks").where("sync_name", "=", sync).where("run_id", "=", holder.run_id).execute();
        continue;
      }
      throw new SyncLockedError(
        `sync "${sync}" is already running (run ${holder.run_id}, pid ${holder.pid} on ${holder.host}); ` +
          `a second run was refused. Wait for it to finish (a lock its process stops renewing lapses ${LOCK_TTL_SECONDS / 60} minutes later), ` +
          `or if that process is gone, run \`reverse-etl state unlock ${sync}\`.`,
      );
    }
    throw new SyncLockedError(`sync "${sync}" lock is contended; try again.`);
  }

  /** A held row lock: renewed (`acquired_at` moved to now) every quarter of its lifetime until released. */
  #heldLock(sync: string, runId: string): ReleaseLock {
    const renew = () =>
      this.db.updateTable("sync_locks").set({ acquired_at: sql`current_timestamp` }).where("sync_name", "=", sync).where("run_id", "=", runId).execute();
    const timer = setInterval(() => void renew().catch(() => undefined), (LOCK_TTL_SECONDS * 1000) / 4);
    timer.unref();
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      clearInterval(timer);
      await this.db.deleteFrom("sync_locks").where("sync_name", "=", sync).where("run_id", "=", runId).execute();
    };
  }

  /** Remove a lock row left by a process on another host (the CLI's `state unlock`). */
  async forceUnlock(sync: string): Promise<boolean> {
    const r = await this.db.deleteFrom("sync_locks").where("sync_name", "=", sync).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /**
   * Close runs of `sync` left `running` by a process that died, and drop their snapshot tables. Call with
   * the lock held, so no live run is touched.
   */
  async recoverInterrupted(sync: string, currentRunId: string): Promise<number> {
    const stale = await this.db
      .selectFrom("sync_runs")
      .select(["run_id", "pending_table"])
      .where("sync_name", "=", sync)
      .where("status", "=", "running")
      .where("run_id", "<>", currentRunId)
      .execute();
    for (const run of stale) {
      if (run.pending_table) await this.dropTable(run.pending_table);
      await this.db
        .updateTable("sync_runs")
        .set({ status: "failed", error: `${INTERRUPTED}: the process stopped before the run finished`, finished_at: sql`current_timestamp` })
        .where("run_id", "=", run.run_id)
        .execute();
    }
    return stale.length;
  }

  /**
   * Whether a run of `sync` was interrupted (its process died) after the sync's last successful run: what
   * it sent may have landed in the destination without its state being recorded.
   */
  async interruptedSinceSuccess(sync: string): Promise<boolean> {
    const row = await this.db
      .selectFrom("sync_runs as r")
      .select("r.run_id")
      .where("r.sync_name", "=", sync)
      .where("r.status", "=", "failed")
      .where("r.error", "like", `${INTERRUPTED}:%`)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom("sync_runs as s").select("s.run_id").where("s.sync_name", "=", sync).where("s.status", "=", "succeeded").whereRef("s.started_at", ">", "r.started_at"))),
      )
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Drop a snapshot table of the state schema if it exists. */
  async dropTable(table: string): Promise<void> {
    await this.db.schema.dropTable(table).ifExists().execute();
  }

  /** Record the start of a run. */
  async startRun(run: { runId: string; sync: string; full: boolean; pendingTable: string; scheduledFor?: Date }): Promise<void> {
    await this.db
      .insertInto("sync_runs")
      .values({
        run_id: run.runId,
        sync_name: run.sync,
        status: "running",
        full_resync: run.full,
        finished_at: null,
        error: null,
        pid: process.pid,
        host: HOST,
        pending_table: run.pendingTable,
        scheduled_for: run.scheduledFor?.toISOString() ?? null,
      })
      .execute();
  }

  /** Store the plan's counts on the run. */
  async recordCounts(runId: string, counts: PlanCounts): Promise<void> {
    await this.db.updateTable("sync_runs").set({ ...counts }).where("run_id", "=", runId).execute();
  }

  /** Record the end of a run; returns its duration as `sync_runs` holds it (what `runs` shows). */
  async finishRun(runId: string, outcome: RunOutcome): Promise<number> {
    await this.db
      .updateTable("sync_runs")
      .set({
        status: outcome.status,
        sent: outcome.sent,
        succeeded: outcome.succeeded,
        rejected: outcome.rejected,
        failed: outcome.failed,
        error: outcome.error,
        pending_table: null,
        finished_at: sql`current_timestamp`,
      })
      .where("run_id", "=", runId)
      .execute();
    const run = await readRun(this.db, runId);
    return run?.finishedAt ? Date.parse(run.finishedAt) - Date.parse(run.startedAt) : 0;
  }

  /** Number of rows the sync has delivered (and not since deleted). */
  async countSynced(sync: string): Promise<number> {
    const r = await this.db
      .selectFrom("sync_state")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("sync_name", "=", sync)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Run history, newest first. */
  async runs(options: { sync?: string; limit?: number } = {}): Promise<RunRecord[]> {
    return readRuns(this.db, options);
  }

  /** The model columns (name -> type) the sync last ran with, if recorded. */
  async recordedColumns(sync: string): Promise<Record<string, string> | undefined> {
    return (await this.#recorded(sync))?.columns;
  }

  /** The mapping (object, fields, match) the sync last ran with, if recorded (older versions recorded the columns only). */
  async recordedMapping(sync: string): Promise<RecordedMapping | undefined> {
    return (await this.#recorded(sync))?.mapping;
  }

  /**
   * Remember the model columns and the mapping a sync ran with. Both share `sync_columns.columns` as
   * `{"columns": {...}, "mapping": {...}}`, so no migration is needed; `#recorded` still reads the older
   * shape, a bare name -> type object.
   */
  async recordColumns(sync: string, columns: Record<string, string>, mapping?: RecordedMapping): Promise<void> {
    const text = JSON.stringify(mapping ? { columns, mapping } : columns);
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom("sync_columns").where("sync_name", "=", sync).execute();
      await trx.insertInto("sync_columns").values({ sync_name: sync, columns: text }).execute();
    });
  }

  async #recorded(sync: string): Promise<{ columns: Record<string, string>; mapping?: RecordedMapping } | undefined> {
    let parsed: Record<string, unknown>;
    try {
      const row = await this.db.selectFrom("sync_columns").select("columns").where("sync_name", "=", sync).executeTakeFirst();
      if (!row) return undefined;
      parsed = JSON.parse(row.columns) as Record<string, unknown>;
    } catch {
      return undefined; // state schema older than migration 2, or not created yet
    }
    // The older shape maps each column to its type, a string; the newer one holds two objects.
    if (typeof parsed.columns !== "object" || parsed.columns === null) return { columns: parsed as Record<string, string> };
    const mapping = parsed.mapping as RecordedMapping | undefined;
    return { columns: parsed.columns as Record<string, string>, mapping: typeof mapping?.fields === "object" ? mapping : undefined };
  }

  /** Forget everything delivered for a sync. */
  async reset(sync: string): Promise<number> {
    const r = await this.db.deleteFrom("sync_state").where("sync_name", "=", sync).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
