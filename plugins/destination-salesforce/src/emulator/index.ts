// Public API of @reverse-etl/destination-salesforce/emulator: a local Salesforce REST and Bulk API 2.0 for tests, examples and CI.
// The default export is the emulator as `reverse-etl emulate salesforce` runs it (core's emulator contract).
export { salesforceEmulator as default, salesforceEmulator } from "./emulator-definition.js";
export { startSalesforceEmulator } from "./salesforce-emulator.js";
/**
 * Start from `reverse-etl emulate` flag values (`port`, `host`, `accessToken`, `dailyLimit`, ...), under the
 * name commands written before the emulator contract import; resolves to the running emulator.
 */
export { startFromFlags as startEmulator } from "./emulator-definition.js";
export type { SalesforceEmulatorOptions } from "./salesforce-emulator.js";
export type { EmulatorRequest, SalesforceEmulator } from "./emulator-control.js";
export type { EmulatorClient } from "./emulator-oauth.js";
export type { FieldInput, SObjectInput, SalesforceFieldType } from "./emulator-schema.js";
export type { StoredValue } from "./emulator-field-rules.js";
export { MAX_COLLECTION_RECORDS } from "./emulator-collections.js";
export { API_VERSIONS, LATEST_API_VERSION } from "./emulator-versions.js";
