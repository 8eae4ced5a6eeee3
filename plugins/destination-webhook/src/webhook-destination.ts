import { ConnectionError, SYNC_MODES, defineDestinationPlugin } from "@reverse-etl/core";
import { WebhookConnection } from "./webhook-connection.js";
import type { WebhookDestinationOptions } from "./webhook-destination-options.js";
import { webhookDestinationOptionsSchema } from "./webhook-destination-options.js";

/** Default records per request: small enough for a typical receiver's body limit (1 MB or so). */
const DEFAULT_BATCH_SIZE = 100;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_CONCURRENCY = 2;

/** POSTs JSON batches to a URL; 2xx accepts, 429/5xx/timeouts retry, other 4xx reject the batch. */
export const webhookDestination = defineDestinationPlugin<WebhookDestinationOptions>({
  name: "webhook",
  optionsSchema: webhookDestinationOptionsSchema,
  async connect(options, context) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      // The value may hold a token: it is not repeated here.
      throw new ConnectionError(
        `[reverse-etl] [webhook] destination ${context.name}: the url option is not a valid URL: write it in full, e.g. https://example.com/hooks/reverse-etl.`,
      );
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new ConnectionError(
        `[reverse-etl] [webhook] destination ${context.name}: the url option must start with http:// or https://, not ${url.protocol}//.`,
      );
    }
    const headers = { ...options.headers };
    // fetch refuses URLs with credentials; they become Basic auth, unless an authorization header is set.
    if (url.username !== "" || url.password !== "") {
      const hasAuthorization = Object.keys(headers).some((name) => name.toLowerCase() === "authorization");
      if (!hasAuthorization) {
        const userinfo = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
        headers.authorization = `Basic ${Buffer.from(userinfo).toString("base64")}`;
      }
      url.username = "";
      url.password = "";
    }
    return new WebhookConnection({
      url,
      headers,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      logger: context.logger,
      capabilities: {
        modes: SYNC_MODES,
        maxBatchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
        maxConcurrency: options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
        ...(options.rateLimit ? { rateLimits: [options.rateLimit] } : {}),
      },
    });
  },
});
