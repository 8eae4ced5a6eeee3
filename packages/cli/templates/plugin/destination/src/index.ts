// Public API of __package__. The default export is the plugin, as core loads it.
import { ConnectionError, defineDestinationPlugin } from "@reverse-etl/core";
import { __Name__Connection } from "./__name__-connection.js";
import {
  __NAME___API_URL,
  __nameCamel__DestinationOptionsSchema,
  __nameCamel__SyncOptionsSchema,
  DEFAULT_MAX_CONCURRENCY,
  DEFAULT_REQUESTS_PER_SECOND,
  DEFAULT_TIMEOUT_MS,
  type __Name__DestinationOptions,
} from "./__name__-destination-options.js";

export { __Name__Connection } from "./__name__-connection.js";
export type { __Name__BatchRequest, __Name__ConnectionSettings } from "./__name__-connection.js";
export { __NAME___API_URL, __nameCamel__DestinationOptionsSchema, __nameCamel__SyncOptionsSchema } from "./__name__-destination-options.js";
export type { __Name__DestinationOptions, __Name__SyncOptions } from "./__name__-destination-options.js";
export { outcomeOfResponse, parseRetryAfter } from "./__name__-write-outcome.js";
export type { __Name__RecordAnswer } from "./__name__-write-outcome.js";

/** The __Title__ destination: `plugin: "__package__"` in a config's `destinations`. */
const __nameCamel__Destination = defineDestinationPlugin<__Name__DestinationOptions>({
  name: "__name__",
  optionsSchema: __nameCamel__DestinationOptionsSchema,
  syncOptionsSchema: __nameCamel__SyncOptionsSchema,
  async connect(options, context) {
    // No secrets.add(options.apiKey) here: the schema marks apiKey `secret: true`, so core redacts it from
    // every message and log line, even when the config gives it as plain text.
    // Core fills in the schema's defaults; the fallbacks serve callers that skip validation (tests).
    const baseUrl = (options.baseUrl ?? __NAME___API_URL).replace(/\/+$/, "");
    if (!URL.canParse(baseUrl)) {
      throw new ConnectionError(`[reverse-etl] [__name__] destination ${context.name}: baseUrl is not a URL; leave it out for ${__NAME___API_URL}.`);
    }
    return new __Name__Connection({
      baseUrl,
      apiKey: options.apiKey,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      logger: context.logger,
      capabilities: {
        modes: ["upsert", "update", "insert", "mirror"],
        // __Title__'s batch endpoint takes at most 100 records.
        maxBatchSize: 100,
        maxConcurrency: options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
        rateLimits: [{ requests: options.requestsPerSecond ?? DEFAULT_REQUESTS_PER_SECOND, perMs: 1000 }],
      },
    });
  },
});

export default __nameCamel__Destination;
