import type { SalesforceFieldType, SObjectField, SObjectType } from "./emulator-schema.js";

/**
 * The describe answers: global (`GET /sobjects`) and per object (`GET /sobjects/{object}/describe`).
 * Source: https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_describesobjects_describesobjectresult.htm
 * (DescribeSObjectResult and its Field properties) and
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_describeGlobal.htm.
 */

/** The `fields[]` entry of a describe answer. */
export function describeField(field: SObjectField): Record<string, unknown> {
  const text = field.length > 0;
  const soapType: Record<SalesforceFieldType, string> = {
    id: "tns:ID", reference: "tns:ID", string: "xsd:string", textarea: "xsd:string", email: "xsd:string", phone: "xsd:string",
    url: "xsd:string", picklist: "xsd:string", multipicklist: "xsd:string", boolean: "xsd:boolean", int: "xsd:int",
    double: "xsd:double", currency: "xsd:double", percent: "xsd:double", date: "xsd:date", datetime: "xsd:dateTime",
  };
  return {
    aggregatable: field.type !== "textarea" && field.type !== "multipicklist",
    autoNumber: false,
    byteLength: text ? field.length * 3 : 0,
    calculated: field.calculated,
    caseSensitive: field.caseSensitive,
    createable: field.createable,
    custom: field.custom,
    defaultValue: field.type === "boolean" ? field.defaultValue : null,
    defaultValueFormula: null,
    defaultedOnCreate: field.defaultedOnCreate,
    dependentPicklist: false,
    deprecatedAndHidden: false,
    digits: field.digits,
    externalId: field.externalId,
    filterable: field.type !== "textarea",
    groupable: field.type !== "textarea" && field.type !== "multipicklist" && field.type !== "double" && field.type !== "currency" && field.type !== "percent" && field.type !== "datetime",
    htmlFormatted: false,
    idLookup: field.idLookup,
    label: field.label,
    length: field.length,
    name: field.name,
    nameField: field.nameField,
    nillable: field.nillable,
    permissionable: field.custom,
    picklistValues: field.picklistValues.map((value, i) => ({ active: true, defaultValue: i === 0 && field.defaultValue === value, label: value, validFor: null, value })),
    polymorphicForeignKey: field.referenceTo.length > 1,
    precision: field.precision,
    referenceTo: field.referenceTo,
    relationshipName: field.type === "reference" ? field.name.replace(/Id$/, "").replace(/__c$/, "__r") : null,
    restrictedPicklist: field.restrictedPicklist,
    scale: field.scale,
    soapType: soapType[field.type],
    sortable: field.type !== "textarea" && field.type !== "multipicklist",
    type: field.type,
    unique: field.unique,
    updateable: field.updateable,
  };
}

/** Base path of an object's resources in an API version. */
export function sobjectUrl(version: string, object: string): string {
  return `/services/data/v${version}/sobjects/${object}`;
}

/** The describe answer of an object: `GET /sobjects/{object}/describe`. */
export function describeObject(object: SObjectType, version: string): Record<string, unknown> {
  return {
    ...objectSummary(object, version),
    childRelationships: [],
    fields: [...object.fields.values()].map(describeField),
    namedLayoutInfos: [],
    recordTypeInfos: [],
    supportedScopes: [{ label: "All", name: "everything" }],
    urls: { ...objectUrls(object, version), uiDetailTemplate: null, uiEditTemplate: null, uiNewRecord: null },
  };
}

/** An object's entry of the global describe (`GET /sobjects`). */
export function objectSummary(object: SObjectType, version: string): Record<string, unknown> {
  return {
    activateable: false,
    createable: true,
    custom: object.custom,
    customSetting: false,
    deletable: true,
    deprecatedAndHidden: false,
    feedEnabled: false,
    hasSubtypes: false,
    isSubtype: false,
    keyPrefix: object.keyPrefix,
    label: object.label,
    labelPlural: object.labelPlural,
    layoutable: true,
    mergeable: object.name === "Account" || object.name === "Contact" || object.name === "Lead",
    mruEnabled: true,
    name: object.name,
    queryable: true,
    replicateable: true,
    retrieveable: true,
    searchable: true,
    triggerable: true,
    undeletable: true,
    updateable: true,
    urls: objectUrls(object, version),
  };
}

function objectUrls(object: SObjectType, version: string): Record<string, string> {
  const base = sobjectUrl(version, object.name);
  return { rowTemplate: `${base}/{ID}`, describe: `${base}/describe`, sobject: base };
}
