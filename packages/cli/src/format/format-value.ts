import type { FieldValue } from "@reverse-etl/core";

/** Longest rendering of one value before it is cut with an ellipsis. */
export const MAX_VALUE_WIDTH = 60;

/**
 * Render a field value for humans: strings quoted (so `"1"` and `1` differ, as they do to a destination),
 * `(unset)` for a field that was never synced, long values cut to `maxWidth`.
 */
export function formatValue(value: FieldValue | undefined, maxWidth = MAX_VALUE_WIDTH): string {
  const text = value === undefined ? "(unset)" : JSON.stringify(value);
  return text.length > maxWidth ? `${text.slice(0, maxWidth - 1)}…` : text;
}

/** Render a primary key value: scalars bare, composite keys as `col=value, col=value`. */
export function formatKey(key: FieldValue): string {
  if (key !== null && typeof key === "object" && !Array.isArray(key)) {
    return Object.entries(key)
      .map(([column, value]) => `${column}=${formatKey(value)}`)
      .join(", ");
  }
  return typeof key === "string" ? key : JSON.stringify(key);
}
