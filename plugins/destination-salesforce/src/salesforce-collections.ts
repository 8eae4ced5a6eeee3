import type { OutgoingRecord, RecordResult, WriteOperation, WriteOutcome } from "@reverse-etl/core";
import type { SalesforceApi } from "./salesforce-api.js";
import { SalesforceApiFailure } from "./salesforce-api-error.js";
import type { FieldShape, ObjectShape } from "./salesforce-describe.js";
import { fieldNamed } from "./salesforce-describe.js";
import { findIds, matchKey } from "./salesforce-lookup.js";
import { convertValue } from "./salesforce-values.js";

/**
 * Writes through sObject Collections, 200 records a request, with `allOrNone` false so each record
 * succeeds or fails alone: upsert by external id (`PATCH /composite/sobjects/{object}/{field}`), update by
 * Id (`PATCH /composite/sobjects`, after finding the Ids when matching by external id), insert
 * (`POST /composite/sobjects`) and delete (`DELETE /composite/sobjects?ids=`, after finding the Ids).
 * Source: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections.htm
 */

/** What writing a batch needs. */
export interface CollectionsWrite {
  readonly api: SalesforceApi;
  readonly shape: ObjectShape;
  /** Take `count` requests from core's limiter (the write's first request is taken by core). */
  readonly acquireRequests: (count?: number) => Promise<void>;
}

/** One record's error in a SaveResult or UpsertResult. */
interface SaveError {
  readonly statusCode: string;
  readonly message: string;
  readonly fields?: readonly string[];
}

/** A SaveResult / UpsertResult. */
interface SaveResult {
  readonly id?: string;
  readonly success: boolean;
  readonly errors: readonly SaveError[];
}

/** A failed request as a write outcome: credentials stop the run, the allocation ends it, 5xx retry, other 4xx split the batch. */
export function outcomeOfFailure(failure: SalesforceApiFailure): WriteOutcome {
  switch (failure.kind) {
    case "auth":
      return { type: "fatal", credentials: true, message: failure.message };
    case "limit":
      return { type: "stop", message: failure.message };
    case "transient":
      return { type: "retry", message: `[reverse-etl] [salesforce] ${failure.message}` };
    default:
      return { type: "batch-rejected", message: `[reverse-etl] [salesforce] Salesforce refused the request: ${failure.message}` };
  }
}

/** A record's errors as its result: a row lock is retried; anything else is Salesforce's refusal of the record. */
export function resultOfErrors(errors: readonly SaveError[]): RecordResult {
  const text = errors.map((e) => `${e.statusCode}: ${e.message}${e.fields && e.fields.length > 0 ? ` (fields: ${e.fields.join(", ")})` : ""}`).join("; ");
  // UNABLE_TO_LOCK_ROW: another transaction holds the record; retrying later succeeds.
  if (errors.some((e) => e.statusCode === "UNABLE_TO_LOCK_ROW")) return { status: "retryable", message: `[reverse-etl] [salesforce] ${text}` };
  return { status: "rejected", message: `[reverse-etl] [salesforce] Salesforce refused the record: ${text}` };
}

/** Write one batch (at most 200 records) through sObject Collections. Never throws. */
export async function writeCollections(ctx: CollectionsWrite, operation: WriteOperation, records: readonly OutgoingRecord[]): Promise<WriteOutcome> {
  const results: Array<RecordResult | undefined> = records.map(() => undefined);
  let requests = 0;
  // The write's first request was taken by core; each further one (and each repeat after a session renewal) is taken here.
  const beforeRequest = async () => {
    if (requests++ > 0) await ctx.acquireRequests(1);
  };
  const repeat = () => ctx.acquireRequests(1);
  try {
    if (operation === "delete") await deleteRecords(ctx, records, results, beforeRequest, repeat);
    else await saveRecords(ctx, operation, records, results, beforeRequest, repeat);
  } catch (error) {
    if (error instanceof SalesforceApiFailure) return outcomeOfFailure(error);
    throw error;
  }
  return {
    type: "results",
    results: results.map((r) => r ?? { status: "retryable", message: "[reverse-etl] [salesforce] Salesforce returned no result for this record" }),
  };
}

