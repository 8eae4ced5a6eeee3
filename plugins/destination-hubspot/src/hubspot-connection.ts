import { Client } from "@hubspot/api-client";
import { ConnectionError } from "@reverse-etl/core";
import type {
  DestinationCapabilities,
  DestinationConnection,
  FieldDescription,
  Logger,
  ObjectDescription,
  OutgoingRecord,
  RecordResult,
  SyncMode,
  WriteContext,
  WriteOperation,
  WriteOutcome,
} from "@reverse-etl/core";
import { errorBodyOf, isApiError, outcomeOfFailure } from "./hubspot-api-error.js";
import { convertValue } from "./hubspot-values.js";
import type { PropertyShape } from "./hubspot-values.js";

/** Settings of a {@link HubSpotConnection}, resolved from the plugin options. */
export interface HubSpotConnectionSettings {
  /** Access token (secret). */
  readonly accessToken: string;
  /** API host without trailing slash. */
  readonly baseUrl: string;
  /** Batch size, concurrency and rate limits. */
  readonly capabilities: DestinationCapabilities;
  /** Redacted plugin logger. */
  readonly logger: Logger;
}

/** Objects the CRM v3 objects API knows by name (custom objects are looked up in the schemas API). */
const STANDARD_OBJECTS = new Set(["contacts", "companies", "deals", "tickets", "products", "line_items", "quotes", "calls", "emails", "meetings", "notes", "tasks"]);

/** A batch error entry (`StandardError`) of a 207 answer. */
interface BatchError {
  readonly message: string;
  readonly category: string;
  readonly context?: Record<string, readonly string[] | undefined>;
}

/** What a batch call answers: results and, for 207, per-input errors. */
interface BatchAnswer {
  readonly results: ReadonlyArray<{ readonly id: string; readonly properties: Record<string, string | null>; readonly objectWriteTraceId?: string }>;
  readonly errors?: readonly BatchError[];
}

/**
 * A connection to one HubSpot account through the official SDK, with the SDK's own retries and limiter
 * off: core batches, paces and retries. `write` never throws; every answer becomes a write outcome.
 */
export class HubSpotConnection implements DestinationConnection {
  readonly capabilities: DestinationCapabilities;
  readonly #client: Client;
  readonly #objects: Client["crm"]["objects"]["batchApi"];
  readonly #properties: Client["crm"]["properties"]["coreApi"];
  readonly #schemas: Client["crm"]["schemas"]["coreApi"];
  readonly #objectTypes = new Map<string, Promise<string>>();
  readonly #shapes = new Map<string, Promise<Map<string, PropertyShape>>>();
  #closed = false;

  constructor(private readonly settings: HubSpotConnectionSettings) {
    this.capabilities = settings.capabilities;
    this.#client = new Client({ accessToken: settings.accessToken, basePath: settings.baseUrl, numberOfApiCallRetries: 0 });
    // The SDK decorates its APIs when first used, from a process-wide setting that the last Client built
    // decides; taking them now keeps this connection's APIs free of SDK retries and limiter.
    this.#objects = this.#client.crm.objects.batchApi;
    this.#properties = this.#client.crm.properties.coreApi;
    this.#schemas = this.#client.crm.schemas.coreApi;
  }

  async check(): Promise<void> {
    let status: number;
    try {
      const response = await this.#client.apiRequest({ method: "GET", path: "/account-info/v3/details" });
      status = response.status;
      await response.text();
    } catch (error) {
      if (!isApiError(error)) {
        throw new ConnectionError(
          `[reverse-etl] [hubspot] cannot reach HubSpot at ${this.settings.baseUrl}: check the baseUrl option and the network.`,
        );
      }
      status = error.code;
    }
    if (status === 401) {
      throw new ConnectionError(
        "[reverse-etl] [hubspot] HubSpot refused the access token (HTTP 401): check the accessToken option (a private app token, or an OAuth access token that has not expired).",
      );
    }
    if (status >= 400) {
      throw new ConnectionError(`[reverse-etl] [hubspot] HubSpot answered HTTP ${status} to the account details request at ${this.settings.baseUrl}.`);
    }
  }

