import type { JsonSchema } from "@reverse-etl/core";

/**
 * Options of `@reverse-etl/destination-salesforce`, written beside `plugin` in the config. Authenticate one
 * way: `accessToken`; `clientId` + `clientSecret` + `refreshToken` (refresh-token flow); `clientId` +
 * `clientSecret` (client-credentials flow); or `clientId` + `username` + `privateKey` (JWT bearer flow).
 * Secrets (`accessToken`, `clientSecret`, `refreshToken`, `privateKey`) belong in `env("...")`: they are
 * never logged nor put in messages.
 */
export interface SalesforceDestinationOptions {
  /** The org's My Domain URL, e.g. `https://acme.my.salesforce.com`. Required with `accessToken` and the client-credentials flow; the other flows learn it from the token answer. */
  instanceUrl?: string;
  /** Where tokens are requested (refresh-token and JWT flows). Default `https://login.salesforce.com`; `https://test.salesforce.com` for sandboxes; or the My Domain URL. */
  loginUrl?: string;
  /** REST API version, e.g. `64.0`. Default `64.0`. */
  apiVersion?: string;
  /** An access token (session id). It cannot be renewed: a run stops when it expires. */
  accessToken?: string;
  /** The connected app's consumer key (refresh-token, client-credentials and JWT flows). */
  clientId?: string;
  /** The connected app's consumer secret (refresh-token and client-credentials flows). */
  clientSecret?: string;
  /** A refresh token issued to the connected app (refresh-token flow). */
  refreshToken?: string;
  /** The user the JWT bearer flow signs in as. */
  username?: string;
  /** PEM private key whose certificate is uploaded to the connected app (JWT bearer flow). `\n` escapes are read as new lines. */
  privateKey?: string;
  /** Share of the org's daily API allocation left to its other integrations: a run stops (partial) before using it. Default 0.2. */
  apiReserve?: number;
  /** Requests in flight at once. Default 4 (Developer Edition allows 5 long-running requests, production orgs 25). */
  maxConcurrency?: number;
  /** Milliseconds to wait for one answer before treating the request as failed (and retrying it). Default 120000. */
  requestTimeoutMs?: number;
  /** First wait before polling a Bulk API job, in milliseconds; each further wait is 1.5 times longer, up to 10 s. Default 500. */
  bulkPollIntervalMs?: number;
  /** How long the end of a run waits for its Bulk API jobs; records of jobs still running are sent again next run. Default 1800000 (30 min). */
  bulkTimeoutMs?: number;
}

/** Options of one sync, under its `options`. */
export interface SalesforceSyncOptions {
  /** `auto` (default): Bulk API 2.0 for runs of at least `bulkThreshold` records, sObject Collections below; `always`; `never`. */
  bulk: "auto" | "always" | "never";
  /** Records a run sends at which `auto` switches to the Bulk API. Default 2000. */
  bulkThreshold: number;
  /** Records a Bulk API job holds at most (a job also stays under 100 MB of CSV). Default 150000. */
  bulkJobSize: number;
}

/** Default login host. */
export const SALESFORCE_LOGIN_URL = "https://login.salesforce.com";
/** Default API version. */
export const DEFAULT_API_VERSION = "64.0";

/** JSON schema of {@link SalesforceDestinationOptions}. */
export const salesforceDestinationOptionsSchema: JsonSchema = {
  type: "object",
  properties: {
    instanceUrl: { type: "string", minLength: 1, description: "The org's My Domain URL, e.g. https://acme.my.salesforce.com." },
    loginUrl: { type: "string", minLength: 1, default: SALESFORCE_LOGIN_URL, description: "Token host: https://login.salesforce.com, https://test.salesforce.com (sandboxes) or the My Domain URL." },
    apiVersion: { type: "string", pattern: "^\\d{2,3}\\.0$", default: DEFAULT_API_VERSION, description: "REST API version, e.g. 64.0." },
    accessToken: { type: "string", minLength: 1, secret: true, description: "An access token; use env(\"SALESFORCE_ACCESS_TOKEN\")." },
    clientId: { type: "string", minLength: 1, description: "Connected app consumer key." },
    clientSecret: { type: "string", minLength: 1, secret: true, description: "Connected app consumer secret; use env(...)." },
    refreshToken: { type: "string", minLength: 1, secret: true, description: "Refresh token of the connected app; use env(...)." },
    username: { type: "string", minLength: 1, description: "User of the JWT bearer flow." },
    privateKey: { type: "string", minLength: 1, secret: true, description: "PEM private key of the JWT bearer flow; use env(...)." },
    apiReserve: { type: "number", minimum: 0, maximum: 0.95, default: 0.2, description: "Share of the daily API allocation left to other integrations. Default 0.2." },
    maxConcurrency: { type: "integer", minimum: 1, maximum: 25, default: 4, description: "Requests in flight at once. Default 4." },
    requestTimeoutMs: { type: "integer", minimum: 1000, default: 120000, description: "Timeout of one request in milliseconds. Default 120000." },
    bulkPollIntervalMs: { type: "integer", minimum: 10, default: 500, description: "First wait before polling a Bulk API job, in milliseconds. Default 500." },
    bulkTimeoutMs: { type: "integer", minimum: 1000, default: 1800000, description: "How long a run waits for its Bulk API jobs. Default 1800000." },
  },
  additionalProperties: false,
};

/** JSON schema of {@link SalesforceSyncOptions}. */
export const salesforceSyncOptionsSchema: JsonSchema = {
  type: "object",
  properties: {
    bulk: { enum: ["auto", "always", "never"], default: "auto", description: "Bulk API 2.0: auto (by size), always, never." },
    bulkThreshold: { type: "integer", minimum: 1, default: 2000, description: "Records a run sends at which auto uses the Bulk API. Default 2000." },
    bulkJobSize: { type: "integer", minimum: 1, maximum: 150000000, default: 150000, description: "Records a Bulk API job holds at most. Default 150000." },
  },
  additionalProperties: false,
};
