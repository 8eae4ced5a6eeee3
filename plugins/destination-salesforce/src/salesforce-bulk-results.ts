import type { FlushRecordResult, SyncContext } from "@reverse-etl/core";
import { csvLine, parseCsv } from "./bulk-csv.js";
import type { SalesforceApi } from "./salesforce-api.js";
import { SalesforceApiFailure } from "./salesforce-api-error.js";
import type { FieldShape } from "./salesforce-describe.js";
import { matchKey } from "./salesforce-lookup.js";

/**
 * Waiting for Bulk API 2.0 jobs and reading their results: `GET /jobs/ingest/{id}` until the job is
 * JobComplete, Failed or Aborted, then the successful (`sf__Id`, `sf__Created`), failed (`sf__Id`,
 * `sf__Error` = `CODE:message:fields --`) and unprocessed records, each only when the job's counts say it
 * holds any. Sources: https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/get_job_info.htm,
 * .../get_job_successful_results.htm, .../get_job_failed_results.htm, .../get_job_unprocessed_results.htm.
 */

/** What `GET /jobs/ingest/{id}` says of a job. */
export interface JobInfo {
  readonly state: string;
  readonly numberRecordsProcessed: number;
  readonly numberRecordsFailed: number;
  readonly errorMessage?: string;
}

/** A job whose state is polled until it ends. */
export interface PolledJob {
  readonly id: string;
  info?: JobInfo;
  /** Why polling stopped for this job, when it did before the job ended. */
  failure?: string;
}

/** A job that was created, uploaded and closed. */
export interface SentJob extends PolledJob {
  readonly operation: string;
  /** Column results are matched by; undefined for inserts (matched by the whole row). */
  readonly keyColumn?: string;
  readonly externalIdField?: FieldShape;
  readonly columns: readonly string[];
  /** Match key -> record keys, in upload order. */
  readonly keys: Map<string, string[]>;
  readonly records: number;
}

const TERMINAL = new Set(["JobComplete", "Failed", "Aborted"]);

/** Wait `ms`, or less when the run is cancelled. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Poll the jobs with backoff until each has ended, polling stops for it, or `timeoutMs` passes. */
export async function waitForJobs(api: SalesforceApi, jobs: readonly PolledJob[], settings: { pollInitialMs: number; pollMaxMs: number; timeoutMs: number }, context: SyncContext): Promise<void> {
  const deadline = Date.now() + settings.timeoutMs;
  let wait = settings.pollInitialMs;
  let pending = jobs.filter((j) => !TERMINAL.has(j.info?.state ?? ""));
  while (pending.length > 0 && !context.signal.aborted) {
    await sleep(Math.min(wait, Math.max(0, deadline - Date.now())), context.signal);
    wait = Math.min(wait * 1.5, settings.pollMaxMs);
    for (const job of pending) {
      try {
        await context.acquireRequests(1);
        // Reading what was already sent may use the share of the allocation kept for others.
        job.info = await api.request<JobInfo>({ method: "GET", path: `/jobs/ingest/${job.id}` }, { allowReserve: true, onRepeat: () => context.acquireRequests(1), what: `reading job ${job.id}` });
      } catch (error) {
        const failure = error instanceof SalesforceApiFailure ? error : undefined;
        // A passing failure is polled again; credentials refused end polling for every job.
        if (failure?.kind === "transient") continue;
        for (const other of pending) other.failure ??= error instanceof Error ? error.message : String(error);
        break;
      }
    }
    pending = pending.filter((j) => !TERMINAL.has(j.info?.state ?? "") && j.failure === undefined);
    if (Date.now() >= deadline) {
      for (const job of pending) job.failure = `job ${job.id} did not finish within ${Math.round(settings.timeoutMs / 60_000)} minutes (state ${job.info?.state ?? "unknown"})`;
      break;
    }
  }
}

