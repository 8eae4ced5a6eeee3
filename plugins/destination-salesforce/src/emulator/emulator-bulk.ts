import type { CollectionsContext, Result } from "./emulator-collections.js";
import { findById, lockError, saveRecord } from "./emulator-collections.js";
import { COLUMN_DELIMITERS, parseCsv } from "../bulk-csv.js";
import type { IngestJob, Operation } from "./emulator-bulk-job.js";
import { errorText, info, OPERATIONS, results } from "./emulator-bulk-job.js";
import { describeField } from "./emulator-describe.js";
import type { EmulatorResponse } from "./emulator-errors.js";
import { RequestError, restError } from "./emulator-errors.js";
import type { RecordValues } from "./emulator-field-rules.js";
import { fieldOf, readValue } from "./emulator-field-rules.js";
import { makeId } from "./emulator-ids.js";
import type { SObjectField } from "./emulator-schema.js";

/**
 * Bulk API 2.0 ingest jobs: create a job, upload its CSV once, close it, and Salesforce processes it
 * asynchronously (UploadComplete -> InProgress -> JobComplete or Failed) in internal batches of 10,000
 * records; the successful, failed and unprocessed records are then read as CSV, in no guaranteed order.
 * Sources: https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/create_job.htm,
 * .../upload_job_data.htm (one upload a job, 150 MB base64), .../close_job.htm, .../get_job_info.htm,
 * .../get_job_successful_results.htm, .../get_job_failed_results.htm (`sf__Error` = code:message:fields),
 * .../get_job_unprocessed_results.htm, .../datafiles_prepare_csv.htm (an empty cell leaves a field as it
 * is, `#N/A` sets it to null), .../bulk_api_2_0_errors.htm, and
 * https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_bulkapi.htm
 * (10,000-record internal batches, 15,000 batches and 150,000,000 records a rolling 24 hours).
 */

/** Records Salesforce processes as one internal batch. */
export const BULK_BATCH_RECORDS = 10_000;
/** Largest upload, once base64-encoded. */
const MAX_UPLOAD_BASE64_BYTES = 150 * 1024 * 1024;
/** What processing jobs needs beside the org. */
export interface BulkContext extends CollectionsContext {
  readonly now: () => number;
  /** Milliseconds a job waits before it starts, and each 10,000-record batch takes. */
  readonly processingMs: number;
}

/** The org's ingest jobs. */
export class BulkIngest {
  readonly #jobs = new Map<string, IngestJob>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #sequence = 1;
  /** Internal batches processed (the DailyBulkApiBatches limit counts them). */
  batches = 0;

  constructor(private readonly ctx: BulkContext) {}

