/**
 * sObjects and their fields as the emulator holds them, and their describe answers.
 * Sources: https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_describesobjects_describesobjectresult.htm
 * (DescribeSObjectResult and Field), https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/field_types.htm
 * (field types), https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/system_fields.htm (system fields).
 */

/** Field types the emulator implements (the `type` of a describe field). */
export type SalesforceFieldType =
  | "id"
  | "string"
  | "textarea"
  | "email"
  | "phone"
  | "url"
  | "picklist"
  | "multipicklist"
  | "boolean"
  | "int"
  | "double"
  | "currency"
  | "percent"
  | "date"
  | "datetime"
  | "reference";

/** A field to define (seed); everything but `name` and `type` has Salesforce's default for the type. */
export interface FieldInput {
  /** API name. Custom fields end with `__c`. */
  readonly name: string;
  readonly type: SalesforceFieldType;
  /** Label, used in error messages. Default: the name without `__c`, underscores as spaces. */
  readonly label?: string;
  /** Maximum length of text types. Defaults: string 255, textarea 255, email 80, phone 40, url 255, picklist 255, multipicklist 4099. */
  readonly length?: number;
  /** Digits of number types (double, currency, percent: precision, default 18). */
  readonly precision?: number;
  /** Decimal places of number types (default 0; currency 2). */
  readonly scale?: number;
  /** Required on create: not nillable and not defaulted. */
  readonly required?: boolean;
  /** Can be null. Default: true unless `required` (booleans: never). */
  readonly nillable?: boolean;
  /** The org gives it a value on create when none is sent. */
  readonly defaultedOnCreate?: boolean;
  /** Value given on create when none is sent. */
  readonly defaultValue?: string | number | boolean;
  /** Can be set on create. Default true. */
  readonly createable?: boolean;
  /** Can be set on update. Default true. */
  readonly updateable?: boolean;
  /** An external id: upserts can match on it. Text, email and number fields only. */
  readonly externalId?: boolean;
  /** Values are unique across records. */
  readonly unique?: boolean;
  /** Unique values compare case-sensitively. Default false. */
  readonly caseSensitive?: boolean;
  /** Values of a picklist or multi-select picklist. */
  readonly picklistValues?: readonly string[];
  /** Only the picklist's values are accepted. */
  readonly restrictedPicklist?: boolean;
  /** Objects a reference field points to. */
  readonly referenceTo?: readonly string[];
}

/** An object to define (seed). */
export interface SObjectInput {
  /** API name; custom objects end with `__c`. */
  readonly name: string;
  readonly label?: string;
  readonly labelPlural?: string;
  /** Three-character id prefix. Default: the next free `a0N`. */
  readonly keyPrefix?: string;
  /** Fields beside the system fields (Id, Name for custom objects, OwnerId, CreatedDate, ...). */
  readonly fields?: readonly FieldInput[];
}

/** A field with every property resolved. */
export interface SObjectField {
  readonly name: string;
  readonly type: SalesforceFieldType;
  readonly label: string;
  readonly length: number;
  readonly precision: number;
  readonly scale: number;
  readonly digits: number;
  readonly nillable: boolean;
  readonly defaultedOnCreate: boolean;
  readonly defaultValue: string | number | boolean | null;
  readonly createable: boolean;
  readonly updateable: boolean;
  readonly externalId: boolean;
  readonly unique: boolean;
  readonly caseSensitive: boolean;
  readonly idLookup: boolean;
  readonly nameField: boolean;
  readonly calculated: boolean;
  readonly custom: boolean;
  readonly picklistValues: readonly string[];
  readonly restrictedPicklist: boolean;
  readonly referenceTo: readonly string[];
}

const DEFAULT_LENGTH: Partial<Record<SalesforceFieldType, number>> = {
  id: 18,
  reference: 18,
  string: 255,
  textarea: 255,
  email: 80,
  phone: 40,
  url: 255,
  picklist: 255,
  multipicklist: 4099,
};

/** Types an external id can have: https://help.salesforce.com/s/articleView?id=sf.faq_import_general_what_is_an_external.htm */
const EXTERNAL_ID_TYPES: readonly SalesforceFieldType[] = ["string", "email", "int", "double"];

