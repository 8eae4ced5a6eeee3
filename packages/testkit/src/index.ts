export { testDestinationContract } from "./destination-contract.js";
export type { DestinationContractOptions, ReadBackContext } from "./destination-contract.js";
export { startWebhookReceiver } from "./webhook-receiver.js";
export type {
  IncomingWebhookPayload,
  IncomingWebhookRecord,
  ReceivedRecord,
  ReceivedRequest,
  ReceivedValue,
  RecordPredicate,
  WebhookFault,
  WebhookReceiver,
  WebhookReceiverOptions,
} from "./webhook-receiver.js";
export { testSourceContract } from "./source-contract.js";
export type { SourceContractOptions } from "./source-contract.js";
export type { ContractColumnType } from "./source-contract-seed.js";
export { createDatabase, startPostgres, TEST_POSTGRES_URL_ENV } from "./postgres-server.js";
export type { PostgresServer, StartPostgresOptions } from "./postgres-server.js";
