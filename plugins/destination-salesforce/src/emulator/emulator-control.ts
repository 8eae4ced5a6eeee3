import type { EmulatorResponse } from "./emulator-errors.js";
import { RequestError, restError } from "./emulator-errors.js";
import type { StoredValue } from "./emulator-field-rules.js";
import { readRecord } from "./emulator-field-rules.js";
import type { EmulatorOrg } from "./emulator-org.js";
import type { FieldInput, SObjectInput } from "./emulator-schema.js";

/** One request the emulator answered (test endpoints excluded). */
export interface EmulatorRequest {
  readonly method: string;
  /** Path without query string. */
  readonly path: string;
  readonly status: number;
  /** Records in a collections body. */
  readonly records?: number;
  /** Clock value when it was answered. */
  readonly at: number;
}

/** A running Salesforce emulator, with the test-only controls beside the API. */
export interface SalesforceEmulator {
  /** Base URL: the instance URL and the login URL. */
  readonly url: string;
  /** Newest API version served, e.g. `65.0`. */
  readonly apiVersion: string;
  /** Every API version served. */
  readonly apiVersions: readonly string[];
  /** The org's id. */
  readonly orgId: string;
  /** The integration user's username (the JWT bearer flow's `sub`). */
  readonly username: string;
  /** An access token valid from the start (until it times out or `expireSessions`). */
  readonly accessToken: string;
  /** The connected app's consumer key. */
  readonly clientId: string;
  /** Its consumer secret. */
  readonly clientSecret: string;
  /** A refresh token issued to it. */
  readonly refreshToken: string;
  /** Every API request answered, in order. */
  readonly requestLog: readonly EmulatorRequest[];
  /** The org's data (objects and records), for tests that look inside. */
  readonly org: EmulatorOrg;
  /** API requests counted in the rolling 24 hours, the allocation, and requests refused for it. */
  readonly apiUsage: { readonly used: number; readonly max: number; readonly refused: number };
  /** Define a custom object; returns its name. */
  defineObject(input: SObjectInput): string;
  /** Add a custom field to an object. */
  defineField(object: string, field: FieldInput): void;
  /** Preload records, read by the fields' types but without the field rules; returns their ids. */
  seed(object: string, records: ReadonlyArray<Record<string, unknown>>): string[];
  /** Every live record of an object, in creation order: field name -> value (null when unset). */
  dump(object: string): Array<Record<string, StoredValue>>;
  /** Change the daily API allocation. */
  setDailyApiRequests(max: number): void;
  /** Count requests as other integrations of the org would. */
  useApiRequests(count: number): void;
  /** Forget the requests counted so far. */
  resetApiUsage(): void;
  /** End every session: the next request with any token gets 401 INVALID_SESSION_ID. */
  expireSessions(): void;
  /** Issue a new access token for the integration user. */
  issueAccessToken(): string;
  /** Answer the next `count` API requests with `status` (default 503) without handling them. */
  failNext(count: number, status?: number): void;
  /** Fail the next `count` record saves or deletes with UNABLE_TO_LOCK_ROW. */
  lockNextRecords(count: number): void;
  /** Stop listening and drop everything. Safe to call twice. */
  close(): Promise<void>;
}

/** `seed`: records read by type, created without the field rules. */
export function emulatorSeed(org: EmulatorOrg, objectName: string, records: ReadonlyArray<Record<string, unknown>>): string[] {
  const object = org.requireObject(objectName);
  return records.map((record) => org.create(object, readRecord(object, record, ["attributes", "Id"])).id);
}

/** `dump`: every live record, every field. */
export function emulatorDump(org: EmulatorOrg, objectName: string): Array<Record<string, StoredValue>> {
  const object = org.requireObject(objectName);
  return [...org.records(object)].map((record) => {
    const out: Record<string, StoredValue> = {};
    for (const field of object.fields.values()) out[field.name] = record.values.get(field.name) ?? null;
    return out;
  });
}

/**
 * Test endpoints under `/_emulator/` (no session, not counted), so a test or script can seed and read an
 * emulator started by `reverse-etl emulate salesforce` in another process:
 * `GET|POST /_emulator/objects/{object}/records`, `POST /_emulator/objects`, `POST /_emulator/objects/{object}/fields`,
 * `GET /_emulator/stats`, `POST /_emulator/faults` (`{"status": 503, "count": 3}` or `{"lockRecords": 5}`),
 * `POST /_emulator/sessions/expire`.
 */
export function handleTestEndpoint(emulator: SalesforceEmulator, method: string, path: string, text: string): EmulatorResponse {
  const parts = path.split("/").filter(Boolean).slice(1).map(decodeURIComponent);
  let body: Record<string, unknown> = {};
  try {
    if (text !== "") body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return restError(400, "JSON_PARSER_ERROR", "The body is not JSON");
  }
  try {
    if (parts[0] === "stats" && method === "GET") return { status: 200, body: { apiUsage: emulator.apiUsage, requests: emulator.requestLog.length } };
    if (parts[0] === "sessions" && parts[1] === "expire" && method === "POST") {
      emulator.expireSessions();
      return { status: 204 };
    }
    if (parts[0] === "faults" && method === "POST") {
      if (typeof body.count === "number") emulator.failNext(body.count, typeof body.status === "number" ? body.status : 503);
      if (typeof body.lockRecords === "number") emulator.lockNextRecords(body.lockRecords);
      return { status: 204 };
    }
    if (parts[0] === "objects" && parts.length === 1 && method === "POST") return { status: 201, body: { name: emulator.defineObject(body as unknown as SObjectInput) } };
    if (parts[0] === "objects" && parts[2] === "fields" && method === "POST") {
      emulator.defineField(parts[1]!, body as unknown as FieldInput);
      return { status: 201 };
    }
    if (parts[0] === "objects" && parts[2] === "records") {
      if (method === "GET") return { status: 200, body: { records: emulator.dump(parts[1]!) } };
      if (method === "POST") return { status: 201, body: { ids: emulator.seed(parts[1]!, (body.records as Array<Record<string, unknown>>) ?? []) } };
    }
  } catch (error) {
    if (error instanceof RequestError) return error.response;
    return restError(400, "INVALID_INPUT", error instanceof Error ? error.message : String(error));
  }
  return restError(404, "NOT_FOUND", "Unknown emulator endpoint");
}