  /** Stop processing (the emulator closes). */
  stop(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /** Answer a request under `/jobs/ingest`; `rest` is the path after it. */
  handle(method: string, rest: readonly string[], version: string, body: unknown, text: string, contentType: string | undefined): EmulatorResponse {
    try {
      if (rest.length === 0 && method === "POST") return this.#create(body, version);
      if (rest.length === 0 && method === "GET") return { status: 200, body: { done: true, records: [...this.#jobs.values()].map((j) => info(j)), nextRecordsUrl: null } };
      const job = this.#jobs.get(rest[0] ?? "");
      if (!job) return restError(404, "NOT_FOUND", "The requested resource does not exist");
      if (rest.length === 1 && method === "GET") return { status: 200, body: info(job) };
      if (rest.length === 1 && method === "PATCH") return this.#changeState(job, body);
      if (rest.length === 1 && method === "DELETE") {
        if (job.state === "Open" || job.state === "InProgress") return restError(400, "INVALIDJOBSTATE", `Job ${job.id} can't be deleted in state ${job.state}`);
        this.#jobs.delete(job.id);
        return { status: 204 };
      }
      if (rest.length === 2 && rest[1] === "batches" && method === "PUT") return this.#upload(job, text, contentType);
      if (rest.length === 2 && method === "GET" && ["successfulResults", "failedResults", "unprocessedrecords"].includes(rest[1]!)) return results(job, rest[1]!);
      return restError(405, "METHOD_NOT_ALLOWED", `HTTP Method '${method}' not allowed on this resource`);
    } catch (error) {
      if (error instanceof RequestError) return error.response;
      throw error;
    }
  }

  #create(body: unknown, version: string): EmulatorResponse {
    const input = (body ?? {}) as { object?: string; operation?: string; externalIdFieldName?: string; contentType?: string; lineEnding?: string; columnDelimiter?: string };
    if (!OPERATIONS.includes(input.operation as Operation)) return restError(400, "INVALIDJOB", `InvalidJob : Invalid operation: ${input.operation ?? "(none)"}`);
    const object = this.ctx.org.object(input.object ?? "");
    if (!object) return restError(400, "INVALIDENTITY", `Entity '${input.object ?? ""}' is not supported by the Bulk API.`);
    if ((input.contentType ?? "CSV") !== "CSV") return restError(400, "INVALIDJOB", `InvalidJob : Content type ${input.contentType} is not supported; use CSV`);
    const delimiter = COLUMN_DELIMITERS[input.columnDelimiter ?? "COMMA"];
    if (!delimiter) return restError(400, "INVALIDJOB", `InvalidJob : Invalid column delimiter: ${input.columnDelimiter}`);
    if (input.lineEnding !== undefined && input.lineEnding !== "LF" && input.lineEnding !== "CRLF") return restError(400, "INVALIDJOB", `InvalidJob : Invalid line ending: ${input.lineEnding}`);
    let externalIdField: SObjectField | undefined;
    if (input.operation === "upsert") {
      externalIdField = fieldOf(object, input.externalIdFieldName ?? "");
      if (!externalIdField || (!externalIdField.externalId && externalIdField.name !== "Id")) {
        return restError(400, "INVALIDJOB", `InvalidJob : External ID field ${input.externalIdFieldName ?? "(none)"} is not an external id field of ${object.name}`);
      }
    }
    const stamp = new Date(this.ctx.now()).toISOString().replace("Z", "+0000");
    const job: IngestJob = {
      id: makeId("750", this.#sequence++),
      object,
      operation: input.operation as Operation,
      ...(externalIdField ? { externalIdField } : {}),
      lineEnding: (input.lineEnding as "LF" | "CRLF" | undefined) ?? "LF",
      delimiter,
      delimiterName: input.columnDelimiter ?? "COMMA",
      apiVersion: version,
      createdDate: stamp,
      systemModstamp: stamp,
      state: "Open",
      uploads: 0,
      data: "",
      header: [],
      successful: [],
      failed: [],
      unprocessed: [],
      processed: 0,
      failures: 0,
      processingMs: 0,
    };
    this.#jobs.set(job.id, job);
    return { status: 200, body: info(job) };
  }

  #upload(job: IngestJob, text: string, contentType: string | undefined): EmulatorResponse {
    if (job.state !== "Open") return restError(400, "INVALIDJOBSTATE", `Job ${job.id} is not open for uploads (state ${job.state})`);
    if (!/^text\/csv/i.test(contentType ?? "")) return restError(400, "INVALIDCONTENTTYPE", "The upload must be text/csv");
    if (Math.ceil(Buffer.byteLength(text) / 3) * 4 > MAX_UPLOAD_BASE64_BYTES) {
      return restError(400, "INVALIDBATCH", "InvalidBatch : The upload exceeds the maximum of 150 MB once base64-encoded; split the data into several jobs");
    }
    job.uploads++;
    job.data = text;
    return { status: 201 };
  }

  #changeState(job: IngestJob, body: unknown): EmulatorResponse {
    const state = (body as { state?: string } | undefined)?.state;
    if (state === "Aborted") {
      if (job.state === "JobComplete" || job.state === "Failed" || job.state === "Aborted") return restError(400, "INVALIDJOBSTATE", `Job ${job.id} is already ${job.state}`);
      // A job aborted before it started lists all its records as unprocessed.
      if (job.state === "Open" || job.state === "UploadComplete") {
        const [header, ...records] = parseCsv(job.data, job.delimiter, job.lineEnding) ?? [];
        job.header = header ?? [];
        job.unprocessed = records;
      }
      job.state = "Aborted";
      this.#touch(job);
      return { status: 200, body: info(job) };
    }
    if (state !== "UploadComplete") return restError(400, "INVALIDJOBSTATE", `Invalid state: ${state ?? "(none)"}; a job is closed with UploadComplete or aborted with Aborted`);
    if (job.state !== "Open") return restError(400, "INVALIDJOBSTATE", `Job ${job.id} is not open (state ${job.state})`);
    // Only one upload per job: https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/upload_job_data.htm
    if (job.uploads > 1) {
      return restError(400, "INVALIDJOB", `Found multipe contents for job: <${job.id.slice(0, 15)}>, please 'Close' / 'Abort' / 'Delete' the current Job then create a new Job and make sure you only do 'PUT' once on a given Job.`);
    }
    job.state = "UploadComplete";
    this.#touch(job);
    this.#later(() => this.#start(job), this.ctx.processingMs);
    return { status: 200, body: info(job) };
  }

  #later(run: () => void, ms: number): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, ms);
    this.#timers.add(timer);
  }

  #touch(job: IngestJob): void {
    job.systemModstamp = new Date(this.ctx.now()).toISOString().replace("Z", "+0000");
  }

