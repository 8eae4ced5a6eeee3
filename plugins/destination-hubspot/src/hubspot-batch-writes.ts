import type { Client } from "@hubspot/api-client";
import type { RecordResult, WriteOutcome } from "@reverse-etl/core";
import { outcomeOfFailure } from "./hubspot-api-error.js";
import type { BatchInput } from "./hubspot-batch-inputs.js";
import { matchAnswer } from "./hubspot-batch-results.js";
import type { BatchAnswer } from "./hubspot-batch-results.js";
import type { BeforeRequest } from "./hubspot-request-meter.js";

/** The part of the SDK's batch API that writes records. */
export type BatchWriteApi = Pick<Client["crm"]["objects"]["batchApi"], "upsert" | "update" | "create">;

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
    matchAnswer(operation, objectType, inputs, answer, results);
    return undefined;
  }
}
