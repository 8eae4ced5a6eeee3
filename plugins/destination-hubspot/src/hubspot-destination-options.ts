import { defineOptionsSchema } from "@reverse-etl/core";

/** Options of `@reverse-etl/destination-hubspot`, written beside `plugin` in the config. */
export interface HubSpotDestinationOptions {
  /**
   * A private app access token or an OAuth access token, e.g. `env("HUBSPOT_TOKEN")`. A secret: never
   * logged and never put in messages. Needs the `crm.objects.<object>.read/write` and
   * `crm.schemas.<object>.read` scopes of the synced objects.
   */
  accessToken: string;
  /** API host. Default `https://api.hubapi.com`; point it at the emulator (`reverse-etl emulate hubspot`) in tests. */
  baseUrl?: string;
  /**
   * The account's API limits, which core's limiter stays under. Defaults are HubSpot's published limits
   * for a Free/Starter private app: 100 requests per 10 seconds and 250,000 per day.
   */
  rateLimit?: {
    /** Requests per rolling 10-second window. Default 100 (Professional/Enterprise: 190). */
    requestsPer10s?: number;
    /** Requests per day. Default 250000. */
    daily?: number;
  };
  /** Batch requests in flight at once. Default 4. */
  maxConcurrency?: number;
}

/** Default API host. */
export const HUBSPOT_API_URL = "https://api.hubapi.com";

/**
 * JSON schema of {@link HubSpotDestinationOptions}, type-checked against it. The defaults of `rateLimit` and
 * `maxConcurrency` are also constants of hubspot-destination.ts (and `baseUrl`'s is {@link HUBSPOT_API_URL}), for
 * callers of `connect` that skip validation: keep both equal.
 */
export const hubspotDestinationOptionsSchema = defineOptionsSchema<HubSpotDestinationOptions>({
  type: "object",
  properties: {
    accessToken: { type: "string", minLength: 1, secret: true, description: "Private app or OAuth access token; use env(\"HUBSPOT_TOKEN\")." },
    baseUrl: { type: "string", minLength: 1, default: HUBSPOT_API_URL, nullable: true, description: "API host. Default https://api.hubapi.com." },
    rateLimit: {
      type: "object",
      properties: {
        requestsPer10s: { type: "integer", minimum: 1, default: 100, nullable: true, description: "Requests per rolling 10-second window. Default 100." },
        daily: { type: "integer", minimum: 1, default: 250000, nullable: true, description: "Requests per day. Default 250000." },
      },
      additionalProperties: false,
      nullable: true,
    },
    maxConcurrency: { type: "integer", minimum: 1, maximum: 32, default: 4, nullable: true, description: "Batch requests in flight at once. Default 4." },
  },
  required: ["accessToken"],
  additionalProperties: false,
});
