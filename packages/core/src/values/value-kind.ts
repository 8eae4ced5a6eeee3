/**
 * What a warehouse column holds, as far as core cares: which destination fields can take it, whether
 * its values sort, whether they can be compared as text. The source names the kind of every column it
 * describes, so core never reads a warehouse's type names.
 */
export type ValueKind =
  | "integer"
  | "decimal"
  | "float"
  | "boolean"
  | "text"
  | "date"
  | "time"
  | "timestamp"
  | "json"
  | "array"
  | "binary"
  | "other";

/** Every value kind, in documentation order. */
export const VALUE_KINDS: readonly ValueKind[] = ["integer", "decimal", "float", "boolean", "text", "date", "time", "timestamp", "json", "array", "binary", "other"];

/** Kinds whose values every warehouse can sort and group (the order of a run's snapshot uses them). */
export function isOrderedKind(kind: ValueKind | undefined): boolean {
  return kind !== undefined && kind !== "json" && kind !== "array" && kind !== "binary" && kind !== "other";
}

/** Kinds that are numbers to a destination. */
export function isNumericKind(kind: ValueKind | undefined): boolean {
  return kind === "integer" || kind === "decimal" || kind === "float";
}

/**
 * The kind of a column from its SQL type name, for the names the SQL standard and the common warehouses
 * share (`BIGINT`, `NUMERIC(10,2)`, `DOUBLE PRECISION`, `VARCHAR`, `TIMESTAMP WITH TIME ZONE`, `INTEGER[]`,
 * `JSONB`, `BYTEA`, ...). A source plugin may use it for its `describeQuery` and decide the names that are
 * its own first (Snowflake's `NUMBER(38,0)` is an integer, `VARIANT` is json).
 */
export function valueKindOfTypeName(typeName: string): ValueKind {
  const t = typeName.trim().toLowerCase();
  // Arrays and lists first: `integer[]` is not an integer.
  if (/\[\d*\]$/.test(t) || /^(list|array)\b/.test(t) || /^_/.test(t)) return "array";
  if (/^(struct|map|union|row|record|object|variant|json|jsonb)\b/.test(t)) return "json";
  if (/^(tinyint|smallint|integer|int|int[1248]|bigint|hugeint|uhugeint|utinyint|usmallint|uinteger|ubigint|serial|bigserial|smallserial|long|byteint)\b/.test(t)) return "integer";
  if (/^(decimal|numeric|number|dec)\b/.test(t)) return /\(\s*\d+\s*(,\s*0\s*)?\)$/.test(t) ? "integer" : "decimal";
  if (/^(double|float|float[48]|real|binary_double|binary_float)\b/.test(t)) return "float";
  if (/^bool(ean)?\b/.test(t)) return "boolean";
  if (/^date$/.test(t)) return "date";
  if (/^time(tz)?\b/.test(t) && !/^timestamp/.test(t)) return "time";
  if (/^(timestamp|datetime)/.test(t)) return "timestamp";
  if (/^(varchar|text|char|character|string|uuid|name|citext|bpchar|nvarchar|nchar|enum)\b/.test(t)) return "text";
  if (/^(blob|bytea|binary|varbinary|bytes)\b/.test(t)) return "binary";
  return "other";
}
