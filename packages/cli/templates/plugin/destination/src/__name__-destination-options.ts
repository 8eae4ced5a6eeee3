import { defineOptionsSchema } from "@reverse-etl/core";

/**
 * Options of the __Title__ destination, written beside `plugin` in a destination of the config. One doc
 * comment per option: the schema below is type-checked against this interface, so the two never drift.
 */
export interface __Name__DestinationOptions {
  /**
   * API key of the __Title__ account, e.g. `env("__NAME___API_KEY")`. A secret (`secret: true` in the schema):
   * core redacts it, in every form a request carries it, from every output, and `validate` warns when a
   * config writes it literally.
   */
  apiKey: string;
  /** API host. Default `https://api.__name__.example`; the emulator's URL in tests. */
  baseUrl?: string;
  /** Requests per second the account may make; core's limiter stays under it. Default 10. */
  requestsPerSecond?: number;
  /** Batch requests in flight at once. Default 2. */
  maxConcurrency?: number;
  /** How long to wait for an answer before the batch is retried, in milliseconds. Default 30000. */
  timeoutMs?: number;
}

/** Default API host. */
export const __NAME___API_URL = "https://api.__name__.example";
/** __Title__'s published limit for a standard account. */
export const DEFAULT_REQUESTS_PER_SECOND = 10;
/** Two batches in flight keep the pipe full without crowding the rate limit. */
export const DEFAULT_MAX_CONCURRENCY = 2;
/** Default answer timeout. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * JSON schema of {@link __Name__DestinationOptions}. Core validates the user's options with it before
 * `connect` (and fills in the defaults); `defineOptionsSchema` checks it against the interface at compile
 * time: ajv's type asks each optional property for `nullable: true`. `secret: true` marks an option that
 * holds a credential (a token, a password, a private key).
 */
export const __nameCamel__DestinationOptionsSchema = defineOptionsSchema<__Name__DestinationOptions>({
  type: "object",
  properties: {
    apiKey: { type: "string", minLength: 1, secret: true, description: 'API key of the __Title__ account; write env("__NAME___API_KEY").' },
    baseUrl: { type: "string", pattern: "^https?://", default: __NAME___API_URL, nullable: true, description: "API host." },
    requestsPerSecond: { type: "integer", minimum: 1, default: DEFAULT_REQUESTS_PER_SECOND, nullable: true, description: "Requests per second." },
    maxConcurrency: { type: "integer", minimum: 1, maximum: 16, default: DEFAULT_MAX_CONCURRENCY, nullable: true, description: "Batches in flight." },
    timeoutMs: { type: "integer", minimum: 1, default: DEFAULT_TIMEOUT_MS, nullable: true, description: "Answer timeout in milliseconds." },
  },
  required: ["apiKey"],
  additionalProperties: false,
});

/** Options of one sync to __Title__: the sync's `options` in the config. */
export interface __Name__SyncOptions {
  /** A tag __Title__ shows on every record the sync writes, so its users see where a record came from. */
  tag?: string;
}

/** JSON schema of {@link __Name__SyncOptions}: the plugin's `syncOptionsSchema`. */
export const __nameCamel__SyncOptionsSchema = defineOptionsSchema<__Name__SyncOptions>({
  type: "object",
  properties: {
    tag: { type: "string", minLength: 1, maxLength: 64, nullable: true, description: "Tag shown on every record the sync writes." },
  },
  additionalProperties: false,
});
