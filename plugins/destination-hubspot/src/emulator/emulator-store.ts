import type { HubSpotProperty, HubSpotPropertyInput } from "./emulator-properties.js";
import { STANDARD_PROPERTIES, toProperty } from "./emulator-properties.js";
import type { PropertyIssue } from "./emulator-errors.js";
import { checkValue } from "./emulator-values.js";
import type { IncomingValue } from "./emulator-values.js";

/** A CRM record held by the emulator. */
export interface EmulatorRecord {
  /** HubSpot's record id (`hs_object_id`). */
  readonly id: string;
  /** Property values as HubSpot stores them (text). */
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

/** Definition of a custom object, as a subset of `POST /crm/v3/schemas`. */
export interface CustomObjectInput {
  /** Internal name, e.g. `cars`. */
  readonly name: string;
  /** Labels; default from the name. */
  readonly labels?: { readonly singular: string; readonly plural: string };
  /** Property shown as the record's name; default the first property. */
  readonly primaryDisplayProperty?: string;
  /** Properties of the object (the system ones are added). */
  readonly properties: readonly HubSpotPropertyInput[];
  /** Properties required on create. */
  readonly requiredProperties?: readonly string[];
}

/** One object type: its properties and records. */
export interface ObjectType {
  /** Name in paths: `contacts`, or the custom object's name. */
  readonly name: string;
  /** `0-1` for contacts, `2-<n>` for custom objects. */
  readonly objectTypeId: string;
  /** `p<portal>_<name>` for custom objects. */
  readonly fullyQualifiedName: string;
  /** Singular label, as in "Contact already exists". */
  readonly singular: string;
  /** Plural label. */
  readonly plural: string;
  readonly custom: boolean;
  readonly primaryDisplayProperty: string;
  readonly requiredProperties: readonly string[];
  readonly properties: Map<string, HubSpotProperty>;
  readonly records: Map<string, EmulatorRecord>;
}

/** Portal (account) id the emulator pretends to be. */
export const EMULATOR_PORTAL_ID = 62515;

const STANDARD_TYPES = [
  { name: "contacts", objectTypeId: "0-1", singular: "Contact", plural: "Contacts", display: "email", modified: "lastmodifieddate" },
  { name: "companies", objectTypeId: "0-2", singular: "Company", plural: "Companies", display: "name", modified: "hs_lastmodifieddate" },
  { name: "deals", objectTypeId: "0-3", singular: "Deal", plural: "Deals", display: "dealname", modified: "hs_lastmodifieddate" },
] as const;

/** In-memory CRM data: object types with their properties and records. */
export class EmulatorStore {
  readonly types: ObjectType[] = [];
  #nextId = 1001;
  #nextCustomType = 1;
  readonly #indexes = new WeakMap<ObjectType, Map<string, Map<string, EmulatorRecord>>>();

  constructor(private readonly now: () => number) {
    for (const t of STANDARD_TYPES) {
      this.types.push({
        name: t.name,
        objectTypeId: t.objectTypeId,
        fullyQualifiedName: t.name,
        singular: t.singular,
        plural: t.plural,
        custom: false,
        primaryDisplayProperty: t.display,
        requiredProperties: [],
        properties: new Map(STANDARD_PROPERTIES[t.name].map((p, i) => [p.name, toProperty(p, i)])),
        records: new Map(),
      });
    }
  }

  /**
   * Find an object type as the objects API accepts it: standard name or `0-x` id; for custom objects the
   * objectTypeId (`2-123`), the fully qualified name (`p123_cars`) or the short form (`p_cars`).
   * Source: https://developers.hubspot.com/changelog/breaking-change-removed-support-for-referencing-custom-object-types-by-base-name
   */
  find(objectType: string): ObjectType | undefined {
    const wanted = objectType.toLowerCase();
    return this.types.find(
      (t) =>
        t.objectTypeId === wanted ||
        t.fullyQualifiedName.toLowerCase() === wanted ||
        (!t.custom && t.name === wanted) ||
        (t.custom && `p_${t.name}`.toLowerCase() === wanted),
    );
  }

  /** Define a custom object; returns its type. */
  defineCustomObject(input: CustomObjectInput): ObjectType {
    const existing = this.types.find((t) => t.custom && t.name === input.name);
    if (existing) return existing;
    const properties = [
      { name: "hs_object_id", type: "number", label: "Record ID", readOnlyValue: true, hubspotDefined: true },
      { name: "hs_createdate", type: "datetime", label: "Create Date", readOnlyValue: true, hubspotDefined: true },
      { name: "hs_lastmodifieddate", type: "datetime", label: "Last Modified Date", readOnlyValue: true, hubspotDefined: true },
      ...input.properties,
    ] satisfies HubSpotPropertyInput[];
    const type: ObjectType = {
      name: input.name,
      objectTypeId: `2-${1000 + this.#nextCustomType++}`,
      fullyQualifiedName: `p${EMULATOR_PORTAL_ID}_${input.name}`,
      singular: input.labels?.singular ?? input.name,
      plural: input.labels?.plural ?? input.name,
      custom: true,
      primaryDisplayProperty: input.primaryDisplayProperty ?? input.properties[0]?.name ?? "hs_object_id",
      requiredProperties: input.requiredProperties ?? [],
      properties: new Map(properties.map((p, i) => [p.name, toProperty(p, i)])),
      records: new Map(),
    };
    this.types.push(type);
    return type;
  }

