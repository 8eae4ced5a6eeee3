import type { Client } from "@hubspot/api-client";
import type { RecordResult, WriteOutcome } from "@reverse-etl/core";
import { outcomeOfFailure } from "./hubspot-api-error.js";
import type { BatchInput } from "./hubspot-batch-inputs.js";
import type { BeforeRequest } from "./hubspot-request-meter.js";

/** The part of the SDK's batch API that writes records. */
export type BatchWriteApi = Pick<Client["crm"]["objects"]["batchApi"], "upsert" | "update" | "create">;

/** A batch error entry (`StandardError`) of a 207 answer. */
interface BatchError {
  readonly message: string;
  readonly category: string;
  readonly context?: Record<string, readonly string[] | undefined>;
}

/** What a batch write answers: results and, for 207, per-input errors. */
interface BatchAnswer {
  readonly results: ReadonlyArray<{ readonly id: string; readonly properties: Record<string, string | null>; readonly objectWriteTraceId?: string }>;
  readonly errors?: readonly BatchError[];
}

/** Upserts, updates and creates through `POST /crm/v3/objects/{objectType}/batch/{upsert|update|create}`. */
export class HubSpotBatchWrites {
  constructor(private readonly objects: BatchWriteApi) {}

  /**
   * Send the inputs as one batch request with a trace id per input, and put each input's result in
   * `results` at its record's position. Returns the outcome of the whole write when the request failed.
   * `beforeRequest` is called before the request is made.
   */
  async send(
    operation: "upsert" | "update" | "insert",
    objectType: string,
    inputs: readonly BatchInput[],
    results: Array<RecordResult | undefined>,
    what: string,
    beforeRequest: BeforeRequest,
  ): Promise<WriteOutcome | undefined> {
    // A unique objectWriteTraceId per input makes HubSpot report invalid inputs one by one (207) instead
    // of refusing the whole request: https://developers.hubspot.com/docs/guides/api/error-handling
    const traced = inputs.map((input) => ({
      objectWriteTraceId: String(input.index),
      properties: input.properties,
      ...(input.id !== undefined ? { id: input.id } : {}),
      ...(input.idProperty !== undefined && input.idProperty !== "hs_object_id" ? { idProperty: input.idProperty } : {}),
    }));
    let answer: BatchAnswer;
    await beforeRequest();
    try {
      if (operation === "upsert") {
        answer = (await this.objects.upsert(objectType, { inputs: traced.map((i) => ({ ...i, id: i.id! })) })) as BatchAnswer;
      } else if (operation === "update") {
        answer = (await this.objects.update(objectType, { inputs: traced.map((i) => ({ ...i, id: i.id! })) })) as BatchAnswer;
      } else {
        answer = (await this.objects.create(objectType, {
          inputs: traced.map((i) => ({ objectWriteTraceId: i.objectWriteTraceId, properties: i.properties, associations: [] })),
        })) as BatchAnswer;
      }
    } catch (error) {
      return outcomeOfFailure(error, what);
    }
    for (const result of answer.results ?? []) {
      const index = Number(result.objectWriteTraceId);
      if (Number.isInteger(index) && index >= 0 && index < results.length) results[index] = { status: "ok", id: result.id };
    }
    for (const error of answer.errors ?? []) {
      for (const trace of error.context?.objectWriteTraceId ?? []) {
        const index = Number(trace);
        if (!Number.isInteger(index) || index < 0 || index >= results.length) continue;
        results[index] = { status: "rejected", message: rejection(error, objectType) };
      }
    }
    // Inputs HubSpot answered without a trace id (older behaviour): matched by position for creates.
    if (operation === "insert" && (answer.results ?? []).every((r) => r.objectWriteTraceId === undefined) && (answer.errors ?? []).length === 0) {
      answer.results.forEach((result, i) => {
        const input = inputs[i];
        if (input) results[input.index] = { status: "ok", id: result.id };
      });
    }
    return undefined;
  }
}

/** A per-input error as the record's rejection message: HubSpot's own message, with its category. */
function rejection(error: BatchError, objectType: string): string {
  if (error.category === "OBJECT_NOT_FOUND") {
    return `[reverse-etl] [hubspot] no ${objectType} record has this identifier (${error.message}); use upsert mode to create missing records.`;
  }
  return `[reverse-etl] [hubspot] HubSpot refused the record (${error.category}): ${error.message}`;
}
