/**
 * Property definitions the emulator starts with, in the shape of the properties API.
 * Source: https://developers.hubspot.com/docs/guides/api/crm/properties (property object fields, types and
 * field types) and https://knowledge.hubspot.com/properties/hubspots-default-contact-properties (defaults).
 */

/** A property type as HubSpot names it. */
export type HubSpotPropertyType = "string" | "number" | "date" | "datetime" | "enumeration" | "bool" | "phone_number";

/** One option of an enumeration property. */
export interface HubSpotPropertyOption {
  /** Display label. */
  readonly label: string;
  /** Internal value, the one API writes use. */
  readonly value: string;
  /** Position in the UI. */
  readonly displayOrder: number;
  /** Hidden from forms. */
  readonly hidden: boolean;
}

/** A property definition as `GET /crm/v3/properties/{objectType}` returns it. */
export interface HubSpotProperty {
  readonly name: string;
  readonly label: string;
  readonly type: HubSpotPropertyType;
  readonly fieldType: string;
  readonly description: string;
  readonly groupName: string;
  readonly options: readonly HubSpotPropertyOption[];
  readonly displayOrder: number;
  readonly calculated: boolean;
  readonly externalOptions: boolean;
  readonly hasUniqueValue: boolean;
  readonly hidden: boolean;
  readonly hubspotDefined: boolean;
  readonly formField: boolean;
  readonly modificationMetadata: { readonly archivable: boolean; readonly readOnlyDefinition: boolean; readonly readOnlyValue: boolean };
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly archived: boolean;
}

/** What a caller gives to define a property; everything but `name` and `type` has a default. */
export interface HubSpotPropertyInput {
  readonly name: string;
  readonly type: HubSpotPropertyType;
  readonly label?: string;
  readonly fieldType?: string;
  readonly groupName?: string;
  readonly description?: string;
  /** Enumeration options as values, or full options. */
  readonly options?: ReadonlyArray<string | { readonly label?: string; readonly value: string; readonly hidden?: boolean }>;
  readonly hasUniqueValue?: boolean;
  /** The value cannot be written through the API (e.g. `hs_object_id`, `createdate`). */
  readonly readOnlyValue?: boolean;
  readonly calculated?: boolean;
  readonly hubspotDefined?: boolean;
}

const EPOCH = "2020-01-01T00:00:00.000Z";

const DEFAULT_FIELD_TYPES: Record<HubSpotPropertyType, string> = {
  string: "text",
  number: "number",
  date: "date",
  datetime: "date",
  enumeration: "select",
  bool: "booleancheckbox",
  phone_number: "phonenumber",
};

/** Build a full property definition from an input. */
export function toProperty(input: HubSpotPropertyInput, order = -1): HubSpotProperty {
  const options =
    input.type === "bool" && input.options === undefined
      ? [{ label: "Yes", value: "true" }, { label: "No", value: "false" }]
      : (input.options ?? []).map((o) => (typeof o === "string" ? { value: o } : o));
  const readOnly = input.readOnlyValue === true || input.calculated === true;
  return {
    name: input.name,
    label: input.label ?? input.name,
    type: input.type,
    fieldType: input.fieldType ?? DEFAULT_FIELD_TYPES[input.type],
    description: input.description ?? "",
    groupName: input.groupName ?? "custom_properties",
    options: options.map((o, i) => ({ label: o.label ?? o.value, value: o.value, displayOrder: i, hidden: o.hidden ?? false })),
    displayOrder: order,
    calculated: input.calculated ?? false,
    externalOptions: false,
    hasUniqueValue: input.hasUniqueValue ?? false,
    hidden: false,
    hubspotDefined: input.hubspotDefined ?? false,
    formField: !readOnly,
    modificationMetadata: { archivable: !(input.hubspotDefined ?? false), readOnlyDefinition: input.hubspotDefined ?? false, readOnlyValue: readOnly },
    createdAt: EPOCH,
    updatedAt: EPOCH,
    archived: false,
  };
}

/** Properties every object has: the record id and its timestamps, all read-only. */
function systemProperties(lastModified: string): HubSpotPropertyInput[] {
  return [
    { name: "hs_object_id", type: "number", label: "Record ID", readOnlyValue: true, hubspotDefined: true },
    { name: "createdate", type: "datetime", label: "Create Date", readOnlyValue: true, hubspotDefined: true },
    { name: lastModified, type: "datetime", label: "Last Modified Date", readOnlyValue: true, hubspotDefined: true },
  ];
}

