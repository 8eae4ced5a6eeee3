// Public API of @reverse-etl/destination-hubspot. The default export is the plugin, as core loads it.
export { hubspotDestination as default, hubspotDestination } from "./hubspot-destination.js";
export type { HubSpotDestinationOptions } from "./hubspot-destination-options.js";
export { HUBSPOT_API_URL, hubspotDestinationOptionsSchema } from "./hubspot-destination-options.js";
export type { ConvertedValue, PropertyShape } from "./hubspot-values.js";
export { convertValue } from "./hubspot-values.js";
