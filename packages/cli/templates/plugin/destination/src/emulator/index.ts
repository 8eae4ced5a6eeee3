// Public API of __package__/emulator: a local __Title__ API for tests, examples and users' CI. The default
// export is the emulator as `reverse-etl emulate` runs it.
import { defineEmulator } from "@reverse-etl/core";
import { DEFAULT_EMULATOR_API_KEY, start__Name__Emulator } from "./__name__-emulator.js";

export { DEFAULT_EMULATOR_API_KEY, MAX_BATCH_RECORDS, start__Name__Emulator } from "./__name__-emulator.js";
export type { EmulatorRequest, __Name__Emulator, __Name__EmulatorOptions } from "./__name__-emulator.js";
export { EMULATOR_OBJECTS } from "./__name__-emulator-objects.js";
export type { EmulatorField, EmulatorObject, RecordAnswer, StoredRecord } from "./__name__-emulator-objects.js";

/** The __Title__ emulator: `start` resolves to its URL and the plugin options that point at it. */
const __nameCamel__Emulator = defineEmulator({
  name: "__name__",
  description: "A local __Title__ API in memory: contacts, batch writes, an API-key check and rate limits.",
  options: {
    apiKey: { type: "string", description: "API key the emulator accepts.", default: DEFAULT_EMULATOR_API_KEY },
    requestsPerSecond: { type: "integer", description: "Requests per rolling second; more are answered 429 with Retry-After.", default: 10 },
    dailyQuota: { type: "integer", description: "Requests per day; more are answered 429 daily_quota_exceeded.", default: 100_000 },
  },
  async start(options) {
    const emulator = await start__Name__Emulator({
      port: options.port,
      host: options.host,
      apiKey: typeof options.apiKey === "string" ? options.apiKey : undefined,
      requestsPerSecond: typeof options.requestsPerSecond === "number" ? options.requestsPerSecond : undefined,
      dailyQuota: typeof options.dailyQuota === "number" ? options.dailyQuota : undefined,
    });
    return { url: emulator.url, options: { baseUrl: emulator.url, apiKey: emulator.apiKey }, close: () => emulator.close() };
  },
});

export default __nameCamel__Emulator;
