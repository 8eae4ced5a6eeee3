// Public API of @reverse-etl/destination-hubspot/emulator: a local HubSpot CRM v3 API for tests, examples and CI.
// The default export is the emulator as `reverse-etl emulate hubspot` runs it (core's emulator contract).
export { hubspotEmulator as default, hubspotEmulator } from "./emulator-definition.js";
export { startHubSpotEmulator } from "./hubspot-emulator.js";
/** {@link startHubSpotEmulator} under the name scripts written before the emulator contract import. */
export { startHubSpotEmulator as startEmulator } from "./hubspot-emulator.js";
export type { EmulatorRequest, EmulatorToken, HubSpotEmulator, HubSpotEmulatorOptions } from "./hubspot-emulator.js";
export type { CustomObjectInput } from "./emulator-store.js";
export type { HubSpotProperty, HubSpotPropertyInput, HubSpotPropertyOption, HubSpotPropertyType } from "./emulator-properties.js";
export type { EmulatorLimits, HubSpotRateLimitAnswer, RateLimitPolicy, RateLimitStats } from "./emulator-rate-limit.js";
export { hubspotRateLimitAnswer } from "./emulator-rate-limit.js";
export { MAX_BATCH_INPUTS } from "./emulator-batch.js";
