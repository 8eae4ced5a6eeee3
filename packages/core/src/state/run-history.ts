import type { Kysely, Selectable } from "kysely";
import type { RunError, RunRecord } from "../reports.js";
import type { StateDatabase, SyncRunRow } from "./state-tables.js";

/** Runs of `sync_runs`, newest first (default 20), optionally of one sync. */
export async function readRuns(db: Kysely<StateDatabase>, options: { sync?: string; limit?: number } = {}): Promise<RunRecord[]> {
  let q = db.selectFrom("sync_runs").selectAll().orderBy("started_at", "desc").orderBy("run_id", "desc");
  if (options.sync) q = q.where("sync_name", "=", options.sync);
  const rows = await q.limit(options.limit ?? 20).execute();
  return rows.map(toRunRecord);
}

/** One run of `sync_runs` by its id. */
export async function readRun(db: Kysely<StateDatabase>, runId: string): Promise<RunRecord | undefined> {
  const row = await db.selectFrom("sync_runs").selectAll().where("run_id", "=", runId).executeTakeFirst();
  return row ? toRunRecord(row) : undefined;
}

/** The rows a run did not deliver (`sync_errors`), rejected and failed first, up to `limit`. */
export async function readRunErrors(db: Kysely<StateDatabase>, runId: string, limit: number, kinds?: readonly RunError["kind"][]): Promise<RunError[]> {
  let q = db.selectFrom("sync_errors");
  if (kinds) q = q.where("kind", "in", kinds);
  const rows = await q
    .select(["key_value", "row_key", "kind", "message"])
    .where("run_id", "=", runId)
    .orderBy("kind", "desc") // rejected, invalid, failed
    .orderBy("row_key")
    .limit(limit)
    .execute();
  return rows.map((r) => ({ key: parseKey(r.key_value ?? r.row_key), kind: r.kind as RunError["kind"], message: r.message }));
}

/** The key as the JSON reports show it: the value for a one-column key, an object of the columns for a composite one. */
function parseKey(text: string | null): unknown {
  if (text === null) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    const entries = typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? Object.values(parsed) : [];
    return entries.length === 1 ? entries[0] : parsed;
  } catch {
    return text;
  }
}

function toRunRecord(r: Selectable<SyncRunRow>): RunRecord {
  return {
    runId: r.run_id,
    sync: r.sync_name,
    status: r.status as RunRecord["status"],
    startedAt: toIso(r.started_at),
    finishedAt: r.finished_at == null ? null : toIso(r.finished_at),
    counts: {
      added: Number(r.added),
      changed: Number(r.changed),
      removed: Number(r.removed),
      unchanged: Number(r.unchanged),
      invalid: Number(r.invalid),
    },
    sent: Number(r.sent),
    succeeded: Number(r.succeeded),
    rejected: Number(r.rejected),
    failed: Number(r.failed),
    error: r.error,
    scheduledFor: r.scheduled_for ?? null,
  };
}

function toIso(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  const text = String(value);
  const d = new Date(text.includes("T") || text.endsWith("Z") ? text : `${text.replace(" ", "T")}Z`);
  return Number.isNaN(d.getTime()) ? text : d.toISOString();
}
