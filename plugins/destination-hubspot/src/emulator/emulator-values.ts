import type { HubSpotProperty } from "./emulator-properties.js";
import type { PropertyIssue } from "./emulator-errors.js";

/**
 * How HubSpot accepts and stores property values. Sources:
 * - https://developers.hubspot.com/docs/guides/api/crm/properties#property-type-and-fieldtype-values
 *   (date: midnight UTC in ms or ISO `YYYY-MM-DD`; datetime: ms or ISO 8601; bool: `true`/`false`;
 *   multi-select enumeration values separated by `;`; values of enumerations are option values).
 * - https://developers.hubspot.com/docs/guides/api/crm/objects/contacts (email validated, unique per contact).
 * Codes INVALID_EMAIL, PROPERTY_DOESNT_EXIST and INVALID_OPTION and the "not midnight" message of
 * INVALID_DATE are HubSpot's; the wording of the number, datetime and boolean errors is the emulator's.
 */

/** A value in a request body; HubSpot's SDK sends strings, the JSON API also takes numbers and booleans. */
export type IncomingValue = string | number | boolean | null | undefined;

/** Result of checking one value: the stored text, or an issue. */
export type ValueCheck = { readonly ok: true; readonly stored: string } | { readonly ok: false; readonly issue: PropertyIssue };

// Close to the check HubSpot applies: one @, a dot in the domain, no spaces.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const NUMBER = /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/** Check and normalise one value for a property; empty string and null clear the value. */
export function checkValue(property: HubSpotProperty, raw: IncomingValue, isEmail: boolean): ValueCheck {
  if (raw === null || raw === undefined || raw === "") return { ok: true, stored: "" };
  const text = String(raw);
  const fail = (error: string, message: string): ValueCheck => ({ ok: false, issue: { name: property.name, error, message } });
  if (isEmail) {
    return EMAIL.test(text) ? { ok: true, stored: text.toLowerCase() } : fail("INVALID_EMAIL", `Email address ${text} is invalid`);
  }
  switch (property.type) {
    case "number":
      return NUMBER.test(text.trim()) ? { ok: true, stored: text.trim() } : fail("INVALID_DECIMAL", `${text} is not a valid number`);
    case "bool": {
      const lower = text.toLowerCase();
      return lower === "true" || lower === "false" ? { ok: true, stored: lower } : fail("INVALID_BOOLEAN", `${text} is not a valid boolean; use true or false`);
    }
    case "date": {
      if (ISO_DATE.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`))) return { ok: true, stored: text };
      const ms = Number(text);
      if (!Number.isInteger(ms)) return fail("INVALID_DATE", `${text} is not a valid date; use midnight UTC in milliseconds or YYYY-MM-DD`);
      const date = new Date(ms);
      if (ms % 86_400_000 !== 0) {
        return fail("INVALID_DATE", `${text} is at ${date.toISOString().slice(11, 23)} UTC, not midnight!`);
      }
      return { ok: true, stored: date.toISOString().slice(0, 10) };
    }
    case "datetime": {
      const ms = /^-?\d+$/.test(text) ? Number(text) : Date.parse(text);
      if (Number.isNaN(ms) || !(ISO_DATE.test(text) || /^-?\d+$/.test(text) || /^\d{4}-\d{2}-\d{2}T/.test(text))) {
        return fail("INVALID_DATETIME", `${text} is not a valid datetime; use milliseconds since epoch or ISO 8601`);
      }
      return { ok: true, stored: new Date(ms).toISOString() };
    }
    case "enumeration": {
      const allowed = property.options.map((o) => o.value);
      // Multi-select (checkbox) properties take several option values joined by ";".
      const values = property.fieldType === "checkbox" ? text.split(";") : [text];
      const bad = values.find((v) => !allowed.includes(v));
      if (bad !== undefined) return fail("INVALID_OPTION", `${bad} was not one of the allowed options: [${allowed.join(", ")}]`);
      return { ok: true, stored: values.join(";") };
    }
    default:
      return { ok: true, stored: text };
  }
}
