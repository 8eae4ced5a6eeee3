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
          // HubSpot counts every request (https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details),
          // and so does core's limiter: one per write call, and the plugin takes the others a write makes
          // (a mirror delete's read and archive, the properties read) with acquireRequests. The window is
          // counted 200 ms longer than HubSpot's: core counts a request when it is granted and HubSpot when
          // it arrives, so a window measured from the grant would free a slot early.
          { requests: options.rateLimit?.requestsPer10s ?? DEFAULT_REQUESTS_PER_10S, perMs: 10_000 + WINDOW_MARGIN_MS },
          { requests: options.rateLimit?.daily ?? DEFAULT_DAILY, perMs: 86_400_000 },
        ],
      },
    });
  },
});
