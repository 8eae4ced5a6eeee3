import type { Logger, OutgoingRecord, RecordResult, SyncContext, WriteOutcome } from "@reverse-etl/core";
import type { SalesforceApi } from "./salesforce-api.js";
import { waitForJobs, type PolledJob } from "./salesforce-bulk-results.js";
import type { BulkSettings } from "./salesforce-bulk.js";
import { fieldNamed, type FieldShape, type ObjectShape } from "./salesforce-describe.js";
import { findIds, matchKey } from "./salesforce-lookup.js";
import { convertValue } from "./salesforce-values.js";

/**
 * What a run does before its first write when an earlier run of its sync was interrupted (core's
 * `SyncContext.interrupted`). A Bulk API job that run closed goes on in Salesforce after its process died,
 * and its records may land without state recording them, so the next run sends them again.
 * - Every mode: the run first lists the org's ingest jobs (`GET /jobs/ingest`, https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/get_all_jobs.htm)
 *   and waits for those on its object that are still queued or running; otherwise such a job, finishing
 *   later, would overwrite newer values or bring back records a mirror sync deleted. Upserts by external id,
 *   updates and deletes are idempotent, so sending the rows again then leaves Salesforce equal to the model.
 * - Inserts are not idempotent: records whose mapping writes a unique field (an external id marked unique)
 *   are looked up by it first, and those found are answered with their Id instead of being created again.
 *   Without such a field, nothing tells the records the interrupted run created: the run warns.
 */

/** Queued or running job states: https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/get_job_info.htm */
const UNFINISHED = new Set(["UploadComplete", "InProgress"]);

interface JobList {
  readonly records: ReadonlyArray<{ readonly id: string; readonly object: string; readonly state: string }>;
  readonly done: boolean;
  readonly nextRecordsUrl?: string | null;
}

/** The recovery of each run of the connection, made once however many writes ask. */
export class RunRecovery {
  readonly #runs = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly api: SalesforceApi,
    private readonly settings: BulkSettings,
    private readonly logger: Logger,
  ) {}

  /**
   * Wait for the unfinished ingest jobs on the sync's object when an earlier run was interrupted. Resolves
   * to why the run must stop (a job still running after `bulkTimeoutMs`), or undefined.
   */
  prepare(shape: ObjectShape, context: SyncContext): Promise<string | undefined> {
    if (!context.interrupted) return Promise.resolve(undefined);
    const id = `${context.runId}\u0000${context.sync}`;
    let prepared = this.#runs.get(id);
    if (!prepared) {
      prepared = this.#waitForEarlierJobs(shape, context);
      this.#runs.set(id, prepared);
      // A failure to list is retried by the next write.
      prepared.catch(() => this.#runs.delete(id));
    }
    return prepared;
  }

  async #waitForEarlierJobs(shape: ObjectShape, context: SyncContext): Promise<string | undefined> {
    const jobs: PolledJob[] = [];
    let path: string | undefined = "/jobs/ingest?jobType=V2Ingest";
    while (path) {
      await context.acquireRequests(1);
      const page: JobList = await this.api.request<JobList>({ method: "GET", path }, { onRepeat: () => context.acquireRequests(1), what: "listing the org's Bulk API ingest jobs" });
      for (const job of page.records) {
        if (job.object.toLowerCase() === shape.name.toLowerCase() && UNFINISHED.has(job.state)) jobs.push({ id: job.id });
      }
      path = page.done ? undefined : (page.nextRecordsUrl ?? undefined);
    }
    if (jobs.length === 0) return undefined;
    this.logger.warn("waiting for Bulk API jobs an interrupted run left running", { sync: context.sync, object: shape.name, jobs: jobs.map((j) => j.id).join(",") });
    await waitForJobs(this.api, jobs, this.settings, context);
    const running = jobs.find((j) => j.failure !== undefined);
    if (!running) return undefined;
    return (
      `[reverse-etl] [salesforce] Bulk API job ${running.id} on ${shape.name}, left by an interrupted run, has not finished (${running.failure}); ` +
      `this run stops before writing, so that job cannot overwrite what it writes; the next run goes on`
    );
  }
}

/** The unique field an insert's records write (an external id first), by which records already created are found. */
export function uniqueFieldOf(shape: ObjectShape, record: OutgoingRecord): FieldShape | undefined {
  const written = Object.keys({ ...record.match, ...record.fields })
    .map((name) => fieldNamed(shape, name))
    .filter((f): f is FieldShape => f !== undefined && f.unique);
  return written.find((f) => f.externalId) ?? written[0];
}

/**
 * Insert, after an interrupted run, only the records not already in Salesforce: those whose unique field
 * value a record already holds are answered `ok` with its Id; `insert` writes the others.
 */
export async function insertMissing(
  api: SalesforceApi,
  shape: ObjectShape,
  records: readonly OutgoingRecord[],
  context: SyncContext,
  /** Log a warning (once per run). */
  warn: (message: string) => void,
  insert: (records: readonly OutgoingRecord[]) => Promise<WriteOutcome>,
): Promise<WriteOutcome> {
  const field = uniqueFieldOf(shape, records[0]!);
  if (!field) {
    warn(
      `insert sync ${context.sync}: an earlier run was interrupted and the mapping writes no unique field of ${shape.name}, so records it created may be created again; map a unique external id field, or use upsert`,
    );
    return insert(records);
  }
  // Each record's value of the field, as Salesforce stores it, and the key it is matched by.
  const values = records.map((record) => {
    const value = Object.entries({ ...record.match, ...record.fields }).find(([name]) => name.toLowerCase() === field.name.toLowerCase())?.[1];
    const converted = value === undefined || value === null || value === "" ? undefined : convertValue(value, field);
    return converted?.ok && converted.value !== null && typeof converted.value !== "boolean" ? converted.value : undefined;
  });
  const keys = values.map((value) => (value === undefined ? undefined : matchKey(value, field)));
  const present = values.filter((v): v is string | number => v !== undefined);
  const counting = { beforeRequest: () => context.acquireRequests(1), onRepeat: () => context.acquireRequests(1) };
  const found = present.length > 0 ? await findIds(api, shape.name, field, present, counting) : new Map<string, string[]>();
  const results: Array<RecordResult | undefined> = keys.map((key) => {
    const id = key === undefined ? undefined : found.get(key)?.[0];
    return id === undefined ? undefined : { status: "ok", id };
  });
  const missing = records.filter((_, i) => results[i] === undefined);
  if (missing.length === 0) return { type: "results", results: results as RecordResult[] };
  const written = await insert(missing);
  if (written.type !== "results") return written;
  let next = 0;
  return { type: "results", results: results.map((r) => r ?? written.results[next++]!) };
}