/** The one match field and its value of a record, or why it has none usable. */
function matchOf(ctx: CollectionsWrite, record: OutgoingRecord): { field: FieldShape; value: string | number } | { message: string } {
  const entries = Object.entries(record.match);
  if (entries.length !== 1) return { message: `[reverse-etl] [salesforce] this mode needs exactly one match field (an external id or Id of ${ctx.shape.name}); the sync has ${entries.length}` };
  const [[name, value]] = entries as [[string, unknown]];
  const field = fieldNamed(ctx.shape, name);
  if (!field) return { message: `[reverse-etl] [salesforce] ${ctx.shape.name} has no field ${name} to match on` };
  if (value === null || value === "" || typeof value === "object") {
    return { message: `[reverse-etl] [salesforce] the match value for ${field.name} is empty, so no ${ctx.shape.name} record can be found by it` };
  }
  const converted = convertValue(value as string | number, field);
  if (!converted.ok) return { message: `[reverse-etl] [salesforce] ${converted.message}` };
  return { field, value: converted.value as string | number };
}

/** The record's field values converted for JSON, or why one cannot be sent. */
function bodyOf(ctx: CollectionsWrite, values: Record<string, unknown>): { body: Record<string, unknown> } | { message: string } {
  const body: Record<string, unknown> = { attributes: { type: ctx.shape.name } };
  for (const [name, value] of Object.entries(values)) {
    const field = fieldNamed(ctx.shape, name);
    const converted = convertValue(value as never, field);
    if (!converted.ok) return { message: `[reverse-etl] [salesforce] ${converted.message}; fix the model or the field in Salesforce` };
    body[field?.name ?? name] = converted.value;
  }
  return { body };
}

async function saveRecords(
  ctx: CollectionsWrite,
  operation: Exclude<WriteOperation, "delete">,
  records: readonly OutgoingRecord[],
  results: Array<RecordResult | undefined>,
  beforeRequest: () => Promise<void>,
  repeat: () => Promise<void>,
): Promise<void> {
  const bodies: Array<{ index: number; body: Record<string, unknown>; match?: { field: FieldShape; value: string | number } }> = [];
  const seen = new Map<string, number>();
  for (const [index, record] of records.entries()) {
    const converted = bodyOf(ctx, operation === "insert" ? { ...record.match, ...record.fields } : record.fields);
    if ("message" in converted) {
      results[index] = { status: "rejected", message: converted.message };
      continue;
    }
    const { body } = converted;
    if (operation === "insert") {
      bodies.push({ index, body });
      continue;
    }
    const match = matchOf(ctx, record);
    if ("message" in match) {
      results[index] = { status: "rejected", message: match.message };
      continue;
    }
    // Salesforce fails every record of a request that shares an external id; two rows cannot be one record.
    const key = matchKey(match.value, match.field);
    if (seen.has(key)) {
      results[index] = {
        status: "rejected",
        message: `[reverse-etl] [salesforce] ${match.field.name} ${JSON.stringify(match.value)} is also the match value of row ${records[seen.get(key)!]!.key} of the same batch; two rows cannot be the same record`,
      };
      continue;
    }
    seen.set(key, index);
    bodies.push({ index, body, match });
  }
  if (bodies.length === 0) return;
  const object = ctx.shape.name;
  if (operation === "upsert") {
    const field = bodies[0]!.match!.field;
    if (field.name === "Id") throw new SalesforceApiFailure("refused", `upserts match on an external id field of ${object}, not Id; use update mode to write records by Id`);
    await beforeRequest();
    const answer = await ctx.api.request<SaveResult[]>(
      { method: "PATCH", path: `/composite/sobjects/${object}/${field.name}`, body: { allOrNone: false, records: bodies.map((b) => ({ ...b.body, [field.name]: b.match!.value })) } },
      { onRepeat: repeat, what: `upserting ${bodies.length} ${object} records by ${field.name}` },
    );
    settle(answer, bodies, results);
    return;
  }
  if (operation === "update") {
    const byId = await idsFor(ctx, bodies.map((b) => b.match!), beforeRequest, repeat);
    const sendable = bodies.filter((b) => {
      const ids = byId.get(matchKey(b.match!.value, b.match!.field));
      if (ids?.length === 1) return true;
      results[b.index] = {
        status: "rejected",
        message:
          ids && ids.length > 1
            ? `[reverse-etl] [salesforce] ${ids.length} ${object} records have ${b.match!.field.name} = ${JSON.stringify(b.match!.value)} (${ids.join(", ")}); an update needs exactly one`
            : `[reverse-etl] [salesforce] no ${object} record has ${b.match!.field.name} = ${JSON.stringify(b.match!.value)}; use upsert mode to create missing records`,
      };
      return false;
    });
    if (sendable.length === 0) return;
    await beforeRequest();
    const answer = await ctx.api.request<SaveResult[]>(
      { method: "PATCH", path: "/composite/sobjects", body: { allOrNone: false, records: sendable.map((b) => ({ ...b.body, Id: byId.get(matchKey(b.match!.value, b.match!.field))![0] })) } },
      { onRepeat: repeat, what: `updating ${sendable.length} ${object} records` },
    );
    settle(answer, sendable, results);
    return;
  }
  await beforeRequest();
  const answer = await ctx.api.request<SaveResult[]>(
    { method: "POST", path: "/composite/sobjects", body: { allOrNone: false, records: bodies.map((b) => b.body) } },
    { onRepeat: repeat, what: `inserting ${bodies.length} ${object} records` },
  );
  settle(answer, bodies, results);
}

