/** A JSON-compatible value as it reaches a destination. */
export type FieldValue = string | number | boolean | null | FieldValue[] | { [key: string]: FieldValue };

/** Make a driver value JSON-safe: dates as ISO 8601, big integers as strings, bytes as base64. */
export function toFieldValue(value: unknown): FieldValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "bigint":
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
    default:
      break;
  }
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (Array.isArray(value)) return value.map(toFieldValue);
  if (typeof value === "object") {
    const out: Record<string, FieldValue> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = toFieldValue(v);
    return out;
  }
  return String(value);
}
