import type { FieldValue } from "@reverse-etl/core";

/** A converted value, or why it cannot be sent. */
export type Converted<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/**
 * An identifier (`userId`, `anonymousId`, `groupId`) as Segment takes it: a string (the spec's common
 * fields, https://segment.com/docs/connections/spec/common/; `@segment/analytics-node` throws on a numeric
 * `userId`). Numbers and booleans become their text; null and "" are absent.
 */
export function idValue(value: FieldValue | undefined): Converted<string | undefined> {
  if (value === null || value === undefined || value === "") return { ok: true, value: undefined };
  if (typeof value === "string") return { ok: true, value };
  if (typeof value === "number" || typeof value === "boolean") return { ok: true, value: String(value) };
  return { ok: false, message: `is ${Array.isArray(value) ? "a list" : "an object"}, not a single id` };
}

/** A timestamp without a zone, as some warehouses render it: read as UTC, as the sources read it. */
const ZONELESS = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/;

/**
 * A call's `timestamp` (ISO 8601, https://segment.com/docs/connections/spec/common/#timestamps) from a
 * column's value: a timestamp or a date (`2024-01-02` is midnight UTC). Null gives undefined (the call then
 * takes the run's time).
 */
export function timestampValue(value: FieldValue | undefined): Converted<string | undefined> {
  if (value === null || value === undefined) return { ok: true, value: undefined };
  if (typeof value !== "string") return { ok: false, message: `holds ${typeof value === "object" ? "an object" : `a ${typeof value}`}, not a timestamp or a date` };
  const zoneless = ZONELESS.exec(value);
  const text = zoneless ? `${zoneless[1]}T${zoneless[2]}Z` : /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
  const ms = Date.parse(text);
  if (!Number.isFinite(ms) || !/^[+-]?\d{4,6}-\d{2}-\d{2}/.test(text)) return { ok: false, message: `holds ${JSON.stringify(value)}, not an ISO 8601 timestamp or date` };
  return { ok: true, value: new Date(ms).toISOString() };
}

/** JSON with object keys sorted at every level: the same content always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}
