import type { RecordResult } from "@reverse-etl/core";
import { identifierKey } from "./hubspot-batch-inputs.js";
import type { BatchInput } from "./hubspot-batch-inputs.js";

/**
 * How a batch write's answer is matched to its inputs. Sources:
 * https://developers.hubspot.com/docs/reference/api/crm/objects (batch results carry the record's `id` and
 * `properties`, in no promised order) and https://developers.hubspot.com/docs/guides/api/error-handling
 * (an input's `objectWriteTraceId` comes back on its result or error).
 */

/** A batch error entry (`StandardError`) of a 207 answer. */
export interface BatchError {
  readonly message: string;
  readonly category: string;
  readonly context?: Readonly<Record<string, readonly string[] | undefined>>;
}

/** One record of a batch answer. */
export interface BatchResult {
  readonly id: string;
  readonly properties: Readonly<Record<string, string | null>>;
  readonly objectWriteTraceId?: string;
}

/** What a batch write answers: results and, for 207, per-input errors. */
export interface BatchAnswer {
  readonly results?: readonly BatchResult[];
  readonly errors?: readonly BatchError[];
}

/**
 * Put each input's result in `results` at its record's position. The trace id sent with each input (its
 * position) matches first. A result without one (HubSpot does not always echo it) matches by the
 * identifier it was written by: the `idProperty` value among its properties (emails compared in lower
 * case, as HubSpot stores them), or its record `id` for an update or upsert by `hs_object_id`. An error
 * without trace ids matches the inputs whose identifiers its context lists as `ids`. Creates have no
 * identifier: when no result is traced and nothing failed, they match by position, as sent. Inputs left
 * unmatched keep no result, and the write reports them retryable.
 */
export function matchAnswer(
  operation: "upsert" | "update" | "insert",
  objectType: string,
  inputs: readonly BatchInput[],
  answer: BatchAnswer,
  results: Array<RecordResult | undefined>,
): void {
  const byTrace = new Map(inputs.map((input) => [String(input.index), input]));
  const byIdentifier = new Map<string, BatchInput>();
  for (const input of inputs) if (input.id !== undefined) byIdentifier.set(identifierKey(input.idProperty, input.id), input);
  const idProperty = inputs.find((input) => input.idProperty !== undefined)?.idProperty;
  const byRecordId = idProperty === "hs_object_id";
  const answered = answer.results ?? [];
  const failed = answer.errors ?? [];

  for (const result of answered) {
    let input = result.objectWriteTraceId !== undefined ? byTrace.get(result.objectWriteTraceId) : undefined;
    if (!input && operation !== "insert") {
      const identifier = byRecordId || idProperty === undefined ? result.id : result.properties?.[idProperty];
      if (typeof identifier === "string") input = byIdentifier.get(identifierKey(idProperty, identifier));
    }
    if (input) results[input.index] = { status: "ok", id: result.id };
  }
  for (const error of failed) {
    const traces = error.context?.objectWriteTraceId ?? [];
    const matched =
      traces.length > 0
        ? traces.map((trace) => byTrace.get(trace))
        : (error.context?.ids ?? []).map((id) => byIdentifier.get(identifierKey(idProperty, id)));
    for (const input of matched) if (input) results[input.index] = { status: "rejected", message: rejection(error, objectType) };
  }
  if (operation === "insert" && failed.length === 0 && answered.every((r) => r.objectWriteTraceId === undefined)) {
    answered.forEach((result, i) => {
      const input = inputs[i];
      if (input) results[input.index] = { status: "ok", id: result.id };
    });
  }
}

/** A per-input error as the record's rejection message: HubSpot's own message, with its category. */
function rejection(error: BatchError, objectType: string): string {
  if (error.category === "OBJECT_NOT_FOUND") {
    return `[reverse-etl] [hubspot] no ${objectType} record has this identifier (${error.message}); use upsert mode to create missing records.`;
  }
  return `[reverse-etl] [hubspot] HubSpot refused the record (${error.category}): ${error.message}`;
}
