import type { FieldValue } from "@reverse-etl/core";

/**
 * Conversion of model values to HubSpot property values, and the checks made before sending.
 * Source: https://developers.hubspot.com/docs/guides/api/crm/properties#property-type-and-fieldtype-values
 */

/** What the plugin needs to know of a HubSpot property to convert and check values. */
export interface PropertyShape {
  readonly name: string;
  /** HubSpot type: string, number, date, datetime, enumeration, bool, phone_number. */
  readonly type: string;
  /** HubSpot field type; `checkbox` enumerations take several values joined by `;`. */
  readonly fieldType: string;
  /** Option values of enumerations (and bool). */
  readonly options: readonly string[];
  /** The value cannot be written (read-only or calculated). */
  readonly readOnly: boolean;
}

/** A converted value, or why it cannot be sent. */
export type ConvertedValue = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly message: string };

const ISO_DATE_PREFIX = /^(\d{4}-\d{2}-\d{2})/;
const NUMBER = /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/**
 * Convert one value for a property. `null` becomes "" (HubSpot clears the property). Unknown properties
 * (no shape) are sent as text; HubSpot will refuse them and core's mapping check names them first.
 */
export function convertValue(value: FieldValue, property: PropertyShape | undefined): ConvertedValue {
  if (value === null) return { ok: true, value: "" };
  const ok = (text: string): ConvertedValue => ({ ok: true, value: text });
  const bad = (why: string): ConvertedValue => ({
    ok: false,
    message: `value ${preview(value)} of property "${property?.name}" ${why}`,
  });
  if (!property) return ok(asText(value));
  switch (property.type) {
    case "number": {
      if (typeof value === "number") return Number.isFinite(value) ? ok(String(value)) : bad("is not a finite number");
      if (typeof value === "string" && NUMBER.test(value.trim())) return ok(value.trim());
      return bad("is not a number");
    }
    case "bool": {
      if (typeof value === "boolean") return ok(String(value));
      const text = String(value).trim().toLowerCase();
      if (text === "true" || text === "1") return ok("true");
      if (text === "false" || text === "0") return ok("false");
      return bad("is not a boolean (true/false)");
    }
    case "date": {
      // HubSpot stores dates as midnight UTC; the calendar date of the value is sent as YYYY-MM-DD.
      if (typeof value === "number") return Number.isFinite(value) ? ok(new Date(value).toISOString().slice(0, 10)) : bad("is not a date");
      const match = typeof value === "string" ? ISO_DATE_PREFIX.exec(value.trim()) : null;
      if (match && !Number.isNaN(Date.parse(`${match[1]}T00:00:00Z`))) return ok(match[1]);
      return bad("is not a date (YYYY-MM-DD)");
    }
    case "datetime": {
      if (typeof value === "number") return Number.isFinite(value) ? ok(new Date(value).toISOString()) : bad("is not a datetime");
      if (typeof value === "string") {
        const text = value.trim();
        // A datetime without an offset is read as UTC, like the warehouse's timestamp without time zone.
        const ms = Date.parse(/T|\s/.test(text) && !/(Z|[+-]\d{2}:?\d{2})$/i.test(text) ? `${text.replace(" ", "T")}Z` : text);
        if (!Number.isNaN(ms)) return ok(new Date(ms).toISOString());
      }
      return bad("is not a datetime (ISO 8601 or milliseconds since epoch)");
    }
    case "enumeration": {
      const values = Array.isArray(value) ? value.map(asText) : [asText(value)];
      const multi = property.fieldType === "checkbox";
      if (!multi && values.length > 1) return bad(`is a list, but "${property.name}" takes one option`);
      if (property.options.length > 0) {
        const unknown = values.find((v) => !property.options.includes(v));
        if (unknown !== undefined) {
          return { ok: false, message: `value ${JSON.stringify(unknown)} is not one of the options of property "${property.name}": ${property.options.join(", ")}` };
        }
      }
      return ok(values.join(";"));
    }
    default:
      return ok(asText(value));
  }
}

function asText(value: FieldValue): string {
  if (value === null) return "";
  if (Array.isArray(value)) return value.map(asText).join(";");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function preview(value: FieldValue): string {
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
