import type { IncomingMessage, ServerResponse } from "node:http";
import { syncSchedule, type Project, type RunRecord } from "@reverse-etl/core";
import type { ActiveRun, SyncScheduler } from "../scheduler/sync-scheduler.js";
import type { ListedWorker } from "../queue/worker-registry.js";
import { sendError, sendJson, writeRefusal } from "./http-io.js";

/** What the API reads and drives. */
export interface ApiContext {
  /** The current project (a reloaded config replaces it). */
  project: () => Project;
  /** The scheduler of `start`; absent for the read-only `ui`. */
  scheduler?: SyncScheduler;
  /** Bearer token writes need, if any. */
  token?: string;
  /** The workers of the job queue this process shares (`start --queue`); absent without a queue. */
  workers?: () => Promise<ListedWorker[]>;
}

/** One sync as `GET /api/syncs` lists it. */
export interface SyncSummary {
  name: string;
  model: string;
  destination: string;
  object: string | null;
  schedule: string | null;
  timezone: string | null;
  after: string[];
  nextRun: string | null;
  running: string | null;
  lastRuns: RunRecord[];
}

/** Runs that never reached `sync_runs` (refused before they began), by id, so `GET /api/runs/ID` can say why. */
const notStarted = new Map<string, RunRecord>();

/** Remember a run that could not start (called from the scheduler's events). */
export function rememberNotStarted(run: ActiveRun, error: Error): void {
  notStarted.set(run.runId, unrecordedRun(run, { status: "failed", finishedAt: new Date().toISOString(), error: error.message }));
  if (notStarted.size > 1000) notStarted.delete(notStarted.keys().next().value!);
}

/** Runs this server queued (`start --queue`) that no worker may have taken yet, by id, with when. */
const queued = new Map<string, ActiveRun>();

/** How long a queued run reads as `running` before a worker records it (after that, it is unknown). */
const QUEUED_MEMORY_MS = 15 * 60_000;

/** Remember a run put in the queue, so `GET /api/runs/ID` answers it as running before a worker takes it. */
function rememberQueued(run: ActiveRun): void {
  queued.set(run.runId, run);
  if (queued.size > 1000) queued.delete(queued.keys().next().value!);
}

/** A run the scheduler knows of that `sync_runs` does not hold (yet, or ever), with no figures. */
function unrecordedRun(run: ActiveRun, end: Pick<RunRecord, "status" | "finishedAt" | "error">): RunRecord {
  const none = { sent: 0, succeeded: 0, rejected: 0, failed: 0 };
  return { runId: run.runId, sync: run.sync, startedAt: run.startedAt.toISOString(), counts: { added: 0, changed: 0, removed: 0, unchanged: 0, invalid: 0 }, ...none, scheduledFor: null, ...end };
}

/** Every sync with its schedule, next run, the run in flight and its last runs. */
export async function listSyncs(ctx: ApiContext, lastRuns = 5): Promise<SyncSummary[]> {
  const project = ctx.project();
  const out: SyncSummary[] = [];
  for (const [name, sync] of Object.entries(project.config.syncs)) {
    const schedule = syncSchedule(sync);
    out.push({
      name,
      model: sync.model,
      destination: sync.destination,
      object: sync.object ?? null,
      schedule: schedule?.cron ?? null,
      timezone: schedule?.timezone ?? null,
      after: sync.after ?? [],
      nextRun: ctx.scheduler?.nextRun(name)?.toISOString() ?? null,
      running: ctx.scheduler?.active.get(name)?.runId ?? null,
      lastRuns: await project.runs({ sync: name, limit: lastRuns }),
    });
  }
  return out;
}

/** A run by id: from `sync_runs`, else a run in flight that has not recorded itself yet, else one refused before it began. */
export async function findRun(ctx: ApiContext, runId: string): Promise<RunRecord | undefined> {
  const recorded = await ctx.project().run(runId);
  if (recorded) return recorded;
  const active = [...(ctx.scheduler?.active.values() ?? [])].find((r) => r.runId === runId);
  if (active) return unrecordedRun(active, { status: "running", finishedAt: null, error: null });
  const waiting = queued.get(runId);
  if (waiting && Date.now() - waiting.startedAt.getTime() < QUEUED_MEMORY_MS) return unrecordedRun(waiting, { status: "running", finishedAt: null, error: null });
  return notStarted.get(runId);
}

/** Answer `/api/...`; false when the path is not the API's. */
export async function handleApi(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
  const method = req.method ?? "GET";
  if (path === "/api/syncs" && method === "GET") {
    sendJson(res, 200, { syncs: await listSyncs(ctx) });
    return true;
  }
  const runs = /^\/api\/syncs\/([^/]+)\/runs$/.exec(path);
  if (runs) {
    const sync = decodeURIComponent(runs[1]!);
    const project = ctx.project();
    if (!(sync in project.config.syncs)) {
      sendError(res, 404, "UnknownSync", `no sync named "${sync}"; syncs: ${Object.keys(project.config.syncs).join(", ")}`);
    } else if (method === "GET") {
      const limit = Math.min(500, Number(new URL(req.url ?? "/", "http://x").searchParams.get("limit") ?? 50) || 50);
      sendJson(res, 200, { runs: await project.runs({ sync, limit }) });
    } else if (method === "POST") {
      await triggerRun(ctx, req, res, sync);
    } else sendError(res, 405, "MethodNotAllowed", `${method} ${path}: use GET or POST`);
    return true;
  }
  if (path === "/api/workers" && method === "GET") {
    if (ctx.workers) sendJson(res, 200, { workers: await ctx.workers() });
    else sendError(res, 404, "NoQueue", "this server shares no job queue (start --queue); it is its only worker");
    return true;
  }
  const run = /^\/api\/runs\/([^/]+)$/.exec(path);
  if (run && method === "GET") {
    const found = await findRun(ctx, decodeURIComponent(run[1]!));
    if (!found) sendError(res, 404, "UnknownRun", `no run with id "${decodeURIComponent(run[1]!)}"`);
    else sendJson(res, 200, { ...found, errors: found.status === "running" ? [] : await ctx.project().runErrors(found.runId, 100) });
    return true;
  }
  if (path.startsWith("/api/")) {
    sendError(res, 404, "NotFound", `${method} ${path} is not part of the API: GET /api/syncs, GET|POST /api/syncs/NAME/runs, GET /api/runs/ID, GET /api/workers`);
    return true;
  }
  return false;
}

async function triggerRun(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, sync: string): Promise<void> {
  if (!ctx.scheduler) {
    sendError(res, 403, "ReadOnly", "this server is read-only (reverse-etl ui); run reverse-etl start to trigger runs");
    return;
  }
  const refused = writeRefusal(req, ctx.token);
  if (refused) {
    sendError(res, refused.status, refused.code, refused.message);
    return;
  }
  const request = ctx.scheduler.request(sync, "api");
  if (request.started && request.queued) rememberQueued(request.run);
  if (request.started) sendJson(res, 202, { runId: request.run.runId, sync, status: request.queued ? "queued" : "running", url: `/api/runs/${request.run.runId}` });
  else if (request.runningId) sendJson(res, 409, { error: { message: `sync "${sync}" is ${request.why}`, code: "AlreadyRunning" }, runId: request.runningId });
  else sendError(res, 503, "Stopping", `sync "${sync}" was not started: ${request.why}`);
}