/** Settle every record of a job from its results into `results`. */
export async function readJobResults(api: SalesforceApi, job: SentJob, results: Map<string, FlushRecordResult>, context: SyncContext): Promise<void> {
  const unsettled = (message: string) => {
    for (const keys of job.keys.values()) for (const key of keys) if (!results.has(key)) results.set(key, { status: "retryable", message: `[reverse-etl] [salesforce] ${message}; the record is sent again by the next run` });
  };
  const info = job.info;
  if (!info || !TERMINAL.has(info.state)) return unsettled(job.failure ?? `job ${job.id} did not finish`);
  const read = async (kind: string): Promise<string[][]> => {
    await context.acquireRequests(1);
    const text = await api.request<string>({ method: "GET", path: `/jobs/ingest/${job.id}/${kind}`, text: true }, { allowReserve: true, onRepeat: () => context.acquireRequests(1), what: `reading the ${kind} of job ${job.id}` });
    return parseCsv(text, ",", "LF") ?? [];
  };
  try {
    if (info.numberRecordsProcessed - info.numberRecordsFailed > 0) {
      settle(job, await read("successfulResults"), results, (row) => ({ status: "ok", ...(row.sf__Id ? { id: row.sf__Id } : {}) }));
    }
    if (info.numberRecordsFailed > 0) settle(job, await read("failedResults"), results, (row) => resultOfError(row.sf__Error ?? ""));
    if (info.state !== "JobComplete" || info.numberRecordsProcessed < job.records) {
      const why = info.errorMessage ? `job ${job.id} ended ${info.state}: ${info.errorMessage}` : `job ${job.id} ended ${info.state} before processing it`;
      settle(job, await read("unprocessedrecords"), results, () => ({ status: "retryable", message: `[reverse-etl] [salesforce] not processed: ${why}` }));
    }
  } catch (error) {
    return unsettled(`the results of job ${job.id} could not be read (${error instanceof Error ? error.message : String(error)})`);
  }
  unsettled(`job ${job.id} (${info.state}) reported no result for it`);
}

/** Match each result row to its record (by key column, or by the whole row for inserts) and record its result. */
function settle(job: SentJob, rows: string[][], results: Map<string, FlushRecordResult>, resultOf: (row: Record<string, string>) => FlushRecordResult): void {
  const [header, ...data] = rows;
  if (!header) return;
  const index = new Map(header.map((name, i) => [name.toLowerCase(), i]));
  const columnIndexes = job.columns.map((c) => index.get(c.toLowerCase()));
  for (const cells of data) {
    const row = Object.fromEntries(header.map((name, i) => [name, cells[i] ?? ""]));
    let key: string;
    if (job.keyColumn === undefined) key = csvLine(columnIndexes.map((i) => (i === undefined ? "" : (cells[i] ?? ""))));
    else {
      const cell = cells[index.get(job.keyColumn.toLowerCase()) ?? -1] ?? "";
      key = job.externalIdField ? matchKey(cell, job.externalIdField) : cell;
    }
    const keys = job.keys.get(key);
    const recordKey = keys?.find((k) => !results.has(k));
    if (recordKey !== undefined) results.set(recordKey, resultOf(row));
  }
}

/** A failed row's `sf__Error` (`CODE:message:fields --`) as its result: a row lock is retried, anything else is refused. */
function resultOfError(error: string): FlushRecordResult {
  const text = error.replace(/\s*--\s*$/, "");
  const code = text.slice(0, text.indexOf(":") >= 0 ? text.indexOf(":") : text.length);
  const rest = text.slice(code.length + 1);
  const lastColon = rest.lastIndexOf(":");
  const message = lastColon >= 0 ? rest.slice(0, lastColon) : rest;
  const fields = lastColon >= 0 ? rest.slice(lastColon + 1) : "";
  const described = `${code}: ${message}${fields ? ` (fields: ${fields.split(",").join(", ")})` : ""}`;
  if (code === "UNABLE_TO_LOCK_ROW") return { status: "retryable", message: `[reverse-etl] [salesforce] ${described}` };
  return { status: "rejected", message: `[reverse-etl] [salesforce] Salesforce refused the record: ${described}` };
}