  #start(job: IngestJob): void {
    if (job.state !== "UploadComplete") return;
    job.state = "InProgress";
    job.startedAt = this.ctx.now();
    this.#touch(job);
    const rows = parseCsv(job.data, job.delimiter, job.lineEnding);
    if (!rows || rows.length === 0) return this.#fail(job, [], "InvalidBatch : Failed to parse the CSV: no header row, or a quote is never closed");
    const [header, ...records] = rows;
    job.header = header!;
    const fields: SObjectField[] = [];
    for (const name of header!) {
      const field = fieldOf(job.object, name.trim());
      // A header naming a field the object does not have fails the whole job.
      if (!field) return this.#fail(job, records, `InvalidBatch : Field name not found : ${name}`);
      fields.push(field);
    }
    const key = job.operation === "upsert" ? job.externalIdField!.name : job.operation === "insert" ? undefined : "Id";
    if (key && !fields.some((f) => f.name === key)) return this.#fail(job, records, `InvalidBatch : The ${key} column is required for ${job.operation}`);
    const batches: string[][][] = [];
    for (let i = 0; i < records.length; i += BULK_BATCH_RECORDS) batches.push(records.slice(i, i + BULK_BATCH_RECORDS));
    const counts = countKeys(records, fields, key);
    const done: Array<{ successful: string[][]; failed: string[][] }> = [];
    const next = (index: number) => {
      if (job.state !== "InProgress") {
        // Aborted meanwhile: what was not processed is listed as unprocessed.
        job.unprocessed = batches.slice(index).flat();
        return this.#finish(job, done);
      }
      if (index >= batches.length) {
        job.state = "JobComplete";
        return this.#finish(job, done);
      }
      done.push(this.#processBatch(job, fields, batches[index]!, counts, key));
      this.batches++;
      this.#later(() => next(index + 1), this.ctx.processingMs);
    };
    this.#later(() => next(0), this.ctx.processingMs);
  }

