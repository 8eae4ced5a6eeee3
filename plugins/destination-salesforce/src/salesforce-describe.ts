import type { FieldDescription, ObjectDescription, SyncMode } from "@reverse-etl/core";

/**
 * What the plugin keeps of an sObject describe (`GET /sobjects/{object}/describe`) to check mappings and
 * convert values: https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_describesobjects_describesobjectresult.htm
 */

/** A field as the describe gives it. */
export interface FieldShape {
  readonly name: string;
  readonly label: string;
  /** Salesforce type: string, email, picklist, multipicklist, boolean, int, double, currency, percent, date, datetime, reference, ... */
  readonly type: string;
  readonly length: number;
  readonly precision: number;
  readonly scale: number;
  readonly nillable: boolean;
  readonly createable: boolean;
  readonly updateable: boolean;
  readonly defaultedOnCreate: boolean;
  readonly externalId: boolean;
  readonly unique: boolean;
  readonly caseSensitive: boolean;
  /** Active picklist values. */
  readonly picklistValues: readonly string[];
  readonly restrictedPicklist: boolean;
}

/** An object's fields, found by name in any case (as the API accepts them). */
export interface ObjectShape {
  readonly name: string;
  readonly label: string;
  readonly fields: ReadonlyMap<string, FieldShape>;
}

/** The describe answer's part the plugin reads. */
export interface DescribeAnswer {
  readonly name: string;
  readonly label: string;
  readonly fields: ReadonlyArray<Partial<Omit<FieldShape, "picklistValues">> & { name: string; type: string; picklistValues?: ReadonlyArray<{ value: string; active?: boolean }> }>;
}

/** Build the shape of an object from its describe answer. */
export function shapeOf(answer: DescribeAnswer): ObjectShape {
  const fields = new Map<string, FieldShape>();
  for (const f of answer.fields) {
    fields.set(f.name.toLowerCase(), {
      name: f.name,
      label: f.label ?? f.name,
      type: f.type,
      length: f.length ?? 0,
      precision: f.precision ?? 0,
      scale: f.scale ?? 0,
      nillable: f.nillable ?? true,
      createable: f.createable ?? false,
      updateable: f.updateable ?? false,
      defaultedOnCreate: f.defaultedOnCreate ?? false,
      externalId: f.externalId ?? false,
      unique: f.unique ?? false,
      caseSensitive: f.caseSensitive ?? false,
      picklistValues: (f.picklistValues ?? []).filter((p) => p.active !== false).map((p) => p.value),
      restrictedPicklist: f.restrictedPicklist ?? false,
    });
  }
  return { name: answer.name, label: answer.label, fields };
}

/** A field of the object by name, in any case. */
export function fieldNamed(shape: ObjectShape, name: string): FieldShape | undefined {
  return shape.fields.get(name.toLowerCase());
}

/** Salesforce types as core's mapping checks know them (core checks values of numbers, booleans, dates and enumerations). */
function coreType(type: string): string {
  if (type === "int" || type === "double" || type === "currency" || type === "percent") return "number";
  if (type === "picklist" || type === "multipicklist") return "enumeration";
  return type;
}

/** Whether a sync in `mode` may write the field: created by inserts, updated by updates, both by upserts. */
export function writable(field: FieldShape, mode: SyncMode): boolean {
  if (mode === "insert") return field.createable;
  if (mode === "update") return field.updateable;
  return field.createable && field.updateable;
}

/**
 * Fields a sync can match records on: upserts and mirror syncs by an external id (sObject Collections
 * upsert takes "only external ids": https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_upsert.htm),
 * updates by an external id or `Id`; an insert matches nothing (its match values are written as fields).
 */
export function identifiersOf(shape: ObjectShape, mode: SyncMode): string[] {
  const external = [...shape.fields.values()].filter((f) => f.externalId).map((f) => f.name);
  if (mode === "update") return ["Id", ...external];
  if (mode === "insert") return [...shape.fields.values()].filter((f) => f.createable).map((f) => f.name);
  return external;
}

/** Fields an insert (or the create of an upsert) must set: createable, not nillable and not defaulted. */
export function requiredFields(shape: ObjectShape): FieldShape[] {
  return [...shape.fields.values()].filter((f) => f.createable && !f.nillable && !f.defaultedOnCreate && f.type !== "boolean");
}

/** The description core checks a sync's mapping against. */
export function objectDescription(shape: ObjectShape, mode: SyncMode): ObjectDescription {
  const required = new Set(requiredFields(shape).map((f) => f.name));
  const fields: FieldDescription[] = [...shape.fields.values()].map((f) => ({
    name: f.name,
    type: coreType(f.type),
    ...(writable(f, mode) ? {} : { readOnly: true }),
    ...(required.has(f.name) ? { required: true } : {}),
    // Salesforce refuses a longer text with STRING_TOO_LONG; core measures the model's texts against it.
    // Ids and references have a fixed length and are checked by Salesforce itself.
    ...(f.length > 0 && f.type !== "id" && f.type !== "reference" ? { length: f.length } : {}),
    // Only a restricted picklist refuses other values; core checks the model's values against these.
    ...(f.restrictedPicklist && f.picklistValues.length > 0 && f.type === "picklist" ? { options: f.picklistValues } : {}),
  }));
  return { object: shape.name, fields, identifiers: identifiersOf(shape, mode), requiresMatch: mode !== "insert" };
}
