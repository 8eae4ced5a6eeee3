// Public API of @reverse-etl/destination-salesforce/emulator: a local Salesforce REST and Bulk API 2.0 for tests, examples and CI.
export { startSalesforceEmulator } from "./salesforce-emulator.js";
export type { SalesforceEmulatorOptions } from "./salesforce-emulator.js";
export type { EmulatorRequest, SalesforceEmulator } from "./emulator-control.js";
export type { EmulatorClient } from "./emulator-oauth.js";
export type { FieldInput, SObjectInput, SalesforceFieldType } from "./emulator-schema.js";
export type { StoredValue } from "./emulator-field-rules.js";
export { MAX_COLLECTION_RECORDS } from "./emulator-collections.js";
export { API_VERSIONS, LATEST_API_VERSION } from "./emulator-versions.js";
