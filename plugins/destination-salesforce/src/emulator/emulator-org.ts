import type { RecordError } from "./emulator-errors.js";
import type { RecordValues, StoredValue } from "./emulator-field-rules.js";
import { fieldOf, toSalesforceDateTime } from "./emulator-field-rules.js";
import { makeId } from "./emulator-ids.js";
import type { FieldInput, SObjectField, SObjectInput, SObjectType } from "./emulator-schema.js";
import { addField, buildObject } from "./emulator-schema.js";
import { STANDARD_OBJECTS } from "./emulator-standard-objects.js";

/** A record the org holds. */
export interface StoredRecord {
  readonly id: string;
  /** Values by canonical field name, system fields included. */
  readonly values: Map<string, StoredValue>;
}

/**
 * The org's data: its objects (standard and seeded custom ones) and their records, with an index on every
 * unique or external-id field so upserts and duplicate checks find records at once.
 */
export class EmulatorOrg {
  /** The org's id (`00D...`), the first part of its access tokens. */
  readonly orgId: string;
  /** The integration user every session runs as. */
  readonly userId: string;
  readonly #objects = new Map<string, SObjectType>();
  readonly #records = new Map<string, Map<string, StoredRecord>>();
  /** Ids of deleted records (the recycle bin), by id: deleting or updating them again says so. */
  readonly #deleted = new Set<string>();
  /** object -> field -> normalised value -> ids. */
  readonly #indexes = new Map<string, Map<string, Map<string, Set<string>>>>();
  #sequence = 1;
  #customPrefix = 0;

  constructor(private readonly now: () => number) {
    this.orgId = makeId("00D", 7);
    this.userId = makeId("005", 1);
    for (const { input, keyPrefix } of STANDARD_OBJECTS) this.#add(buildObject(input, keyPrefix, false));
  }

