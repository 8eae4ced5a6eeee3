import { randomUUID } from "node:crypto";

/**
 * Error bodies in HubSpot's shape. Source: https://developers.hubspot.com/docs/guides/api/error-handling
 * (status, message, correlationId, category, errors[]) and the vendor notes in the repository.
 */

/** A JSON body with its HTTP status. */
export interface EmulatorResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** One invalid property value, as HubSpot lists them inside a VALIDATION_ERROR message. */
export interface PropertyIssue {
  /** Property name. */
  readonly name: string;
  /** HubSpot's error code, e.g. `INVALID_EMAIL`, `PROPERTY_DOESNT_EXIST`, `INVALID_OPTION`. */
  readonly error: string;
  /** Human-readable message. */
  readonly message: string;
}

/** The `{status:"error", ...}` envelope of every HubSpot error. */
export function errorBody(category: string, message: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { status: "error", message, correlationId: randomUUID(), category, ...extra };
}

/**
 * The message of a validation failure: HubSpot embeds the JSON list of invalid values in the text,
 * e.g. `Property values were not valid: [{"isValid":false,"message":"Property \"x\" does not exist",...}]`.
 */
export function validationMessage(issues: readonly PropertyIssue[]): string {
  const list = issues.map((i) => ({ isValid: false, message: i.message, error: i.error, name: i.name }));
  return `Property values were not valid: ${JSON.stringify(list)}`;
}

/** The `errors[]` entries of a validation failure. */
export function validationErrors(issues: readonly PropertyIssue[]): Array<Record<string, unknown>> {
  return issues.map((i) => ({ message: i.message, code: i.error, context: { propertyName: [i.name] } }));
}

/** A whole-request 400 VALIDATION_ERROR naming the invalid values. */
export function validationFailure(issues: readonly PropertyIssue[]): EmulatorResponse {
  return { status: 400, body: errorBody("VALIDATION_ERROR", validationMessage(issues), { errors: validationErrors(issues) }) };
}

/** A plain 400 VALIDATION_ERROR with a message (malformed input). */
export function badRequest(message: string): EmulatorResponse {
  return { status: 400, body: errorBody("VALIDATION_ERROR", message) };
}
