import type { FieldInput, SObjectInput } from "./emulator-schema.js";

/**
 * The standard objects every emulated org starts with: Account, Contact and Lead, with the fields a sync
 * most often writes, their types, lengths and picklist values as the Object Reference gives them.
 * Sources: https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_account.htm,
 * .../sforce_api_objects_contact.htm, .../sforce_api_objects_lead.htm. Standard picklists are not
 * restricted here (an org's admin may restrict them); seed a restricted custom picklist to test that rule.
 */

const SALUTATIONS = ["Mr.", "Ms.", "Mrs.", "Dr.", "Prof."];
const LEAD_SOURCES = ["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"];
const RATINGS = ["Hot", "Warm", "Cold"];
const INDUSTRIES = [
  "Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications", "Construction", "Consulting",
  "Education", "Electronics", "Energy", "Engineering", "Entertainment", "Environmental", "Finance", "Food & Beverage",
  "Government", "Healthcare", "Hospitality", "Insurance", "Machinery", "Manufacturing", "Media", "Not For Profit",
  "Recreation", "Retail", "Shipping", "Technology", "Telecommunications", "Transportation", "Utilities", "Other",
];
const ACCOUNT_TYPES = ["Prospect", "Customer - Direct", "Customer - Channel", "Channel Partner / Reseller", "Installation Partner", "Technology Partner", "Other"];
const LEAD_STATUSES = ["Open - Not Contacted", "Working - Contacted", "Closed - Converted", "Closed - Not Converted"];

/** The full name of a person object (Contact, Lead): read-only, computed from first and last name. */
const FULL_NAME: FieldInput = { name: "Name", type: "string", label: "Full Name", length: 121, createable: false, updateable: false, nillable: false, defaultedOnCreate: true };

function address(prefix: string, label: string): FieldInput[] {
  return [
    { name: `${prefix}Street`, type: "textarea", label: `${label} Street`, length: 255 },
    { name: `${prefix}City`, type: "string", label: `${label} City`, length: 40 },
    { name: `${prefix}State`, type: "string", label: `${label} State/Province`, length: 80 },
    { name: `${prefix}PostalCode`, type: "string", label: `${label} Zip/Postal Code`, length: 20 },
    { name: `${prefix}Country`, type: "string", label: `${label} Country`, length: 80 },
  ];
}

/** Account, Contact and Lead, with their key prefixes. */
export const STANDARD_OBJECTS: ReadonlyArray<{ input: SObjectInput; keyPrefix: string }> = [
  {
    keyPrefix: "001",
    input: {
      name: "Account",
      label: "Account",
      labelPlural: "Accounts",
      fields: [
        { name: "Name", type: "string", label: "Account Name", length: 255, required: true },
        { name: "AccountNumber", type: "string", label: "Account Number", length: 40 },
        { name: "Site", type: "string", label: "Account Site", length: 80 },
        { name: "Type", type: "picklist", label: "Account Type", length: 255, picklistValues: ACCOUNT_TYPES },
        { name: "Industry", type: "picklist", label: "Industry", length: 255, picklistValues: INDUSTRIES },
        { name: "Rating", type: "picklist", label: "Account Rating", length: 255, picklistValues: RATINGS },
        { name: "ParentId", type: "reference", label: "Parent Account ID", referenceTo: ["Account"] },
        ...address("Billing", "Billing"),
        ...address("Shipping", "Shipping"),
        { name: "Phone", type: "phone", label: "Account Phone" },
        { name: "Fax", type: "phone", label: "Account Fax" },
        { name: "Website", type: "url", label: "Website" },
        { name: "AnnualRevenue", type: "currency", label: "Annual Revenue", precision: 18, scale: 0 },
        { name: "NumberOfEmployees", type: "int", label: "Employees", precision: 8 },
        { name: "Description", type: "textarea", label: "Account Description", length: 32000 },
      ],
    },
  },
  {
    keyPrefix: "003",
    input: {
      name: "Contact",
      label: "Contact",
      labelPlural: "Contacts",
      fields: [
        { name: "AccountId", type: "reference", label: "Account ID", referenceTo: ["Account"] },
        { name: "LastName", type: "string", label: "Last Name", length: 80, required: true },
        { name: "FirstName", type: "string", label: "First Name", length: 40 },
        { name: "Salutation", type: "picklist", label: "Salutation", length: 40, picklistValues: SALUTATIONS },
        FULL_NAME,
        ...address("Mailing", "Mailing"),
        { name: "Phone", type: "phone", label: "Business Phone" },
        { name: "MobilePhone", type: "phone", label: "Mobile Phone" },
        { name: "Email", type: "email", label: "Email", length: 80 },
        { name: "Title", type: "string", label: "Title", length: 128 },
        { name: "Department", type: "string", label: "Department", length: 80 },
        { name: "LeadSource", type: "picklist", label: "Lead Source", length: 255, picklistValues: LEAD_SOURCES },
        { name: "Birthdate", type: "date", label: "Birthdate" },
        { name: "HasOptedOutOfEmail", type: "boolean", label: "Email Opt Out" },
        { name: "Description", type: "textarea", label: "Contact Description", length: 32000 },
      ],
    },
  },
  {
    keyPrefix: "00Q",
    input: {
      name: "Lead",
      label: "Lead",
      labelPlural: "Leads",
      fields: [
        { name: "LastName", type: "string", label: "Last Name", length: 80, required: true },
        { name: "FirstName", type: "string", label: "First Name", length: 40 },
        { name: "Salutation", type: "picklist", label: "Salutation", length: 40, picklistValues: SALUTATIONS },
        FULL_NAME,
        { name: "Title", type: "string", label: "Title", length: 128 },
        { name: "Company", type: "string", label: "Company", length: 255, required: true },
        ...address("", "").map((f) => ({ ...f, label: f.label!.trim() })),
        { name: "Phone", type: "phone", label: "Phone" },
        { name: "MobilePhone", type: "phone", label: "Mobile Phone" },
        { name: "Email", type: "email", label: "Email", length: 80 },
        { name: "Website", type: "url", label: "Website" },
        { name: "Description", type: "textarea", label: "Description", length: 32000 },
        { name: "LeadSource", type: "picklist", label: "Lead Source", length: 255, picklistValues: LEAD_SOURCES },
        // Status is required but defaulted: a lead created without one is "Open - Not Contacted".
        { name: "Status", type: "picklist", label: "Status", length: 255, picklistValues: LEAD_STATUSES, nillable: false, defaultValue: LEAD_STATUSES[0] },
        { name: "Industry", type: "picklist", label: "Industry", length: 255, picklistValues: INDUSTRIES },
        { name: "Rating", type: "picklist", label: "Rating", length: 255, picklistValues: RATINGS },
        { name: "AnnualRevenue", type: "currency", label: "Annual Revenue", precision: 18, scale: 0 },
        { name: "NumberOfEmployees", type: "int", label: "Employees", precision: 8 },
        { name: "HasOptedOutOfEmail", type: "boolean", label: "Email Opt Out" },
      ],
    },
  },
];
