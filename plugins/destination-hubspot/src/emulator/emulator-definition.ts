import { defineEmulator } from "@reverse-etl/core";
import type { StartEmulatorOptions } from "@reverse-etl/core";
import { DEFAULT_LIMITS } from "./emulator-rate-limit.js";
import { DEFAULT_ACCESS_TOKEN, startHubSpotEmulator } from "./hubspot-emulator.js";

/**
 * The HubSpot destination's emulator, as `reverse-etl emulate hubspot` runs it. `start` resolves to the
 * running {@link startHubSpotEmulator}, whose `options` (`{ baseUrl, accessToken }`) point the destination
 * at it. The limits default to a Free/Starter private app's
 * (https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details).
 */
export const hubspotEmulator = defineEmulator({
  name: "hubspot",
  description:
    "HubSpot's CRM v3 API in memory: bearer tokens, the properties, schemas and batch objects APIs with HubSpot's batch limits and error bodies, and its rate limits with 429 answers and X-HubSpot-RateLimit-* headers.",
  options: {
    accessToken: { type: "string", description: "The token the emulator accepts, with every scope.", default: DEFAULT_ACCESS_TOKEN },
    requestsPer10s: {
      type: "integer",
      description: "Requests allowed per rolling window (HubSpot: 100 for Free/Starter apps, 190 for Professional/Enterprise).",
      default: DEFAULT_LIMITS.requestsPerInterval,
    },
    dailyLimit: {
      type: "integer",
      description: "Requests allowed per day (HubSpot: 250,000 for Free/Starter, 625,000 for Professional).",
      default: DEFAULT_LIMITS.daily,
    },
    intervalMs: {
      type: "integer",
      description: "Length of the rolling window in milliseconds (HubSpot's is 10 s); shorter makes rate-limit tests quick.",
      default: DEFAULT_LIMITS.intervalMs,
    },
  },
  async start(options) {
    const accessToken = stringOption(options, "accessToken");
    const requestsPer10s = integerOption(options, "requestsPer10s");
    const dailyLimit = integerOption(options, "dailyLimit");
    const intervalMs = integerOption(options, "intervalMs");
    return startHubSpotEmulator({
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.host !== undefined ? { host: options.host } : {}),
      ...(accessToken !== undefined ? { accessToken } : {}),
      ...(requestsPer10s !== undefined ? { requestsPer10s } : {}),
      ...(dailyLimit !== undefined ? { dailyLimit } : {}),
      ...(intervalMs !== undefined ? { intervalMs } : {}),
    });
  },
});

function stringOption(options: StartEmulatorOptions, name: string): string | undefined {
  const value = options[name];
  if (value === undefined || (typeof value === "string" && value !== "")) return value;
  throw new TypeError(`[reverse-etl] [hubspot-emulator] option ${name} must be a non-empty string, not ${JSON.stringify(value)}.`);
}

function integerOption(options: StartEmulatorOptions, name: string): number | undefined {
  const value = options[name];
  if (value === undefined || (typeof value === "number" && Number.isInteger(value) && value >= 1)) return value;
  throw new TypeError(`[reverse-etl] [hubspot-emulator] option ${name} must be an integer of 1 or more, not ${JSON.stringify(value)}.`);
}
