// Public API of @reverse-etl/destination-salesforce. The default export is the plugin, as core loads it.
export { salesforceDestination as default, salesforceDestination } from "./salesforce-destination.js";
export type { SalesforceDestinationOptions, SalesforceSyncOptions } from "./salesforce-destination-options.js";
export {
  DEFAULT_API_VERSION,
  SALESFORCE_LOGIN_URL,
  salesforceDestinationOptionsSchema,
  salesforceSyncOptionsSchema,
} from "./salesforce-destination-options.js";
export type { ConvertedValue } from "./salesforce-values.js";
export { convertValue } from "./salesforce-values.js";
