import type { EmulatorResponse, PropertyIssue } from "./emulator-errors.js";
import { badRequest, errorBody, validationErrors, validationFailure, validationMessage } from "./emulator-errors.js";
import type { EmulatorRecord, EmulatorStore, ObjectType } from "./emulator-store.js";
import type { IncomingValue } from "./emulator-values.js";
import { checkValue } from "./emulator-values.js";

/**
 * Batch endpoints of the objects API: `POST /crm/v3/objects/{objectType}/batch/{create|read|update|upsert|archive}`.
 * Sources: https://developers.hubspot.com/docs/guides/api/crm/objects/contacts (batch endpoints, upsert by a
 * unique `idProperty`, email as the contacts' identifier), https://developers.hubspot.com/docs/reference/api/crm/objects
 * (at most 100 inputs; 207 multi-status), https://developers.hubspot.com/docs/guides/api/error-handling
 * (multi-status errors are reported per input when every input has a unique `objectWriteTraceId`;
 * without them one invalid input fails the whole request and nothing is written).
 */

/** HubSpot's batch size limit and its exact message. */
export const MAX_BATCH_INPUTS = 100;
const TOO_MANY_INPUTS = "The maximum number of inputs supported in a batch is 100. Please reduce the number of items and try again";

type BatchInput = {
  id?: unknown;
  idProperty?: unknown;
  properties?: Record<string, IncomingValue>;
  objectWriteTraceId?: unknown;
};

/** A failure of one input. */
interface InputError {
  readonly status: number;
  readonly category: string;
  readonly message: string;
  readonly issues?: readonly PropertyIssue[];
  readonly context?: Record<string, unknown>;
}

/** A planned change for one valid input. */
type Plan = { readonly apply: () => { record: EmulatorRecord; isNew: boolean } | InputError };

/** Handle one batch request. */
export function handleBatch(store: EmulatorStore, type: ObjectType, operation: string, body: unknown): EmulatorResponse {
  const request = (body ?? {}) as { inputs?: unknown; idProperty?: unknown; properties?: unknown };
  if (!Array.isArray(request.inputs)) return badRequest("Invalid input JSON: the field \"inputs\" is required and must be an array");
  const inputs = request.inputs as BatchInput[];
  if (inputs.length > MAX_BATCH_INPUTS) return badRequest(TOO_MANY_INPUTS);
  switch (operation) {
    case "read":
      return read(store, type, inputs, request.idProperty, request.properties);
    case "archive":
      store.archive(type, inputs.map((input) => String(input.id)));
      // Archiving ids that do not exist is not an error: 204 either way.
      return { status: 204 };
    case "create":
    case "update":
    case "upsert":
      return write(store, type, operation, inputs);
    default:
      return { status: 404, body: errorBody("OBJECT_NOT_FOUND", `Unknown batch operation ${operation}`) };
  }
}

function read(store: EmulatorStore, type: ObjectType, inputs: BatchInput[], idProperty: unknown, properties: unknown): EmulatorResponse {
  const idProp = typeof idProperty === "string" ? idProperty : undefined;
  if (idProp !== undefined && !store.isUniqueProperty(type, idProp)) return notUnique(idProp, type);
  const wanted = Array.isArray(properties) ? properties.map(String) : [];
  const started = new Date().toISOString();
  const results = [];
  const missing: string[] = [];
  for (const input of inputs) {
    const record = store.findBy(type, idProp, String(input.id));
    if (record) results.push(view(record, wanted));
    else missing.push(String(input.id));
  }
  const envelope = { status: "COMPLETE", results, startedAt: started, completedAt: new Date().toISOString() };
  if (missing.length === 0) return { status: 200, body: envelope };
  return {
    status: 207,
    body: {
      ...envelope,
      numErrors: 1,
      errors: [
        {
          status: "error",
          category: "OBJECT_NOT_FOUND",
          message: `Could not get some ${type.singular.toUpperCase()} objects, they may be deleted or not exist. Check that ids are valid.`,
          context: { ids: missing },
        },
      ],
    },
  };
}

