/**
 * Salesforce's error bodies. REST errors are an array of `{message, errorCode}` (plus `fields` for field
 * errors); a record's error inside a result (SaveResult, UpsertResult) is `{statusCode, message, fields}`.
 * Source: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm (status
 * codes and error responses) and https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_concepts_core_data_objects.htm#i1421192
 * (StatusCode values of record errors).
 */

/** An answer of the emulator: status, body (JSON unless `text` is given) and headers. */
export interface EmulatorResponse {
  readonly status: number;
  /** A JSON body. */
  readonly body?: unknown;
  /** A text body with its content type (CSV results), instead of JSON. */
  readonly text?: { readonly contentType: string; readonly content: string };
  readonly headers?: Readonly<Record<string, string>>;
}

/** One error of a record's result, as Salesforce reports it. */
export interface RecordError {
  readonly statusCode: string;
  readonly message: string;
  readonly fields: readonly string[];
}

/** A REST error answer: `[{message, errorCode}]`, with `fields` when given. */
export function restError(status: number, errorCode: string, message: string, fields?: readonly string[]): EmulatorResponse {
  return { status, body: [{ message, errorCode, ...(fields ? { fields } : {}) }] };
}

/** 404 for an unknown resource, as the REST API answers it. */
export function notFound(): EmulatorResponse {
  return restError(404, "NOT_FOUND", "The requested resource does not exist");
}

/** 400 for a body that is not valid JSON. */
export function jsonParserError(detail: string): EmulatorResponse {
  return restError(400, "JSON_PARSER_ERROR", detail);
}

/** A thrown field-level problem that fails the whole request (deserialization of the body, unknown field). */
export class RequestError extends Error {
  constructor(readonly response: EmulatorResponse) {
    super(JSON.stringify(response.body));
  }
}

/** 401 for a missing, unknown or expired session. */
export const INVALID_SESSION: EmulatorResponse = restError(401, "INVALID_SESSION_ID", "Session expired or invalid");