/** Ids by match key: `Id` matches are the ids themselves; external ids are looked up. */
async function idsFor(
  ctx: CollectionsWrite,
  matches: ReadonlyArray<{ field: FieldShape; value: string | number }>,
  beforeRequest: () => Promise<void>,
  repeat: () => Promise<void>,
): Promise<Map<string, string[]>> {
  const field = matches[0]!.field;
  if (field.name === "Id") return new Map(matches.map((m) => [matchKey(m.value, field), [String(m.value)]]));
  return findIds(ctx.api, ctx.shape.name, field, matches.map((m) => m.value), { beforeRequest, onRepeat: repeat });
}

/** Record each answer's result by position (Salesforce answers in the order of the records sent). */
function settle(answer: readonly SaveResult[], sent: ReadonlyArray<{ index: number }>, results: Array<RecordResult | undefined>): void {
  sent.forEach((b, i) => {
    const result = answer[i];
    if (!result) return;
    results[b.index] = result.success ? { status: "ok", ...(result.id ? { id: result.id } : {}) } : resultOfErrors(result.errors);
  });
}

async function deleteRecords(
  ctx: CollectionsWrite,
  records: readonly OutgoingRecord[],
  results: Array<RecordResult | undefined>,
  beforeRequest: () => Promise<void>,
  repeat: () => Promise<void>,
): Promise<void> {
  const matched: Array<{ index: number; match: { field: FieldShape; value: string | number } }> = [];
  for (const [index, record] of records.entries()) {
    const match = matchOf(ctx, record);
    // A row whose match value was never delivered has no record to delete.
    if ("message" in match) results[index] = { status: "ok" };
    else matched.push({ index, match });
  }
  if (matched.length === 0) return;
  const byKey = await idsFor(ctx, matched.map((m) => m.match), beforeRequest, repeat);
  const ids: Array<{ id: string; index: number }> = [];
  for (const m of matched) {
    const found = byKey.get(matchKey(m.match.value, m.match.field)) ?? [];
    // Records already gone count as deleted.
    if (found.length === 0) results[m.index] = { status: "ok" };
    for (const id of found) ids.push({ id, index: m.index });
  }
  for (let start = 0; start < ids.length; start += 200) {
    const chunk = ids.slice(start, start + 200);
    await beforeRequest();
    const answer = await ctx.api.request<SaveResult[]>(
      { method: "DELETE", path: `/composite/sobjects?ids=${chunk.map((c) => c.id).join(",")}&allOrNone=false` },
      { onRepeat: repeat, what: `deleting ${chunk.length} ${ctx.shape.name} records` },
    );
    chunk.forEach((c, i) => {
      const result = answer[i];
      if (!result) return;
      // A record deleted meanwhile is gone, as a delete wants.
      const gone = result.success || result.errors.every((e) => e.statusCode === "ENTITY_IS_DELETED" || e.statusCode === "INVALID_CROSS_REFERENCE_KEY");
      const previous = results[c.index];
      if (previous && previous.status !== "ok") return;
      results[c.index] = gone ? { status: "ok" } : resultOfErrors(result.errors);
    });
  }
}
