import { ConnectionError, defineDestinationPlugin } from "@reverse-etl/core";
import { HubSpotConnection } from "./hubspot-connection.js";
import type { HubSpotDestinationOptions } from "./hubspot-destination-options.js";
import { HUBSPOT_API_URL, hubspotDestinationOptionsSchema } from "./hubspot-destination-options.js";

/** HubSpot's batch endpoints take at most 100 inputs per request. */
const MAX_BATCH_SIZE = 100;
/** Published limits of a Free/Starter private app: https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details */
const DEFAULT_REQUESTS_PER_10S = 100;
const DEFAULT_DAILY = 250_000;
const DEFAULT_MAX_CONCURRENCY = 4;
/** Added to HubSpot's 10-second window when core paces writes (request latency). */
const WINDOW_MARGIN_MS = 200;

/** Writes to HubSpot CRM objects (contacts, companies, deals, custom objects) through the batch APIs. */
export const hubspotDestination = defineDestinationPlugin<HubSpotDestinationOptions>({
  name: "hubspot",
  optionsSchema: hubspotDestinationOptionsSchema,
  async connect(options, context) {
    const baseUrl = (options.baseUrl ?? HUBSPOT_API_URL).replace(/\/+$/, "");
    try {
      const url = new URL(baseUrl);
      if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("protocol");
    } catch {
      throw new ConnectionError(
        `[reverse-etl] [hubspot] destination ${context.name}: baseUrl is not an http(s) URL; leave it out for ${HUBSPOT_API_URL} or give the emulator's URL.`,
      );
    }
    return new HubSpotConnection({
      accessToken: options.accessToken,
      baseUrl,
      logger: context.logger,
      capabilities: {
        modes: ["upsert", "update", "insert", "mirror"],
        maxBatchSize: MAX_BATCH_SIZE,
        maxConcurrency: options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
        rateLimits: [
          // Core counts write calls only; the properties read that precedes a run's first write (and the
          // schemas read of a custom object named by name) take from the same window, so one request of it
          // is left to them. Without it a run's 100th write in a fresh window is answered 429 and the
          // whole run waits out a 10-second window: 20,000 contacts took 30 s instead of 20 s. The window
          // is also counted 200 ms longer than HubSpot's: core counts a write when it starts and HubSpot
          // when the request arrives, so a window measured from the start would free a slot early.
          { requests: Math.max(1, (options.rateLimit?.requestsPer10s ?? DEFAULT_REQUESTS_PER_10S) - 1), perMs: 10_000 + WINDOW_MARGIN_MS },
          { requests: options.rateLimit?.daily ?? DEFAULT_DAILY, perMs: 86_400_000 },
        ],
      },
    });
  },
});