  async describe(object: string | undefined, context?: { readonly mode: SyncMode }): Promise<ObjectDescription> {
    const objectType = await this.#objectType(object);
    const shapes = await this.#shapesOf(objectType, object);
    const fields: FieldDescription[] = [...shapes.values()].map((p) => ({
      name: p.name,
      type: p.type,
      ...(p.readOnly ? { readOnly: true } : {}),
      ...(p.options.length > 0 ? { options: p.options } : {}),
    }));
    const identifiers = [...this.#uniqueNames.get(objectType)!];
    // HubSpot's batch upsert, update and archive endpoints address records by a unique property (or the
    // record id), so upsert, update and mirror syncs need one; batch create (insert) needs none. Without a
    // mode (an older core), ask for one.
    const requiresMatch = context?.mode !== "insert";
    return { object, fields, identifiers, requiresMatch };
  }

  async write(operation: WriteOperation, records: readonly OutgoingRecord[], context: WriteContext): Promise<WriteOutcome> {
    if (records.length === 0) return { type: "results", results: [] };
    if (this.#closed) return { type: "fatal", message: "[reverse-etl] [hubspot] write called after close: this is a bug in the caller." };
    let objectType: string;
    let shapes: Map<string, PropertyShape>;
    try {
      objectType = await this.#objectType(context.object);
      shapes = await this.#shapesOf(objectType, context.object);
    } catch (error) {
      if (error instanceof ConnectionError) return { type: "fatal", message: error.message };
      return outcomeOfFailure(error, `reading the properties of ${context.object}`);
    }
    const what = `${operation} of ${records.length} ${context.object} records`;
    const results: Array<RecordResult | undefined> = records.map(() => undefined);
    // Each record is converted and checked first; those that cannot be sent are rejected here.
    const inputs: Array<{ index: number; id?: string; idProperty?: string; properties: Record<string, string> }> = [];
    const seen = new Map<string, number>();
    for (const [index, record] of records.entries()) {
      const prepared = this.#prepare(operation, record, shapes, objectType);
      if ("message" in prepared) {
        results[index] = { status: "rejected", message: prepared.message };
        continue;
      }
      if (prepared.id !== undefined) {
        const key = prepared.idProperty === "email" ? prepared.id.toLowerCase() : prepared.id;
        if (seen.has(key)) {
          results[index] = {
            status: "rejected",
            message: `[reverse-etl] [hubspot] ${prepared.idProperty} ${JSON.stringify(prepared.id)} is also the identifier of row ${records[seen.get(key)!].key} of the same batch; HubSpot refuses duplicate ids in one request, and two rows cannot be the same record.`,
          };
          continue;
        }
        seen.set(key, index);
      }
      inputs.push({ index, ...prepared });
    }
    if (inputs.length > 0) {
      const outcome =
        operation === "delete"
          ? await this.#archive(objectType, inputs, results, what)
          : await this.#send(operation, objectType, inputs, results, what);
      if (outcome) return outcome;
    }
    return {
      type: "results",
      results: results.map(
        (r) => r ?? { status: "retryable", message: `[reverse-etl] [hubspot] ${what}: HubSpot returned no result for this record.` },
      ),
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  /** Properties and id of one record, or why it cannot be sent. */
  #prepare(
    operation: WriteOperation,
    record: OutgoingRecord,
    shapes: Map<string, PropertyShape>,
    objectType: string,
  ): { id?: string; idProperty?: string; properties: Record<string, string> } | { message: string } {
    const matchEntries = Object.entries(record.match);
    const properties: Record<string, string> = {};
    const values = operation === "insert" ? [...matchEntries, ...Object.entries(record.fields)] : Object.entries(record.fields);
    for (const [name, value] of values) {
      const converted = convertValue(value, shapes.get(name));
      if (!converted.ok) return { message: `[reverse-etl] [hubspot] ${converted.message}; fix the model or the property in HubSpot.` };
      properties[name] = converted.value;
    }
    if (operation === "insert") return { properties };
    if (matchEntries.length !== 1) {
      return { message: `[reverse-etl] [hubspot] ${operation} needs exactly one match field (a unique property of ${objectType}, e.g. email); this sync has ${matchEntries.length}.` };
    }
    const [[idProperty, idValue]] = matchEntries;
    if (idValue === null || idValue === "" || typeof idValue === "object") {
      return { message: `[reverse-etl] [hubspot] the match value for ${idProperty} is empty or not a single value, so no ${objectType} record can be found by it.` };
    }
    return { id: String(idValue), idProperty, properties };
  }

  /** Send upserts, updates or creates as one batch request with a trace id per input. */
  async #send(
    operation: "upsert" | "update" | "insert",
    objectType: string,
    inputs: ReadonlyArray<{ index: number; id?: string; idProperty?: string; properties: Record<string, string> }>,
    results: Array<RecordResult | undefined>,
    what: string,
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
    try {
      if (operation === "upsert") {
        answer = (await this.#objects.upsert(objectType, { inputs: traced.map((i) => ({ ...i, id: i.id! })) })) as BatchAnswer;
      } else if (operation === "update") {
        answer = (await this.#objects.update(objectType, { inputs: traced.map((i) => ({ ...i, id: i.id! })) })) as BatchAnswer;
      } else {
        answer = (await this.#objects.create(objectType, {
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

  /** Mirror deletes: find the records by the match property, then archive them by id. */
  async #archive(
    objectType: string,
    inputs: ReadonlyArray<{ index: number; id?: string; idProperty?: string }>,
    results: Array<RecordResult | undefined>,
    what: string,
  ): Promise<WriteOutcome | undefined> {
    const idProperty = inputs[0].idProperty;
    let ids: string[];
    if (idProperty === undefined || idProperty === "hs_object_id") {
      ids = inputs.map((i) => i.id!);
    } else {
      try {
        const read = (await this.#objects.read(objectType, {
          idProperty,
          inputs: inputs.map((i) => ({ id: i.id! })),
          properties: [idProperty],
          propertiesWithHistory: [],
        })) as BatchAnswer;
        ids = read.results.map((r) => r.id);
      } catch (error) {
        return outcomeOfFailure(error, `${what} (finding them by ${idProperty})`);
      }
    }
    if (ids.length > 0) {
      try {
        await this.#objects.archive(objectType, { inputs: ids.map((id) => ({ id })) });
      } catch (error) {
        return outcomeOfFailure(error, what);
      }
    }
    // Records that were not found are already gone: the delete succeeded.
    for (const input of inputs) results[input.index] = { status: "ok" };
    return undefined;
  }

  /** The object type to put in paths: standard names as given, custom objects resolved by name. */
  #objectType(object: string | undefined): Promise<string> {
    if (object === undefined || object === "") {
      return Promise.reject(
        new ConnectionError("[reverse-etl] [hubspot] the sync has no object: set object to contacts, companies, deals, or a custom object's name or objectTypeId."),
      );
    }
    let resolved = this.#objectTypes.get(object);
    if (!resolved) {
      resolved = this.#resolveObjectType(object);
      this.#objectTypes.set(object, resolved);
      resolved.catch(() => this.#objectTypes.delete(object));
    }
    return resolved;
  }

  async #resolveObjectType(object: string): Promise<string> {
    const lower = object.toLowerCase();
    // objectTypeIds (0-1, 2-123), fully qualified (p123_cars) and short (p_cars) names are used as they are.
    if (STANDARD_OBJECTS.has(lower) || /^\d+-\d+$/.test(object) || /^p\d*_/.test(lower)) return object;
    let schemas;
    try {
      schemas = (await this.#schemas.getAll()).results;
    } catch (error) {
      throw describeFailure(error, `looking up custom object "${object}"`);
    }
    const found = schemas.find((s) => s.name.toLowerCase() === lower || s.labels.plural?.toLowerCase() === lower || s.labels.singular?.toLowerCase() === lower);
    if (!found) {
      throw new ConnectionError(
        `[reverse-etl] [hubspot] object "${object}" is neither a standard object nor a custom object of this account` +
          `${schemas.length > 0 ? ` (custom objects: ${schemas.map((s) => s.name).join(", ")})` : ""}: check the sync's object.`,
      );
    }
    return found.objectTypeId ?? found.fullyQualifiedName ?? object;
  }

  readonly #uniqueNames = new Map<string, Set<string>>();

  #shapesOf(objectType: string, object: string | undefined): Promise<Map<string, PropertyShape>> {
    let shapes = this.#shapes.get(objectType);
    if (!shapes) {
      shapes = this.#loadShapes(objectType, object);
      this.#shapes.set(objectType, shapes);
      shapes.catch(() => this.#shapes.delete(objectType));
    }
    return shapes;
  }

  async #loadShapes(objectType: string, object: string | undefined): Promise<Map<string, PropertyShape>> {
    let properties;
    try {
      properties = (await this.#properties.getAll(objectType, false)).results;
    } catch (error) {
      throw describeFailure(error, `reading the properties of ${object ?? objectType}`);
    }
    const unique = new Set<string>(["hs_object_id"]);
    // Contacts are identified by email: https://developers.hubspot.com/docs/guides/api/crm/objects/contacts
    if (objectType.toLowerCase() === "contacts" || objectType === "0-1") unique.add("email");
    const shapes = new Map<string, PropertyShape>();
    for (const p of properties) {
      if (p.hasUniqueValue) unique.add(p.name);
      shapes.set(p.name, {
        name: p.name,
        type: p.type,
        fieldType: p.fieldType ?? "",
        options: (p.options ?? []).map((o) => o.value),
        readOnly: p.modificationMetadata?.readOnlyValue === true || p.calculated === true,
      });
    }
    this.#uniqueNames.set(objectType, unique);
    return shapes;
  }
}

/** A per-input error as the record's rejection message: HubSpot's own message, with its category. */
function rejection(error: BatchError, objectType: string): string {
  if (error.category === "OBJECT_NOT_FOUND") {
    return `[reverse-etl] [hubspot] no ${objectType} record has this identifier (${error.message}); use upsert mode to create missing records.`;
  }
  return `[reverse-etl] [hubspot] HubSpot refused the record (${error.category}): ${error.message}`;
}

/** A ConnectionError for a failed describe/lookup, saying what to fix for auth failures. */
function describeFailure(error: unknown, what: string): ConnectionError {
  const outcome = outcomeOfFailure(error, what);
  if (isApiError(error) && error.code === 404) {
    const body = errorBodyOf(error);
    return new ConnectionError(`[reverse-etl] [hubspot] ${what}: ${body.message ?? "not found"}; check the sync's object.`);
  }
  return new ConnectionError("message" in outcome ? outcome.message : `[reverse-etl] [hubspot] ${what} failed.`);
}