/** Resolve a field input to a full field, refusing definitions Salesforce would refuse. */
export function resolveField(input: FieldInput, options: { custom: boolean; system?: Partial<SObjectField> }): SObjectField {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(input.name) || /__$|___/.test(input.name.replace(/__c$/, ""))) {
    throw new Error(`[reverse-etl] [salesforce-emulator] field name "${input.name}" is not a valid API name`);
  }
  if (options.custom && !input.name.endsWith("__c")) {
    throw new Error(`[reverse-etl] [salesforce-emulator] custom field "${input.name}" must end with __c`);
  }
  if (input.externalId && !EXTERNAL_ID_TYPES.includes(input.type)) {
    throw new Error(`[reverse-etl] [salesforce-emulator] field "${input.name}": an external id must be a text, email or number field, not ${input.type}`);
  }
  const boolean = input.type === "boolean";
  const number = input.type === "double" || input.type === "currency" || input.type === "percent";
  const required = input.required === true;
  const precision = number ? (input.precision ?? 18) : 0;
  const scale = number ? (input.scale ?? (input.type === "currency" ? 2 : 0)) : 0;
  if (number && (scale > precision || precision > 18)) {
    throw new Error(`[reverse-etl] [salesforce-emulator] field "${input.name}": precision ${precision} and scale ${scale} are not allowed (precision <= 18, scale <= precision)`);
  }
  return {
    name: input.name,
    type: input.type,
    label: input.label ?? input.name.replace(/__c$/, "").replace(/_/g, " "),
    length: DEFAULT_LENGTH[input.type] !== undefined ? (input.length ?? DEFAULT_LENGTH[input.type]!) : 0,
    precision,
    scale,
    digits: input.type === "int" ? (input.precision ?? 9) : 0,
    // Checkboxes are never null: https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/field_types.htm (boolean).
    nillable: boolean ? false : (input.nillable ?? !required),
    defaultedOnCreate: boolean ? true : (input.defaultedOnCreate ?? input.defaultValue !== undefined),
    defaultValue: input.defaultValue ?? (boolean ? false : null),
    createable: input.createable ?? true,
    updateable: input.updateable ?? true,
    externalId: input.externalId ?? false,
    unique: input.unique ?? false,
    caseSensitive: input.caseSensitive ?? false,
    idLookup: input.externalId === true || input.unique === true,
    nameField: false,
    calculated: false,
    custom: input.name.endsWith("__c"),
    picklistValues: input.picklistValues ?? [],
    restrictedPicklist: input.restrictedPicklist ?? false,
    referenceTo: input.referenceTo ?? [],
    ...options.system,
  };
}

/** An sObject: its fields (by lower-case name) and records. */
export interface SObjectType {
  readonly name: string;
  readonly label: string;
  readonly labelPlural: string;
  readonly keyPrefix: string;
  readonly custom: boolean;
  /** Fields by lower-case name: the API takes field names in any case. */
  readonly fields: Map<string, SObjectField>;
}

/** The system fields every object has. */
export function systemFields(): SObjectField[] {
  const readOnly = { createable: false, updateable: false, nillable: false, defaultedOnCreate: true };
  const make = (input: FieldInput, system: Partial<SObjectField> = {}) => resolveField(input, { custom: false, system: { ...readOnly, ...system } });
  return [
    make({ name: "Id", type: "id", label: "Record ID" }, { idLookup: true }),
    make({ name: "IsDeleted", type: "boolean", label: "Deleted" }),
    make({ name: "OwnerId", type: "reference", label: "Owner ID", referenceTo: ["User"] }, { createable: true, updateable: true }),
    make({ name: "CreatedDate", type: "datetime", label: "Created Date" }),
    make({ name: "CreatedById", type: "reference", label: "Created By ID", referenceTo: ["User"] }),
    make({ name: "LastModifiedDate", type: "datetime", label: "Last Modified Date" }),
    make({ name: "LastModifiedById", type: "reference", label: "Last Modified By ID", referenceTo: ["User"] }),
    make({ name: "SystemModstamp", type: "datetime", label: "System Modstamp" }),
  ];
}

/** Build an object from its input; standard objects pass their fields with `custom: false`. */
export function buildObject(input: SObjectInput, keyPrefix: string, custom: boolean): SObjectType {
  if (custom && !/^[A-Za-z][A-Za-z0-9_]*__c$/.test(input.name)) {
    throw new Error(`[reverse-etl] [salesforce-emulator] custom object "${input.name}" must be an API name ending with __c`);
  }
  const fields = new Map<string, SObjectField>();
  for (const field of systemFields()) fields.set(field.name.toLowerCase(), field);
  if (custom) {
    // A custom object's Name is a required text field of 80 characters:
    // https://help.salesforce.com/s/articleView?id=sf.custom_field_types.htm
    const name = resolveField({ name: "Name", type: "string", label: `${input.label ?? input.name.replace(/__c$/, "")} Name`, length: 80, required: true }, { custom: false });
    fields.set("name", { ...name, nameField: true });
  }
  const object: SObjectType = {
    name: input.name,
    label: input.label ?? input.name.replace(/__c$/, "").replace(/_/g, " "),
    labelPlural: input.labelPlural ?? `${input.label ?? input.name.replace(/__c$/, "").replace(/_/g, " ")}s`,
    keyPrefix,
    custom,
    fields,
  };
  for (const field of input.fields ?? []) addField(object, field, custom ? "custom-object" : "standard-object");
  return object;
}

/** Add a field to an object; on a standard object (once seeded) only custom fields can be added. */
export function addField(object: SObjectType, input: FieldInput, where: "custom-object" | "standard-object" | "seeded"): SObjectField {
  const key = input.name.toLowerCase();
  if (object.fields.has(key)) throw new Error(`[reverse-etl] [salesforce-emulator] ${object.name} already has a field named ${input.name}`);
  const custom = where !== "standard-object";
  const field = resolveField(input, { custom: custom || input.name.endsWith("__c") });
  object.fields.set(key, field);
  return field;
}