  /** Every object, in definition order. */
  get objects(): SObjectType[] {
    return [...this.#objects.values()];
  }

  /** An object by API name, in any case. */
  object(name: string): SObjectType | undefined {
    return this.#objects.get(name.toLowerCase());
  }

  /** The object an id belongs to, by its key prefix. */
  objectOfId(id: string): SObjectType | undefined {
    return this.objects.find((o) => o.keyPrefix === id.slice(0, 3));
  }

  /** Reference checks against this org: key prefixes (User: `005`) and live records (the integration user). */
  readonly references = {
    prefixOf: (name: string): string | undefined => (name === "User" ? "005" : this.object(name)?.keyPrefix),
    exists: (id: string): boolean => {
      if (id === this.userId) return true;
      const owner = this.objectOfId(id);
      return owner !== undefined && this.get(owner, id) !== undefined;
    },
  };

  /** Define a custom object (`Thing__c`). */
  defineObject(input: SObjectInput): SObjectType {
    if (this.object(input.name)) throw new Error(`[reverse-etl] [salesforce-emulator] object ${input.name} already exists`);
    const keyPrefix = input.keyPrefix ?? `a0${"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[this.#customPrefix++ % 36]}`;
    if (this.objects.some((o) => o.keyPrefix === keyPrefix)) throw new Error(`[reverse-etl] [salesforce-emulator] key prefix ${keyPrefix} is taken`);
    return this.#add(buildObject(input, keyPrefix, true));
  }

  /** Add a custom field (`Tier__c`) to an object, standard or custom. */
  defineField(objectName: string, input: FieldInput): SObjectField {
    const object = this.requireObject(objectName);
    const field = addField(object, input, "seeded");
    if (field.unique || field.externalId) this.#reindex(object, field);
    return field;
  }

  /** An object by name, or an error naming the objects there are. */
  requireObject(name: string): SObjectType {
    const object = this.object(name);
    if (!object) throw new Error(`[reverse-etl] [salesforce-emulator] no object ${name} (objects: ${this.objects.map((o) => o.name).join(", ")})`);
    return object;
  }

  /** Records of an object, in creation order. */
  records(object: SObjectType): IterableIterator<StoredRecord> {
    return this.#records.get(object.name)!.values();
  }

  /** A live record by id. */
  get(object: SObjectType, id: string): StoredRecord | undefined {
    return this.#records.get(object.name)!.get(id);
  }

  /** Whether a record of this id was deleted. */
  isDeleted(id: string): boolean {
    return this.#deleted.has(id);
  }

  /** Live records whose `field` equals `value` (case-insensitively unless the field is case-sensitive). */
  findBy(object: SObjectType, field: SObjectField, value: StoredValue): StoredRecord[] {
    if (value === null) return [];
    if (field.name === "Id") {
      const record = this.get(object, String(value));
      return record ? [record] : [];
    }
    const index = this.#indexes.get(object.name)?.get(field.name);
    if (index) return [...(index.get(indexKey(field, value)) ?? [])].map((id) => this.get(object, id)!);
    const key = indexKey(field, value);
    return [...this.records(object)].filter((r) => r.values.get(field.name) !== undefined && indexKey(field, r.values.get(field.name)!) === key);
  }

  /**
   * DUPLICATE_VALUE for each unique field whose new value another record holds:
   * https://help.salesforce.com/s/articleView?id=sf.custom_field_attributes.htm (Unique).
   */
  duplicates(object: SObjectType, values: RecordValues, ownId?: string): RecordError[] {
    const errors: RecordError[] = [];
    for (const [name, value] of values) {
      const field = fieldOf(object, name)!;
      if (!field.unique || value === null) continue;
      const other = this.findBy(object, field, value).find((r) => r.id !== ownId);
      if (other) {
        errors.push({ statusCode: "DUPLICATE_VALUE", message: `duplicate value found: ${field.name} duplicates value on record with id: ${other.id}`, fields: [field.name] });
      }
    }
    return errors;
  }

  /** Create a record from checked values: system fields set, defaults applied. */
  create(object: SObjectType, values: RecordValues, id?: string): StoredRecord {
    const newId = id ?? makeId(object.keyPrefix, this.#sequence++);
    const stamp = this.#stamp();
    const record: StoredRecord = { id: newId, values: new Map() };
    for (const field of object.fields.values()) {
      if (field.defaultValue !== null && field.defaultedOnCreate) record.values.set(field.name, field.defaultValue);
    }
    for (const [name, value] of values) record.values.set(name, value);
    record.values.set("Id", newId);
    record.values.set("IsDeleted", false);
    record.values.set("OwnerId", (values.get("OwnerId") as string | undefined) ?? this.userId);
    for (const name of ["CreatedDate", "LastModifiedDate", "SystemModstamp"]) record.values.set(name, stamp);
    for (const name of ["CreatedById", "LastModifiedById"]) record.values.set(name, this.userId);
    this.#computeName(object, record);
    this.#records.get(object.name)!.set(newId, record);
    this.#deleted.delete(newId);
    this.#index(object, record, "add");
    return record;
  }

  /** Apply checked values to a record; returns the values it had, for a rollback. */
  update(object: SObjectType, record: StoredRecord, values: RecordValues): Map<string, StoredValue> {
    const before = new Map(record.values);
    this.#index(object, record, "remove");
    for (const [name, value] of values) if (name !== "Id") record.values.set(name, value);
    const stamp = this.#stamp();
    record.values.set("LastModifiedDate", stamp);
    record.values.set("SystemModstamp", stamp);
    record.values.set("LastModifiedById", this.userId);
    this.#computeName(object, record);
    this.#index(object, record, "add");
    return before;
  }

  /** Put a record's earlier values back (rollback of an update). */
  restore(object: SObjectType, record: StoredRecord, before: ReadonlyMap<string, StoredValue>): void {
    this.#index(object, record, "remove");
    record.values.clear();
    for (const [name, value] of before) record.values.set(name, value);
    this.#index(object, record, "add");
  }

  /** Delete a record into the recycle bin. */
  delete(object: SObjectType, record: StoredRecord): void {
    this.#index(object, record, "remove");
    this.#records.get(object.name)!.delete(record.id);
    this.#deleted.add(record.id);
  }

  /** Undo a create or a delete: `record` live again, or gone without a trace. */
  undo(object: SObjectType, record: StoredRecord, action: "create" | "delete"): void {
    if (action === "create") {
      this.#index(object, record, "remove");
      this.#records.get(object.name)!.delete(record.id);
    } else {
      this.#records.get(object.name)!.set(record.id, record);
      this.#deleted.delete(record.id);
      this.#index(object, record, "add");
    }
  }

  #add(object: SObjectType): SObjectType {
    this.#objects.set(object.name.toLowerCase(), object);
    this.#records.set(object.name, new Map());
    this.#indexes.set(object.name, new Map());
    for (const field of object.fields.values()) if (field.unique || field.externalId) this.#reindex(object, field);
    return object;
  }

  #reindex(object: SObjectType, field: SObjectField): void {
    const index = new Map<string, Set<string>>();
    this.#indexes.get(object.name)!.set(field.name, index);
    for (const record of this.records(object)) {
      const value = record.values.get(field.name);
      if (value === undefined || value === null) continue;
      const key = indexKey(field, value);
      if (!index.has(key)) index.set(key, new Set());
      index.get(key)!.add(record.id);
    }
  }

  #index(object: SObjectType, record: StoredRecord, action: "add" | "remove"): void {
    for (const [name, index] of this.#indexes.get(object.name)!) {
      const value = record.values.get(name);
      if (value === undefined || value === null) continue;
      const field = object.fields.get(name.toLowerCase())!;
      const key = indexKey(field, value);
      if (action === "add") {
        if (!index.has(key)) index.set(key, new Set());
        index.get(key)!.add(record.id);
      } else {
        index.get(key)?.delete(record.id);
        if (index.get(key)?.size === 0) index.delete(key);
      }
    }
  }

  /** Contact and Lead `Name` is the full name, computed: https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_contact.htm */
  #computeName(object: SObjectType, record: StoredRecord): void {
    if (object.name !== "Contact" && object.name !== "Lead") return;
    const parts = [record.values.get("FirstName"), record.values.get("LastName")].filter((v) => typeof v === "string" && v !== "");
    record.values.set("Name", parts.join(" "));
  }

  #lastStamp: { ms: number; text: string } = { ms: Number.NaN, text: "" };

  /** The current time as Salesforce writes it; saves of one millisecond share it. */
  #stamp(): string {
    const ms = this.now();
    if (ms !== this.#lastStamp.ms) this.#lastStamp = { ms, text: toSalesforceDateTime(new Date(ms).toISOString())! };
    return this.#lastStamp.text;
  }
}

/** How a unique or external-id value is compared: text case-insensitively unless the field says otherwise. */
function indexKey(field: SObjectField, value: StoredValue): string {
  const text = String(value);
  return field.caseSensitive || typeof value !== "string" ? text : text.toLowerCase();
}