function write(store: EmulatorStore, type: ObjectType, operation: "create" | "update" | "upsert", inputs: BatchInput[]): EmulatorResponse {
  const traces = inputs.map((i) => (typeof i.objectWriteTraceId === "string" && i.objectWriteTraceId !== "" ? i.objectWriteTraceId : undefined));
  const traced = traces.every((t) => t !== undefined) && new Set(traces).size === traces.length;

  // Duplicate identifiers in one request are refused as a whole, traced or not.
  if (operation !== "create") {
    const seen = new Set<string>();
    const duplicates = new Set<string>();
    for (const input of inputs) {
      const idProp = typeof input.idProperty === "string" ? input.idProperty : undefined;
      const key = idProp ? store.normaliseId(type, idProp, String(input.id)) : String(input.id);
      if (seen.has(key)) duplicates.add(key);
      seen.add(key);
    }
    if (duplicates.size > 0) return badRequest(`Duplicate IDs found in batch input: [${[...duplicates].join(", ")}]. IDs must be unique`);
  }

  const planned: Array<Plan | InputError> = [];
  for (const input of inputs) {
    if (operation !== "create") {
      const idProp = typeof input.idProperty === "string" ? input.idProperty : undefined;
      if (idProp !== undefined && !store.isUniqueProperty(type, idProp)) return notUnique(idProp, type);
      if (operation === "upsert" && idProp === undefined) return badRequest("Upsert inputs need an idProperty naming a unique property");
    }
    planned.push(planInput(store, type, operation, input));
  }
  const errors = planned.filter((p): p is InputError => !("apply" in p));
  if (errors.length > 0 && !traced) return wholeRequestFailure(errors);

  const started = new Date().toISOString();
  const results = [];
  const errorEntries = [];
  for (const [i, plan] of planned.entries()) {
    const trace = traces[i];
    const done = "apply" in plan ? plan.apply() : plan;
    if ("record" in done) {
      const { record, isNew } = done;
      results.push({ ...view(record), ...(operation === "upsert" ? { new: isNew } : {}), ...(trace ? { objectWriteTraceId: trace } : {}) });
    } else {
      errorEntries.push({
        status: "error",
        category: done.category,
        message: done.message,
        context: { ...done.context, objectWriteTraceId: [trace] },
        ...(done.issues ? { errors: validationErrors(done.issues).map((e) => ({ ...e, in: "properties" })) } : {}),
      });
    }
  }
  const envelope = { status: "COMPLETE", results, startedAt: started, completedAt: new Date().toISOString() };
  if (errorEntries.length > 0) return { status: 207, body: { ...envelope, numErrors: errorEntries.length, errors: errorEntries } };
  return { status: operation === "create" ? 201 : 200, body: envelope };
}

function planInput(
  store: EmulatorStore,
  type: ObjectType,
  operation: "create" | "update" | "upsert",
  input: BatchInput,
): Plan | InputError {
  const { stored, issues } = store.checkProperties(type, input.properties ?? {});
  const idProp = typeof input.idProperty === "string" ? input.idProperty : undefined;
  let target: EmulatorRecord | undefined;
  if (operation !== "create") {
    const id = String(input.id ?? "");
    if (operation === "upsert" && idProp !== undefined && idProp !== "hs_object_id") {
      // The identifier becomes the record's value for idProperty, so it is validated like one.
      const property = type.properties.get(idProp);
      const checked = property ? checkValue(property, id, type.name === "contacts" && idProp === "email") : undefined;
      if (checked && !checked.ok) issues.push(checked.issue);
      else if (checked?.ok) stored[idProp] = checked.stored;
    }
    target = store.findBy(type, idProp, id);
    if (!target && operation === "update") {
      return { status: 404, category: "OBJECT_NOT_FOUND", message: "Object not found.  objectId are usually numeric.", context: { id: [id] } };
    }
  } else {
    for (const required of type.requiredProperties) {
      if (!stored[required]) issues.push({ name: required, error: "REQUIRED_PROPERTY", message: `Property "${required}" is required` });
    }
  }
  if (issues.length > 0) return { status: 400, category: "VALIDATION_ERROR", message: validationMessage(issues), issues };
  const conflict = store.conflictOf(type, stored, target);
  if (conflict) {
    // https://developers.hubspot.com/docs/guides/api/crm/objects/contacts: a duplicate email is refused with 409.
    return { status: 409, category: "CONFLICT", message: `${type.singular} already exists. Existing ID: ${conflict.id}`, context: {} };
  }
  return {
    apply: () => {
      // Checked again at apply time: an earlier input of the same batch may have taken a unique value.
      const existing = target ?? (operation === "upsert" && idProp ? store.findBy(type, idProp, stored[idProp] ?? String(input.id)) : undefined);
      const taken = store.conflictOf(type, stored, existing);
      if (taken) return { status: 409, category: "CONFLICT", message: `${type.singular} already exists. Existing ID: ${taken.id}`, context: {} };
      if (existing) return { record: store.update(type, existing, stored), isNew: false };
      return { record: store.create(type, stored), isNew: true };
    },
  };
}

function wholeRequestFailure(errors: readonly InputError[]): EmulatorResponse {
  const validation = errors.filter((e) => e.issues);
  if (validation.length > 0) return validationFailure(validation.flatMap((e) => e.issues ?? []));
  const [first] = errors;
  return { status: first.status, body: errorBody(first.category, first.message, first.context ? { context: first.context } : {}) };
}

function notUnique(idProperty: string, type: ObjectType): EmulatorResponse {
  return badRequest(`${idProperty} is not a unique property of ${type.plural.toLowerCase()}; idProperty must name a property with unique values`);
}

/** A record as the objects API returns it. */
export function view(record: EmulatorRecord, only: readonly string[] = []): Record<string, unknown> {
  const properties =
    only.length === 0
      ? { ...record.properties }
      : Object.fromEntries(
          [...new Set([...only, "hs_object_id", "createdate", "lastmodifieddate"])].map((n) => [n, record.properties[n] ?? null]),
        );
  return { id: record.id, properties, createdAt: record.createdAt, updatedAt: record.updatedAt, archived: false };
}
