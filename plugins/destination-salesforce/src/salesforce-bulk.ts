import type { FlushOutcome, FlushRecordResult, OutgoingRecord, RecordResult, SyncContext, WriteOperation, WriteOutcome } from "@reverse-etl/core";
import { csvLine } from "./bulk-csv.js";
import type { SalesforceApi } from "./salesforce-api.js";
import { SalesforceApiFailure } from "./salesforce-api-error.js";
import { outcomeOfFailure } from "./salesforce-collections.js";
import type { FieldShape, ObjectShape } from "./salesforce-describe.js";
import { fieldNamed } from "./salesforce-describe.js";
import { readJobResults, waitForJobs, type SentJob } from "./salesforce-bulk-results.js";
import { findIds, matchKey } from "./salesforce-lookup.js";
import { convertValue, toCsvCell } from "./salesforce-values.js";

/**
 * Writes through Bulk API 2.0 ingest jobs. Each write adds its records to the open job as CSV rows and
 * answers `deferred`; a job is created, uploaded (once) and closed when it is full or at `flush()`, which
 * then polls every job of the run with backoff and settles each record from the jobs' result files,
 * matched by external id (upserts), Id (updates) or the row itself (inserts), never by position: the
 * order of result rows is not guaranteed. Every request is taken from core's limiter first.
 * Sources: https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/bulk_api_2_0.htm,
 * https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_bulkapi.htm
 * (100 MB of CSV a job before base64, 150,000,000 records a day).
 */

/** Sizes and timing of jobs. */
export interface BulkSettings {
  /** Records a job holds at most, unless the sync's `bulkJobSize` says otherwise. */
  readonly maxRecords: number;
  /** Bytes of CSV a job holds at most (100 MB raw stays under 150 MB once base64-encoded). */
  readonly maxBytes: number;
  /** First wait before polling a closed job; each further wait is 1.5 times longer, up to `pollMaxMs`. */
  readonly pollInitialMs: number;
  readonly pollMaxMs: number;
  /** How long `flush` waits for jobs to finish; records of jobs still running are sent again next run. */
  readonly timeoutMs: number;
}

/** Default sizes and timing. */
export const DEFAULT_BULK_SETTINGS: BulkSettings = { maxRecords: 150_000, maxBytes: 100_000_000, pollInitialMs: 500, pollMaxMs: 10_000, timeoutMs: 30 * 60_000 };

type BulkOperation = "upsert" | "insert" | "update";

/** A job being filled. */
interface OpenJob {
  readonly operation: BulkOperation;
  readonly columns: readonly string[];
  readonly externalIdField?: FieldShape;
  /** Column results are matched by (the external id, or Id), or undefined: inserts match by row. */
  readonly keyColumn?: string;
  readonly lines: string[];
  bytes: number;
  /** Match key -> record keys, in upload order. */
  readonly keys: Map<string, string[]>;
}

/** The Bulk API side of one connection: the open job and the jobs sent, per sync. */
export class BulkWriter {
  readonly #open = new Map<string, OpenJob>();
  readonly #sent = new Map<string, SentJob[]>();
  /** Upsert keys already in a job of the run: a second row with one is refused (Salesforce fails both). */
  readonly #seen = new Map<string, Map<string, string>>();

  constructor(
    private readonly api: SalesforceApi,
    private readonly settings: BulkSettings,
  ) {}

