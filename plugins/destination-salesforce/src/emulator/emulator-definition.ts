import { readFileSync } from "node:fs";
import { defineEmulator } from "@reverse-etl/core";
import type { StartEmulatorOptions } from "@reverse-etl/core";
import type { FieldInput, SObjectInput } from "./emulator-schema.js";
import type { SalesforceEmulator } from "./emulator-control.js";
import { startSalesforceEmulator } from "./salesforce-emulator.js";

/** A schema file's shape: custom objects, and custom fields by object. */
interface SchemaFile {
  readonly objects?: readonly SObjectInput[];
  readonly fields?: Readonly<Record<string, readonly FieldInput[]>>;
}

function text(options: StartEmulatorOptions, name: string): string | undefined {
  const value = options[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

function integer(options: StartEmulatorOptions, name: string): number | undefined {
  const value = options[name];
  return typeof value === "number" ? value : typeof value === "string" && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** Start from the options `reverse-etl emulate salesforce` passes (flag values). */
export async function startFromFlags(options: StartEmulatorOptions): Promise<SalesforceEmulator> {
  const schemaFile = text(options, "schema");
  const schema = schemaFile ? (JSON.parse(readFileSync(schemaFile, "utf8")) as SchemaFile) : {};
  const token = text(options, "token") ?? text(options, "accessToken");
  const clientId = text(options, "clientId");
  const clientSecret = text(options, "clientSecret");
  const refreshToken = text(options, "refreshToken");
  const daily = integer(options, "dailyApiRequests") ?? integer(options, "dailyLimit");
  const timeout = integer(options, "sessionTimeoutMs");
  const bulk = integer(options, "bulkProcessingMs");
  return startSalesforceEmulator({
    port: typeof options.port === "number" ? options.port : 0,
    host: typeof options.host === "string" ? options.host : "127.0.0.1",
    ...(token ? { accessToken: token } : {}),
    ...(clientId ? { clientId } : {}),
    ...(clientSecret ? { clientSecret } : {}),
    ...(refreshToken ? { refreshToken } : {}),
    ...(daily !== undefined ? { dailyApiRequests: daily } : {}),
    ...(timeout !== undefined ? { sessionTimeoutMs: timeout } : {}),
    ...(bulk !== undefined ? { bulkProcessingMs: bulk } : {}),
    ...(schema.objects ? { objects: schema.objects } : {}),
    ...(schema.fields ? { fields: schema.fields } : {}),
  });
}

/** The Salesforce emulator as `reverse-etl emulate salesforce` runs it (core's emulator contract). */
export const salesforceEmulator = defineEmulator({
  name: "salesforce",
  description: "Salesforce's REST API (OAuth token endpoint, describe, sObject Collections, SOQL, limits) and Bulk API 2.0 ingest jobs, in memory.",
  options: {
    token: { type: "string", description: "An access token the emulator accepts from the start. Default: a new one." },
    clientId: { type: "string", description: "Consumer key of the emulated connected app.", default: "emulator-client-id" },
    clientSecret: { type: "string", description: "Its consumer secret.", default: "emulator-client-secret" },
    refreshToken: { type: "string", description: "A refresh token issued to it.", default: "emulator-refresh-token" },
    dailyApiRequests: { type: "integer", description: "API requests allowed per rolling 24 hours (Developer Edition: 15000).", default: 15000 },
    sessionTimeoutMs: { type: "integer", description: "Inactivity after which a session expires, in milliseconds.", default: 7_200_000 },
    bulkProcessingMs: { type: "integer", description: "Time a Bulk API job waits to start, and each of its 10,000-record batches takes, in milliseconds.", default: 20 },
    schema: { type: "string", description: "A JSON file of custom objects and fields to define: {\"objects\": [...], \"fields\": {\"Contact\": [...]}}." },
  },
  async start(options) {
    const emulator = await startFromFlags(options);
    return {
      url: emulator.url,
      // The refresh-token flow: sessions renew themselves however long the emulator runs.
      options: { loginUrl: emulator.url, clientId: emulator.clientId, clientSecret: emulator.clientSecret, refreshToken: emulator.refreshToken },
      close: () => emulator.close(),
    };
  },
});