  #fail(job: IngestJob, records: string[][], message: string): void {
    job.state = "Failed";
    job.errorMessage = message;
    job.unprocessed = records;
    this.#touch(job);
  }

  /** Result files are written with the batches in reverse order: their order is not the upload's. */
  #finish(job: IngestJob, done: Array<{ successful: string[][]; failed: string[][] }>): void {
    job.successful = done.toReversed().flatMap((d) => d.successful);
    job.failed = done.toReversed().flatMap((d) => d.failed);
    job.processed = job.successful.length + job.failed.length;
    job.failures = job.failed.length;
    job.processingMs = this.ctx.now() - (job.startedAt ?? this.ctx.now());
    this.#touch(job);
  }

  #processBatch(job: IngestJob, fields: readonly SObjectField[], rows: string[][], counts: Map<string, number>, key: string | undefined) {
    const successful: string[][] = [];
    const failed: string[][] = [];
    for (const cells of rows) {
      const result = this.#processRow(job, fields, cells, counts, key);
      if (result.success) successful.push([result.id ?? "", String(result.created ?? false), ...cells]);
      else failed.push([result.id ?? "", result.errors.map(errorText).join(";"), ...cells]);
    }
    return { successful, failed };
  }

  #processRow(job: IngestJob, fields: readonly SObjectField[], cells: readonly string[], counts: Map<string, number>, key: string | undefined): Result {
    if (cells.length !== fields.length) {
      return { success: false, errors: [{ statusCode: "INVALID_FIELD", message: `The row has ${cells.length} values for ${fields.length} columns`, fields: [] }] };
    }
    const values: RecordValues = new Map();
    for (const [i, field] of fields.entries()) {
      const cell = cells[i]!;
      // An empty cell leaves the field unchanged; #N/A sets it to null.
      if (cell === "") continue;
      if (cell === "#N/A") {
        values.set(field.name, null);
        continue;
      }
      try {
        values.set(field.name, readValue(field, cell));
      } catch {
        const type = String(describeField(field).soapType);
        return { success: false, errors: [{ statusCode: "INVALID_FIELD", message: `Failed to deserialize field at col ${i + 1}. Due to, '${cell}' is not a valid value for the type ${type}`, fields: [field.name] }] };
      }
    }
    const object = job.object;
    if (job.operation === "insert") return { ...saveRecord(this.ctx, object, values, undefined), created: true };
    const keyValue = values.get(key!);
    if (keyValue === undefined || keyValue === null) {
      return { success: false, errors: [{ statusCode: "MISSING_ARGUMENT", message: `${key} not specified`, fields: [] }] };
    }
    if (job.operation === "delete" || job.operation === "hardDelete") {
      const found = findById(this.ctx.org, object, String(keyValue));
      if ("error" in found) return { id: String(keyValue), success: false, errors: [found.error] };
      if (this.ctx.lockFault()) return { id: found.record.id, success: false, errors: [lockError(found.record.id)] };
      this.ctx.org.delete(found.object, found.record);
      return { id: found.record.id, success: true, errors: [], created: false };
    }
    if (job.operation === "update") {
      const found = findById(this.ctx.org, object, String(keyValue));
      if ("error" in found) return { id: String(keyValue), success: false, errors: [found.error] };
      return { ...saveRecord(this.ctx, object, values, found.record), created: false };
    }
    const field = job.externalIdField!;
    if ((counts.get(countKey(field, String(keyValue))) ?? 0) > 1) {
      return { success: false, errors: [{ statusCode: "DUPLICATE_EXTERNAL_ID", message: `Duplicate external id specified: ${keyValue}`, fields: [field.name] }] };
    }
    const matches = this.ctx.org.findBy(object, field, keyValue);
    if (matches.length > 1) {
      return { success: false, errors: [{ statusCode: "DUPLICATE_EXTERNAL_ID", message: `${field.name}: more than one record found for external id field: [${matches.map((m) => m.id).join(", ")}]`, fields: [field.name] }] };
    }
    if (matches[0]) values.delete(field.name);
    const saved = saveRecord(this.ctx, object, values, matches[0]);
    return { ...saved, created: saved.success && matches.length === 0 };
  }
}

function countKey(field: SObjectField, value: string): string {
  return field.caseSensitive ? value : value.toLowerCase();
}

/** How many rows of the job hold each key value (an upsert fails every row whose external id repeats). */
function countKeys(rows: readonly string[][], fields: readonly SObjectField[], key: string | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  const column = fields.findIndex((f) => f.name === key);
  if (column < 0) return counts;
  for (const row of rows) {
    const value = row[column];
    if (value === undefined || value === "" || value === "#N/A") continue;
    const k = countKey(fields[column]!, value);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}
