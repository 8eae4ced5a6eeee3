import type { FieldValue } from "@reverse-etl/core";

// The objects and record rules of __Title__'s API, held in memory. Replace them with your API's: its
// objects, field types, identifier rules and the error codes its docs list. An emulator that accepts
// anything proves nothing about a plugin.

/** A field of an object, as `GET /v1/objects/{object}` describes it. */
export interface EmulatorField {
  readonly name: string;
  readonly type: "string" | "number" | "boolean" | "enumeration" | "datetime";
  /** Values an enumeration takes. */
  readonly options?: readonly string[];
  /** Set by __Title__ itself: a write that sets it is refused. */
  readonly readOnly?: boolean;
}

/** An object type: its identifier fields (unique, used to find records) and its fields. */
export interface EmulatorObject {
  readonly name: string;
  readonly identifiers: readonly string[];
  readonly fields: readonly EmulatorField[];
}

/** The objects the emulator starts with. */
export const EMULATOR_OBJECTS: readonly EmulatorObject[] = [
  {
    name: "contacts",
    identifiers: ["email"],
    fields: [
      { name: "email", type: "string" },
      { name: "name", type: "string" },
      { name: "plan", type: "enumeration", options: ["free", "pro", "enterprise"] },
      { name: "ltv", type: "number" },
      { name: "active", type: "boolean" },
      { name: "created_at", type: "datetime", readOnly: true },
    ],
  },
];

/** A record the emulator holds. */
export interface StoredRecord {
  /** __Title__'s id of the record. */
  readonly id: string;
  /** The identifier it was written with, e.g. `{ email: "ada@example.com" }`; empty for an insert without one. */
  readonly identifier: Readonly<Record<string, string>>;
  /** Its fields, as written. */
  fields: Record<string, FieldValue>;
  /** The `tag` of the last batch that wrote it. */
  tag?: string;
}

/** One record's answer in a batch's `results`. */
export type RecordAnswer = { status: "ok"; id: string } | { status: "error"; code: string; message: string; retryable?: boolean };

/** The operations of the batch endpoint. */
export const OPERATIONS = ["upsert", "update", "insert", "delete"] as const;

/** Longest text value __Title__ stores. */
const MAX_TEXT = 65_536;

/** The records of every object, with __Title__'s rules for writing them. */
export class EmulatorStore {
  readonly objects = new Map(EMULATOR_OBJECTS.map((o) => [o.name, o]));
  readonly #records = new Map<string, Map<string, StoredRecord>>();
  #nextId = 1;

  /** Records of an object, in the order they were created. */
  records(object: string): StoredRecord[] {
    return [...(this.#records.get(object)?.values() ?? [])];
  }

  /** The record an identifier finds, e.g. `{ email: "ada@example.com" }`. */
  find(object: string, identifier: Readonly<Record<string, unknown>>): StoredRecord | undefined {
    const key = identifierKey(identifier);
    return key === undefined ? undefined : this.#records.get(object)?.get(key);
  }

  /** Apply one record of a batch; answers what __Title__ would for it. */
  apply(object: EmulatorObject, operation: (typeof OPERATIONS)[number], input: unknown, tag: string | undefined): RecordAnswer {
    if (!isPlainObject(input) || (input.id !== undefined && !isPlainObject(input.id)) || (input.fields !== undefined && !isPlainObject(input.fields))) {
      return error("invalid_record", "each record is an object with an `id` object and a `fields` object");
    }
    const id = (input.id ?? {}) as Record<string, unknown>;
    const fields = (input.fields ?? {}) as Record<string, FieldValue>;
    const identifier = Object.entries(id);
    if (identifier.length > 1) return error("invalid_identifier", "give one identifier per record");
    const [idName, idValue] = identifier[0] ?? [];
    if (idName !== undefined && !object.identifiers.includes(idName)) {
      return error("invalid_identifier", `${idName} is not an identifier of ${object.name}; use one of ${object.identifiers.join(", ")}`);
    }
    if (idName !== undefined && (typeof idValue !== "string" || idValue === "")) return error("invalid_identifier", `${idName} must be a non-empty string`);
    if (idName === undefined && operation !== "insert") {
      return error("invalid_identifier", `an ${operation} needs an identifier (${object.identifiers.join(", ")})`);
    }
    if (operation !== "delete") {
      for (const [name, value] of Object.entries(fields)) {
        const problem = checkField(object, name, value);
        if (problem) return problem;
      }
    }
    const records = this.#records.get(object.name) ?? new Map<string, StoredRecord>();
    this.#records.set(object.name, records);
    const key = idName === undefined ? undefined : identifierKey(id);
    const existing = key === undefined ? undefined : records.get(key);
    switch (operation) {
      case "delete":
        if (existing) records.delete(key!);
        return { status: "ok", id: existing?.id ?? "" };
      case "update":
        if (!existing) return error("not_found", `no ${object.name} record has ${idName} ${JSON.stringify(idValue)}`);
        break;
      case "insert":
        if (existing) return error("already_exists", `a ${object.name} record with ${idName} ${JSON.stringify(idValue)} exists`);
        break;
      default:
        break;
    }
    if (existing) {
      existing.fields = { ...existing.fields, ...fields };
      if (tag !== undefined) existing.tag = tag;
      return { status: "ok", id: existing.id };
    }
    const record: StoredRecord = {
      id: String(this.#nextId++),
      identifier: idName === undefined ? {} : { [idName]: idValue as string },
      fields: { ...fields },
      ...(tag === undefined ? {} : { tag }),
    };
    records.set(key ?? `#${record.id}`, record);
    return { status: "ok", id: record.id };
  }

  /** Forget every record. */
  clear(): void {
    this.#records.clear();
  }
}

/** A value's problem for a field, as a record error; undefined when __Title__ takes it. `null` clears any field. */
function checkField(object: EmulatorObject, name: string, value: FieldValue): RecordAnswer | undefined {
  const field = object.fields.find((f) => f.name === name);
  if (!field) return error("unknown_field", `${name} is not a field of ${object.name}`);
  if (field.readOnly) return error("read_only_field", `${name} is set by __Title__ and cannot be written`);
  if (value === null) return undefined;
  const ok =
    field.type === "string"
      ? typeof value === "string" && value.length <= MAX_TEXT
      : field.type === "number"
        ? typeof value === "number" && Number.isFinite(value)
        : field.type === "boolean"
          ? typeof value === "boolean"
          : field.type === "enumeration"
            ? typeof value === "string" && field.options!.includes(value)
            : typeof value === "string" && !Number.isNaN(Date.parse(value));
  if (ok) return undefined;
  const expected = field.type === "enumeration" ? `one of ${field.options!.join(", ")}` : `a ${field.type}`;
  return error("invalid_value", `${name} must be ${expected}, not ${JSON.stringify(value).slice(0, 100)}`);
}

function error(code: string, message: string): RecordAnswer {
  return { status: "error", code, message };
}

function identifierKey(identifier: Readonly<Record<string, unknown>>): string | undefined {
  const [entry] = Object.entries(identifier);
  return entry === undefined ? undefined : `${entry[0]}=${String(entry[1])}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