  /** Whether a property can identify records (`idProperty`): unique values, or email for contacts. */
  isUniqueProperty(type: ObjectType, name: string): boolean {
    if (name === "hs_object_id") return true;
    if (type.name === "contacts" && name === "email") return true;
    return type.properties.get(name)?.hasUniqueValue === true;
  }

  /** Check every value of an input; returns the stored values or the issues. */
  checkProperties(
    type: ObjectType,
    values: Readonly<Record<string, IncomingValue>>,
  ): { stored: Record<string, string>; issues: PropertyIssue[] } {
    const stored: Record<string, string> = {};
    const issues: PropertyIssue[] = [];
    for (const [name, raw] of Object.entries(values ?? {})) {
      const property = type.properties.get(name);
      if (!property) {
        issues.push({ name, error: "PROPERTY_DOESNT_EXIST", message: `Property "${name}" does not exist` });
        continue;
      }
      if (property.modificationMetadata.readOnlyValue) {
        issues.push({ name, error: "READ_ONLY_VALUE", message: `Property "${name}" is a read only property; its value cannot be set.` });
        continue;
      }
      const checked = checkValue(property, raw, type.name === "contacts" && name === "email");
      if (checked.ok) stored[name] = checked.stored;
      else issues.push(checked.issue);
    }
    return { stored, issues };
  }

  /** Normalise an identifier value the way it is stored (emails are case-insensitive). */
  normaliseId(type: ObjectType, idProperty: string, value: string): string {
    return type.name === "contacts" && idProperty === "email" ? value.toLowerCase() : value;
  }

  /** The live record whose `idProperty` equals `value`. */
  findBy(type: ObjectType, idProperty: string | undefined, value: string): EmulatorRecord | undefined {
    if (idProperty === undefined || idProperty === "hs_object_id") return type.records.get(value);
    return this.#index(type, idProperty).get(this.normaliseId(type, idProperty, value));
  }

  /**
   * Value -> record of one property, built on first lookup and kept up to date by create, update and
   * archive: upserts look every input up by its idProperty, and a scan per input made a 20,000-contact
   * sync quadratic, slower than HubSpot's own rate limit.
   */
  #index(type: ObjectType, property: string): Map<string, EmulatorRecord> {
    let byProperty = this.#indexes.get(type);
    if (!byProperty) this.#indexes.set(type, (byProperty = new Map()));
    let index = byProperty.get(property);
    if (!index) {
      index = new Map();
      // The first record holding a value wins, as a scan in id order would find it.
      for (const record of type.records.values()) {
        const value = record.properties[property];
        if (value !== undefined && !index.has(value)) index.set(value, record);
      }
      byProperty.set(property, index);
    }
    return index;
  }

  /** Take a record's values out of the indexes (before it changes or goes). */
  #unindex(type: ObjectType, record: EmulatorRecord): void {
    const byProperty = this.#indexes.get(type);
    if (!byProperty) return;
    for (const [property, index] of byProperty) {
      const value = record.properties[property];
      if (value === undefined || index.get(value) !== record) continue;
      // Another record may hold the same value of a property that is not unique: rebuild that index.
      if (this.isUniqueProperty(type, property)) index.delete(value);
      else byProperty.delete(property);
    }
  }

  /** Put a record's values in the indexes built so far. */
  #reindex(type: ObjectType, record: EmulatorRecord): void {
    for (const [property, index] of this.#indexes.get(type) ?? []) {
      const value = record.properties[property];
      if (value !== undefined && !index.has(value)) index.set(value, record);
    }
  }

  /** Archive records by id; ids that do not exist are ignored. */
  archive(type: ObjectType, ids: readonly string[]): void {
    for (const id of ids) {
      const record = type.records.get(id);
      if (!record) continue;
      this.#unindex(type, record);
      type.records.delete(id);
    }
  }

  /** A record other than `self` that already holds one of the unique values in `stored`. */
  conflictOf(type: ObjectType, stored: Readonly<Record<string, string>>, self?: EmulatorRecord): EmulatorRecord | undefined {
    for (const [name, value] of Object.entries(stored)) {
      if (value === "" || name === "hs_object_id" || !this.isUniqueProperty(type, name)) continue;
      const other = this.findBy(type, name, value);
      if (other && other !== self) return other;
    }
    return undefined;
  }

  /** Create a record from checked values. */
  create(type: ObjectType, stored: Readonly<Record<string, string>>): EmulatorRecord {
    const id = String(this.#nextId++);
    const at = new Date(this.now()).toISOString();
    const created = type.custom ? "hs_createdate" : "createdate";
    const modified = type.name === "contacts" ? "lastmodifieddate" : "hs_lastmodifieddate";
    const record: EmulatorRecord = {
      id,
      properties: { ...withoutEmpty(stored), hs_object_id: id, [created]: at, [modified]: at },
      createdAt: at,
      updatedAt: at,
    };
    type.records.set(id, record);
    this.#reindex(type, record);
    return record;
  }

  /** Apply checked values to a record; an empty value clears the property. */
  update(type: ObjectType, record: EmulatorRecord, stored: Readonly<Record<string, string>>): EmulatorRecord {
    const at = new Date(this.now()).toISOString();
    this.#unindex(type, record);
    for (const [name, value] of Object.entries(stored)) {
      if (value === "") delete record.properties[name];
      else record.properties[name] = value;
    }
    record.properties[type.name === "contacts" ? "lastmodifieddate" : "hs_lastmodifieddate"] = at;
    record.updatedAt = at;
    this.#reindex(type, record);
    return record;
  }
}

function withoutEmpty(values: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ""));
}
