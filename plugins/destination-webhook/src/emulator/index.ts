// Public API of @reverse-etl/destination-webhook/emulator: a local webhook receiver for tests, examples and CI.
export { webhookEmulator as default, webhookEmulator } from "./emulator-definition.js";
export { startWebhookReceiver } from "./webhook-receiver.js";
export type {
  IncomingWebhookPayload,
  IncomingWebhookRecord,
  ReceivedRecord,
  ReceivedRequest,
  ReceivedValue,
  RecordPredicate,
  WebhookReceiver,
  WebhookReceiverOptions,
} from "./webhook-receiver.js";
