// Public API of @reverse-etl/destination-webhook. The default export is the plugin, as core loads it.
export { webhookDestination as default, webhookDestination } from "./webhook-destination.js";
export type { WebhookDestinationOptions } from "./webhook-destination-options.js";
export { webhookDestinationOptionsSchema } from "./webhook-destination-options.js";
export type { WebhookPayload } from "./webhook-connection.js";
export type { WebhookRecordResult } from "./webhook-response.js";