/** Lifecycle stages of contacts and companies (internal values). */
const LIFECYCLE_STAGES = ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "evangelist", "other"];

/** Standard properties of the emulator's built-in objects, by object name. */
export const STANDARD_PROPERTIES: Readonly<Record<"contacts" | "companies" | "deals", readonly HubSpotPropertyInput[]>> = {
  contacts: [
    ...systemProperties("lastmodifieddate"),
    // Contacts are deduplicated by email: https://developers.hubspot.com/docs/guides/api/crm/objects/contacts
    { name: "email", type: "string", label: "Email", hubspotDefined: true },
    { name: "firstname", type: "string", label: "First Name", hubspotDefined: true },
    { name: "lastname", type: "string", label: "Last Name", hubspotDefined: true },
    { name: "phone", type: "phone_number", label: "Phone Number", hubspotDefined: true },
    { name: "company", type: "string", label: "Company Name", hubspotDefined: true },
    { name: "website", type: "string", label: "Website URL", hubspotDefined: true },
    { name: "jobtitle", type: "string", label: "Job Title", hubspotDefined: true },
    { name: "city", type: "string", label: "City", hubspotDefined: true },
    { name: "country", type: "string", label: "Country/Region", hubspotDefined: true },
    { name: "lifecyclestage", type: "enumeration", fieldType: "radio", label: "Lifecycle Stage", options: LIFECYCLE_STAGES, hubspotDefined: true },
    { name: "hs_lead_status", type: "enumeration", label: "Lead Status", hubspotDefined: true,
      options: ["NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED", "ATTEMPTED_TO_CONTACT", "CONNECTED", "BAD_TIMING"] },
    { name: "date_of_birth", type: "date", label: "Date of birth", hubspotDefined: true },
    { name: "hs_email_optout", type: "bool", label: "Unsubscribed from all email", hubspotDefined: true },
    { name: "num_associated_deals", type: "number", label: "Number of Associated Deals", calculated: true, hubspotDefined: true },
  ],
  companies: [
    ...systemProperties("hs_lastmodifieddate"),
    { name: "domain", type: "string", label: "Company Domain Name", hubspotDefined: true },
    { name: "name", type: "string", label: "Company name", hubspotDefined: true },
    { name: "industry", type: "enumeration", label: "Industry", hubspotDefined: true,
      options: ["ACCOUNTING", "COMPUTER_SOFTWARE", "FINANCIAL_SERVICES", "HOSPITAL_HEALTH_CARE", "RETAIL", "OTHER"] },
    { name: "phone", type: "string", label: "Phone Number", hubspotDefined: true },
    { name: "city", type: "string", label: "City", hubspotDefined: true },
    { name: "country", type: "string", label: "Country/Region", hubspotDefined: true },
    { name: "numberofemployees", type: "number", label: "Number of Employees", hubspotDefined: true },
    { name: "annualrevenue", type: "number", label: "Annual Revenue", hubspotDefined: true },
    { name: "lifecyclestage", type: "enumeration", fieldType: "radio", label: "Lifecycle Stage", options: LIFECYCLE_STAGES, hubspotDefined: true },
  ],
  deals: [
    ...systemProperties("hs_lastmodifieddate"),
    { name: "dealname", type: "string", label: "Deal Name", hubspotDefined: true },
    { name: "amount", type: "number", label: "Amount", hubspotDefined: true },
    { name: "pipeline", type: "enumeration", label: "Pipeline", options: ["default"], hubspotDefined: true },
    { name: "dealstage", type: "enumeration", label: "Deal Stage", hubspotDefined: true,
      options: ["appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin", "contractsent", "closedwon", "closedlost"] },
    { name: "closedate", type: "datetime", label: "Close Date", hubspotDefined: true },
    { name: "dealtype", type: "enumeration", label: "Deal Type", options: ["newbusiness", "existingbusiness"], hubspotDefined: true },
    { name: "hs_is_closed", type: "bool", label: "Is Deal Closed?", calculated: true, hubspotDefined: true },
  ],
};
