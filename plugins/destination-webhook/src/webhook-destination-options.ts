import { defineOptionsSchema, type RateLimit } from "@reverse-etl/core";

/** Options of `@reverse-etl/destination-webhook`, written beside `plugin` in the config. */
export interface WebhookDestinationOptions {
  /** Endpoint that receives the batches (http or https). */
  url: string;
  /**
   * Headers sent with every request, e.g. `{ authorization: env("WEBHOOK_TOKEN") }`. The values of headers
   * that carry credentials (`Authorization`, `Cookie`, names with `token`, `key`, `secret`, `auth`, ...) are
   * secret options: redacted from all output, and `validate` warns when they are written literally.
   */
  headers?: Record<string, string>;
  /** Records per request. Default 100, at most 10000. */
  batchSize?: number;
  /** How long to wait for a response before the batch is retried. Default 30000 ms. */
  timeoutMs?: number;
  /** Requests in flight at once. Default 2. */
  maxConcurrency?: number;
  /** At most `requests` requests per `perMs` milliseconds, e.g. `{ requests: 10, perMs: 1000 }`. */
  rateLimit?: RateLimit;
}

/** Header names containing any of these words, in any case, carry credentials: their values are secret options. */
const CREDENTIAL_HEADER = ["auth", "token", "key", "secret", "cookie", "signature", "credential", "password", "session"].map(anyCase).join("|");

/** A regular expression source matching `word` in any letter case (JSON schema patterns have no `i` flag). */
function anyCase(word: string): string {
  return [...word].map((c) => (/[a-z]/.test(c) ? `[${c}${c.toUpperCase()}]` : c)).join("");
}

/**
 * JSON schema of {@link WebhookDestinationOptions}, type-checked against it. The defaults of `batchSize`,
 * `timeoutMs` and `maxConcurrency` are also constants of webhook-destination.ts, for callers of `connect` that
 * skip validation: keep both equal.
 */
export const webhookDestinationOptionsSchema = defineOptionsSchema<WebhookDestinationOptions>({
  type: "object",
  properties: {
    url: { type: "string", minLength: 1, description: "Endpoint that receives the batches (http or https)." },
    headers: {
      type: "object",
      // Credential headers are secret; the others (Content-Type, a tenant id) stay readable in messages.
      patternProperties: { [CREDENTIAL_HEADER]: { type: "string", secret: true } },
      additionalProperties: { type: "string" },
      required: [],
      nullable: true,
      description: "Headers sent with every request; those carrying credentials are secrets.",
    },
    batchSize: { type: "integer", minimum: 1, maximum: 10000, default: 100, nullable: true, description: "Records per request. Default 100." },
    timeoutMs: { type: "integer", minimum: 1, default: 30000, nullable: true, description: "Response timeout in milliseconds. Default 30000." },
    maxConcurrency: { type: "integer", minimum: 1, maximum: 64, default: 2, nullable: true, description: "Requests in flight at once. Default 2." },
    rateLimit: {
      type: "object",
      properties: {
        requests: { type: "integer", minimum: 1, description: "At most this many requests ..." },
        perMs: { type: "integer", minimum: 1, description: "... per this many milliseconds." },
      },
      required: ["requests", "perMs"],
      additionalProperties: false,
      nullable: true,
    },
  },
  required: ["url"],
  additionalProperties: false,
});
