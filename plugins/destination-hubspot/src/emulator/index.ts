// Public API of @reverse-etl/destination-hubspot/emulator: a local HubSpot CRM v3 API for tests, examples and CI.
export { startHubSpotEmulator } from "./hubspot-emulator.js";
/**
 * The emulator under the name every SaaS destination's emulator exports (`startEmulator(options)`), which
 * `reverse-etl emulate hubspot` calls.
 */
export { startHubSpotEmulator as startEmulator } from "./hubspot-emulator.js";
export type { EmulatorRequest, EmulatorToken, HubSpotEmulator, HubSpotEmulatorOptions } from "./hubspot-emulator.js";
export type { CustomObjectInput } from "./emulator-store.js";
export type { HubSpotProperty, HubSpotPropertyInput, HubSpotPropertyOption, HubSpotPropertyType } from "./emulator-properties.js";
export type { RateLimitStats } from "./emulator-rate-limit.js";
export { MAX_BATCH_INPUTS } from "./emulator-batch.js";
