import type { FieldValue } from "@reverse-etl/core";
import type { FieldShape } from "./salesforce-describe.js";

/**
 * Model values converted as Salesforce takes them, by the field's type: text as text; numbers as JSON
 * numbers; booleans; dates as `YYYY-MM-DD`; datetimes in UTC (`2026-01-31T09:30:00.000Z`, a value without
 * an offset read as UTC); multi-select picklists joined with `;`; null clears the field. Values the type
 * cannot take are refused here, before Salesforce would refuse the whole request (JSON_PARSER_ERROR).
 * Source: https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/field_types.htm and
 * https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/primitive_data_types.htm.
 */

/** A converted value, or why it cannot be sent. */
export type ConvertedValue = { readonly ok: true; readonly value: string | number | boolean | null } | { readonly ok: false; readonly message: string };

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const DATE_PREFIX = /^(\d{4}-\d{2}-\d{2})/;

/** Convert one value for a field (undefined field: sent as given, Salesforce names the problem). */
export function convertValue(value: FieldValue, field: FieldShape | undefined): ConvertedValue {
  if (value === null) return { ok: true, value: null };
  const ok = (v: string | number | boolean): ConvertedValue => ({ ok: true, value: v });
  const bad = (why: string): ConvertedValue => ({ ok: false, message: `value ${preview(value)} of field ${field?.name} ${why}` });
  if (!field) return ok(typeof value === "object" ? JSON.stringify(value) : value);
  switch (field.type) {
    case "boolean": {
      if (typeof value === "boolean") return ok(value);
      const text = String(value).trim().toLowerCase();
      if (text === "true" || text === "1") return ok(true);
      if (text === "false" || text === "0") return ok(false);
      return bad("is not a boolean (true/false)");
    }
    case "int": {
      const n = typeof value === "number" ? value : typeof value === "string" && NUMBER.test(value.trim()) ? Number(value.trim()) : NaN;
      if (Number.isInteger(n)) return ok(n);
      return bad("is not an integer");
    }
    case "double":
    case "currency":
    case "percent": {
      if (typeof value === "number" && Number.isFinite(value)) return ok(value);
      if (typeof value === "string" && NUMBER.test(value.trim())) return ok(Number(value.trim()));
      return bad("is not a number");
    }
    case "date": {
      if (typeof value === "number") return Number.isFinite(value) ? ok(new Date(value).toISOString().slice(0, 10)) : bad("is not a date");
      const match = typeof value === "string" ? DATE_PREFIX.exec(value.trim()) : null;
      if (match && !Number.isNaN(Date.parse(`${match[1]}T00:00:00Z`))) return ok(match[1]!);
      return bad("is not a date (YYYY-MM-DD)");
    }
    case "datetime": {
      const iso = toUtcDateTime(value);
      return iso === undefined ? bad("is not a datetime (ISO 8601 or milliseconds since epoch)") : ok(iso);
    }
    case "multipicklist": {
      const values = Array.isArray(value) ? value.map(asText) : asText(value).split(";");
      return ok(values.map((v) => v.trim()).filter((v) => v !== "").join(";"));
    }
    default:
      if (Array.isArray(value)) return bad("is a list; only a multi-select picklist takes several values");
      return ok(asText(value));
  }
}

/** A datetime value in UTC ISO 8601, or undefined. */
export function toUtcDateTime(value: FieldValue): string | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? new Date(value).toISOString() : undefined;
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  // A timestamp without an offset is read as UTC, like the warehouse's timestamp without time zone.
  const withZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(text) ? text : /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : `${text.replace(" ", "T")}Z`;
  const ms = Date.parse(withZone.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"));
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function asText(value: FieldValue): string {
  if (value === null) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function preview(value: FieldValue): string {
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * A converted value as a Bulk API CSV cell: null (and an empty text, which Salesforce stores as null) is
 * `#N/A`, since an empty cell would leave the field unchanged; numbers without exponents; booleans as
 * `true`/`false`. Source: https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/datafiles_prepare_csv.htm
 */
export function toCsvCell(value: string | number | boolean | null): string {
  if (value === null || value === "") return "#N/A";
  if (typeof value === "number") return /e/i.test(String(value)) ? value.toLocaleString("en-US", { useGrouping: false, maximumFractionDigits: 20 }) : String(value);
  return String(value);
}
