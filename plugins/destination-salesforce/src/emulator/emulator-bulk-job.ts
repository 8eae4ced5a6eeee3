import { csvLine, parseCsv } from "../bulk-csv.js";
import type { EmulatorResponse, RecordError } from "./emulator-errors.js";
import { restError } from "./emulator-errors.js";
import type { SObjectField, SObjectType } from "./emulator-schema.js";

/**
 * An ingest job as the emulator keeps it, and what Bulk API 2.0 answers about it: its JobInfo and its
 * result files. Sources: https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/get_job_info.htm,
 * .../get_job_successful_results.htm, .../get_job_failed_results.htm, .../get_job_unprocessed_results.htm.
 */

/** Operations a job may name. */
export const OPERATIONS = ["insert", "update", "upsert", "delete", "hardDelete"] as const;
/** A job's operation. */
export type Operation = (typeof OPERATIONS)[number];
/** The states of a job: https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/get_job_info.htm */
export type JobState = "Open" | "UploadComplete" | "InProgress" | "JobComplete" | "Failed" | "Aborted";

/** One ingest job. */
export interface IngestJob {
  readonly id: string;
  readonly object: SObjectType;
  readonly operation: Operation;
  readonly externalIdField?: SObjectField;
  readonly lineEnding: "LF" | "CRLF";
  readonly delimiter: string;
  readonly delimiterName: string;
  readonly apiVersion: string;
  readonly createdDate: string;
  systemModstamp: string;
  state: JobState;
  uploads: number;
  data: string;
  header: string[];
  successful: string[][];
  failed: string[][];
  unprocessed: string[][];
  processed: number;
  failures: number;
  errorMessage?: string;
  startedAt?: number;
  processingMs: number;
}

/** A record error as `sf__Error` writes it: `CODE:message:fields --`. */
export function errorText(error: RecordError): string {
  return `${error.statusCode}:${error.message}:${error.fields.join(",")} --`;
}

/** The JobInfo of a job. */
export function info(job: IngestJob): Record<string, unknown> {
  return {
    id: job.id,
    operation: job.operation,
    object: job.object.name,
    createdById: "005Em0000000001IAA",
    createdDate: job.createdDate,
    systemModstamp: job.systemModstamp,
    state: job.state,
    ...(job.externalIdField ? { externalIdFieldName: job.externalIdField.name } : {}),
    concurrencyMode: "Parallel",
    contentType: "CSV",
    apiVersion: Number(job.apiVersion),
    jobType: "V2Ingest",
    contentUrl: `services/data/v${job.apiVersion}/jobs/ingest/${job.id}/batches`,
    lineEnding: job.lineEnding,
    columnDelimiter: job.delimiterName,
    numberRecordsProcessed: job.processed,
    numberRecordsFailed: job.failures,
    retries: 0,
    totalProcessingTime: job.processingMs,
    apiActiveProcessingTime: job.processingMs,
    apexProcessingTime: 0,
    ...(job.errorMessage ? { errorMessage: job.errorMessage } : {}),
  };
}

/** The successful, failed or unprocessed records of a finished job, as CSV. */
export function results(job: IngestJob, kind: string): EmulatorResponse {
  const terminal = job.state === "JobComplete" || job.state === "Failed" || job.state === "Aborted";
  if (!terminal) return restError(400, "INVALIDJOBSTATE", `Job ${job.id} is not finished (state ${job.state}): its results are not ready`);
  const header = job.header.length > 0 ? job.header : (parseCsv(job.data, job.delimiter, job.lineEnding)?.[0] ?? []);
  let text: string;
  if (kind === "successfulResults") text = csvLine(["sf__Id", "sf__Created", ...header]) + job.successful.map((r) => csvLine(r)).join("");
  else if (kind === "failedResults") text = csvLine(["sf__Id", "sf__Error", ...header]) + job.failed.map((r) => csvLine(r)).join("");
  else text = csvLine(header) + job.unprocessed.map((r) => csvLine(r)).join("");
  return { status: 200, text: { contentType: "text/csv", content: text } };
}