  /** Add a batch to the open job (sending that job first when it is full). Never throws. */
  async write(shape: ObjectShape, operation: Exclude<WriteOperation, "delete">, records: readonly OutgoingRecord[], context: SyncContext): Promise<WriteOutcome> {
    const results: RecordResult[] = records.map(() => ({ status: "deferred" }));
    let requests = 0;
    const beforeRequest = async () => {
      if (requests++ > 0) await context.acquireRequests(1);
    };
    const onRepeat = () => context.acquireRequests(1);
    try {
      const seen = this.#seen.get(context.sync) ?? new Map<string, string>();
      this.#seen.set(context.sync, seen);
      const rows = await this.#rows(shape, operation, records, results, seen, { beforeRequest, onRepeat });
      if (rows.length === 0) return { type: "results", results };
      // A job's columns are those of its first write; a row without one leaves its cell empty (the field
      // as it is). A write with other columns, or that would overfill the job, sends the job first.
      const keyName = rows[0]!.keyName;
      const columns = [...(keyName ? [keyName] : []), ...[...new Set(rows.flatMap((r) => [...r.cells.keys()]))].filter((c) => c !== keyName).sort()];
      let open = this.#open.get(context.sync);
      const estimate = rows.length * (columns.length * 4 + 2) + rows.reduce((n, r) => n + [...r.cells.values()].reduce((m, v) => m + Buffer.byteLength(v), 0), 0);
      const fits =
        open !== undefined &&
        open.operation === operation &&
        columns.every((c) => open!.columns.includes(c)) &&
        open.lines.length - 1 + rows.length <= jobSize(context, this.settings.maxRecords) &&
        open.bytes + estimate <= this.settings.maxBytes;
      if (open && !fits) {
        await this.#send(shape, context.sync, open, beforeRequest, onRepeat);
        open = undefined;
      }
      if (!open) {
        const match = rows[0]!.match;
        const header = csvLine(columns);
        open = { operation, columns, ...(operation === "upsert" ? { externalIdField: match! } : {}), ...(keyName ? { keyColumn: keyName } : {}), lines: [header], bytes: Buffer.byteLength(header), keys: new Map() };
        this.#open.set(context.sync, open);
      }
      for (const row of rows) {
        const line = csvLine(open.columns.map((c) => row.cells.get(c) ?? ""));
        // Inserts are matched by their whole row: a result row holds the cells as uploaded.
        const key = row.key ?? line;
        open.lines.push(line);
        open.bytes += Buffer.byteLength(line);
        open.keys.set(key, [...(open.keys.get(key) ?? []), row.recordKey]);
      }
      return { type: "results", results };
    } catch (error) {
      if (error instanceof SalesforceApiFailure) return outcomeOfFailure(error);
      throw error;
    }
  }

  /** Send the open job, wait for every job of the sync, and settle each record from the results. */
  async flush(shape: ObjectShape | undefined, context: SyncContext): Promise<FlushOutcome> {
    const results = new Map<string, FlushRecordResult>();
    const open = this.#open.get(context.sync);
    this.#open.delete(context.sync);
    this.#seen.delete(context.sync);
    const counted = async () => context.acquireRequests(1);
    if (open) {
      try {
        if (!shape) throw new Error(`the describe of ${context.object} could not be read`);
        await this.#send(shape, context.sync, open, counted, counted);
      } catch (error) {
        const message = `[reverse-etl] [salesforce] the Bulk API job was not sent: ${error instanceof Error ? error.message : String(error)}`;
        for (const keys of open.keys.values()) for (const key of keys) results.set(key, { status: "retryable", message });
      }
    }
    const sent = this.#sent.get(context.sync) ?? [];
    this.#sent.delete(context.sync);
    if (sent.length === 0 && results.size === 0) return { type: "ok" };
    await waitForJobs(this.api, sent, this.settings, context);
    for (const job of sent) await readJobResults(this.api, job, results, context);
    // Every record delivered: core commits them all at once.
    if ([...results.values()].every((r) => r.status === "ok")) return { type: "ok" };
    return { type: "results", results };
  }

  /** Forget what was not flushed (the run was aborted). */
  discard(): void {
    this.#open.clear();
    this.#sent.clear();
    this.#seen.clear();
  }

