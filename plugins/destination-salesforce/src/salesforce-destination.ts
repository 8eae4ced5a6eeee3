import { ConfigError, defineDestinationPlugin, secrets } from "@reverse-etl/core";
import { SalesforceApi } from "./salesforce-api.js";
import { authMethodOf, privateKeyProblem, secretsOf } from "./salesforce-auth.js";
import { DEFAULT_BULK_SETTINGS } from "./salesforce-bulk.js";
import { SalesforceConnection } from "./salesforce-connection.js";
import type { SalesforceDestinationOptions } from "./salesforce-destination-options.js";
import { DEFAULT_API_VERSION, salesforceDestinationOptionsSchema, salesforceSyncOptionsSchema } from "./salesforce-destination-options.js";

/** sObject Collections take at most 200 records a request. */
const MAX_BATCH_SIZE = 200;
/**
 * Requests in flight at once. Salesforce allows 25 concurrent requests running over 20 seconds per
 * production org (5 in Developer Edition): https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_api.htm
 */
const DEFAULT_MAX_CONCURRENCY = 4;

/** Writes to Salesforce sObjects (standard and custom) through sObject Collections and Bulk API 2.0. */
export const salesforceDestination = defineDestinationPlugin<SalesforceDestinationOptions>({
  name: "salesforce",
  optionsSchema: salesforceDestinationOptionsSchema,
  syncOptionsSchema: salesforceSyncOptionsSchema,
  async connect(options, context) {
    for (const secret of secretsOf(options)) secrets.add(secret);
    const auth = authMethodOf(options);
    const problem = "problem" in auth ? auth.problem : auth.kind === "jwt" ? privateKeyProblem(options.privateKey!) : undefined;
    if (problem) throw new ConfigError(undefined, [{ path: `/destinations/${context.name}`, message: `[salesforce] ${problem}` }]);
    const api = new SalesforceApi({
      auth: auth as Exclude<typeof auth, { problem: string }>,
      apiVersion: options.apiVersion ?? DEFAULT_API_VERSION,
      timeoutMs: options.requestTimeoutMs ?? 120_000,
      reserve: options.apiReserve ?? 0.2,
      destination: context.name,
      logger: context.logger,
    });
    return new SalesforceConnection(
      api,
      { modes: ["upsert", "update", "insert", "mirror"], maxBatchSize: MAX_BATCH_SIZE, maxConcurrency: options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY },
      context.name,
      { ...DEFAULT_BULK_SETTINGS, ...(options.bulkPollIntervalMs !== undefined ? { pollInitialMs: options.bulkPollIntervalMs } : {}), ...(options.bulkTimeoutMs !== undefined ? { timeoutMs: options.bulkTimeoutMs } : {}) },
      context.logger,
    );
  },
});
