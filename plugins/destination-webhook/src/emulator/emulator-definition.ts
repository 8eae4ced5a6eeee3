import { defineEmulator } from "@reverse-etl/core";
import type { StartEmulatorOptions } from "@reverse-etl/core";
import { startWebhookReceiver } from "./webhook-receiver.js";

/**
 * The webhook destination's emulator, as `reverse-etl emulate webhook` runs it: a receiver that applies
 * the destination's batches and holds the records in memory. `start` resolves to the receiver, whose
 * `options` (`url`, and `headers` when `authorization` is set) point the destination at it.
 */
export const webhookEmulator = defineEmulator({
  name: "webhook",
  description:
    "A webhook receiver that applies @reverse-etl/destination-webhook batches by record key, answers a repeated Idempotency-Key without applying it twice, and holds the records in memory (GET /_emulator/records lists them).",
  options: {
    authorization: {
      type: "string",
      description: 'Authorization header every request must carry, e.g. "Bearer test-token"; others are answered 401. Default: none required.',
    },
    maxRecords: { type: "integer", description: "Batches with more records are answered 413 Payload Too Large. Default: no limit." },
  },
  async start(options) {
    const authorization = stringOption(options, "authorization");
    const maxRecords = integerOption(options, "maxRecords");
    return startWebhookReceiver({
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.host !== undefined ? { host: options.host } : {}),
      ...(authorization !== undefined ? { requiredHeaders: { authorization } } : {}),
      ...(maxRecords !== undefined ? { maxRecords } : {}),
    });
  },
});

function stringOption(options: StartEmulatorOptions, name: string): string | undefined {
  const value = options[name];
  if (value === undefined || typeof value === "string") return value;
  throw new TypeError(`[reverse-etl] [webhook-emulator] option ${name} must be a string, not ${JSON.stringify(value)}.`);
}

function integerOption(options: StartEmulatorOptions, name: string): number | undefined {
  const value = options[name];
  if (value === undefined || (typeof value === "number" && Number.isInteger(value) && value >= 1)) return value;
  throw new TypeError(`[reverse-etl] [webhook-emulator] option ${name} must be an integer of 1 or more, not ${JSON.stringify(value)}.`);
}