  /** Create, upload and close a job; on failure after creating it, abort it (best effort) so nothing of it is processed. */
  async #send(shape: ObjectShape, sync: string, job: OpenJob, beforeRequest: () => Promise<void>, onRepeat: () => Promise<void>): Promise<void> {
    await beforeRequest();
    const created = await this.api.request<{ id: string }>(
      {
        method: "POST",
        path: "/jobs/ingest",
        body: { object: shape.name, operation: job.operation, ...(job.externalIdField ? { externalIdFieldName: job.externalIdField.name } : {}), contentType: "CSV", columnDelimiter: "COMMA", lineEnding: "LF" },
      },
      { onRepeat, what: `creating a Bulk API ${job.operation} job for ${shape.name}` },
    );
    try {
      await beforeRequest();
      await this.api.request({ method: "PUT", path: `/jobs/ingest/${created.id}/batches`, body: job.lines.join(""), contentType: "text/csv" }, { onRepeat, what: `uploading ${job.lines.length - 1} records to job ${created.id}` });
      await beforeRequest();
      await this.api.request({ method: "PATCH", path: `/jobs/ingest/${created.id}`, body: { state: "UploadComplete" } }, { onRepeat, what: `closing job ${created.id}` });
    } catch (error) {
      await this.api.request({ method: "PATCH", path: `/jobs/ingest/${created.id}`, body: { state: "Aborted" } }, { allowReserve: true }).catch(() => undefined);
      throw error;
    }
    const sent = this.#sent.get(sync) ?? [];
    sent.push({ id: created.id, operation: job.operation, keyColumn: job.keyColumn, externalIdField: job.externalIdField, columns: job.columns, keys: job.keys, records: job.lines.length - 1 });
    this.#sent.set(sync, sent);
  }

  /** Each record's cells with the key results are matched by; records that cannot be sent are rejected in `results`. */
  async #rows(
    shape: ObjectShape,
    operation: BulkOperation,
    records: readonly OutgoingRecord[],
    results: RecordResult[],
    seen: Map<string, string>,
    counting: { beforeRequest: () => Promise<void>; onRepeat: () => Promise<void> },
  ): Promise<PreparedRow[]> {
    const rows: PreparedRow[] = [];
    const reject = (index: number, message: string) => (results[index] = { status: "rejected", message: `[reverse-etl] [salesforce] ${message}` });
    const candidates: Array<{ index: number; cells: Map<string, string>; match?: { field: FieldShape; value: string | number } }> = [];
    for (const [index, record] of records.entries()) {
      const cells = new Map<string, string>();
      let problem: string | undefined;
      for (const [name, value] of Object.entries(operation === "insert" ? { ...record.match, ...record.fields } : record.fields)) {
        const field = fieldNamed(shape, name);
        const converted = convertValue(value, field);
        if (!converted.ok) {
          problem = `${converted.message}; fix the model or the field in Salesforce`;
          break;
        }
        cells.set(field?.name ?? name, toCsvCell(converted.value));
      }
      if (problem) {
        reject(index, problem);
        continue;
      }
      if (operation === "insert") {
        candidates.push({ index, cells });
        continue;
      }
      const entries = Object.entries(record.match);
      const field = entries.length === 1 ? fieldNamed(shape, entries[0]![0]) : undefined;
      const value = entries[0]?.[1];
      if (!field || value === null || value === undefined || value === "" || typeof value === "object") {
        reject(index, `the match value for ${entries[0]?.[0] ?? "(none)"} is empty, so no ${shape.name} record can be found by it`);
        continue;
      }
      const converted = convertValue(value, field);
      if (!converted.ok) {
        reject(index, converted.message);
        continue;
      }
      candidates.push({ index, cells, match: { field, value: converted.value as string | number } });
    }
    let ids: Map<string, string[]> | undefined;
    const external = candidates.find((c) => c.match)?.match?.field;
    if (operation === "update" && external && external.name !== "Id") {
      ids = await findIds(this.api, shape.name, external, candidates.map((c) => c.match!.value), counting);
    }
    for (const { index, cells, match } of candidates) {
      const recordKey = records[index]!.key;
      if (operation === "insert" || !match) {
        rows.push({ cells, recordKey });
        continue;
      }
      let keyValue = String(match.value);
      if (operation === "update") {
        const found = match.field.name === "Id" ? [keyValue] : (ids?.get(matchKey(match.value, match.field)) ?? []);
        if (found.length !== 1) {
          reject(index, found.length === 0 ? `no ${shape.name} record has ${match.field.name} = ${JSON.stringify(match.value)}; use upsert mode to create missing records` : `${found.length} ${shape.name} records have ${match.field.name} = ${JSON.stringify(match.value)}; an update needs exactly one`);
          continue;
        }
        keyValue = found[0]!;
      }
      const keyName = operation === "upsert" ? match.field.name : "Id";
      const key = operation === "upsert" ? matchKey(keyValue, match.field) : keyValue;
      if (operation === "upsert") {
        // The same record again is a write core retries (its job could not be sent), not a second row.
        const other = seen.get(key);
        if (other !== undefined && other !== recordKey) {
          reject(index, `${keyName} ${JSON.stringify(keyValue)} is also the match value of row ${other}; two rows cannot be the same record`);
          continue;
        }
        seen.set(key, recordKey);
      }
      cells.set(keyName, toCsvCell(keyValue));
      rows.push({ cells, recordKey, key, keyName, match: operation === "upsert" ? match.field : { ...match.field, name: "Id" } });
    }
    return rows;
  }
}

/** Records a job of the sync may hold: its `bulkJobSize` option, or the default. */
function jobSize(context: SyncContext, fallback: number): number {
  return typeof context.options.bulkJobSize === "number" ? context.options.bulkJobSize : fallback;
}

/** A record ready for a job: its cells by field, and what its results are matched by. */
interface PreparedRow {
  readonly cells: Map<string, string>;
  readonly recordKey: string;
  /** The match key (external id or Id); undefined for inserts, matched by their whole row. */
  readonly key?: string;
  readonly keyName?: string;
  readonly match?: FieldShape;
}
