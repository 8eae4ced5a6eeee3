import type { Client } from "@hubspot/api-client";
import type { RecordResult, WriteOutcome } from "@reverse-etl/core";
import { outcomeOfFailure } from "./hubspot-api-error.js";
import type { BatchInput } from "./hubspot-batch-inputs.js";
import type { BeforeRequest } from "./hubspot-request-meter.js";

/** The part of the SDK's batch API that finds and archives records. */
export type BatchArchiveApi = Pick<Client["crm"]["objects"]["batchApi"], "read" | "archive">;

/**
 * Mirror deletes. HubSpot archives by record id only (`POST /crm/v3/objects/{objectType}/batch/archive`),
 * so records matched by another property are first found with `batch/read` by that `idProperty`
 * (https://developers.hubspot.com/docs/reference/api/crm/objects).
 */
export class HubSpotArchives {
  constructor(private readonly objects: BatchArchiveApi) {}

  /**
   * Archive the inputs' records and mark each `ok` in `results` (a record that is not found is already
   * gone). Returns the outcome of the whole write when a request failed. `beforeRequest` is called before
   * each of the (up to two) requests.
   */
  async archive(
    objectType: string,
    inputs: readonly BatchInput[],
    results: Array<RecordResult | undefined>,
    what: string,
    beforeRequest: BeforeRequest,
  ): Promise<WriteOutcome | undefined> {
    const idProperty = inputs[0].idProperty;
    let ids: string[];
    if (idProperty === undefined || idProperty === "hs_object_id") {
      ids = inputs.map((i) => i.id!);
    } else {
      await beforeRequest();
      try {
        const read = await this.objects.read(objectType, {
          idProperty,
          inputs: inputs.map((i) => ({ id: i.id! })),
          properties: [idProperty],
          propertiesWithHistory: [],
        });
        ids = read.results.map((r) => r.id);
      } catch (error) {
        return outcomeOfFailure(error, `${what} (finding them by ${idProperty})`);
      }
    }
    if (ids.length > 0) {
      await beforeRequest();
      try {
        await this.objects.archive(objectType, { inputs: ids.map((id) => ({ id })) });
      } catch (error) {
        return outcomeOfFailure(error, what);
      }
    }
    // Records that were not found are already gone: the delete succeeded.
    for (const input of inputs) results[input.index] = { status: "ok" };
    return undefined;
  }
}
