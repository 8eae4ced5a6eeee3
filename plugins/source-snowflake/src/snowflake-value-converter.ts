import type { Column } from "snowflake-sdk";

/** A plain JavaScript value as rows carry it: what destinations receive. */
export type SnowflakeRowValue = null | boolean | number | string | SnowflakeRowValue[] | { [key: string]: SnowflakeRowValue };

/** Converts one non-null value of a column, as the driver hands it with `fetchAsString` of numbers, JSON and binary. */
type Converter = (value: unknown) => SnowflakeRowValue;

/** The driver hands these types as text (exact), not as JS numbers, objects or Buffers. */
export const FETCH_AS_STRING = ["Number", "JSON", "Buffer"] as const;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

const integer: Converter = (v) => {
  const text = String(v);
  const big = BigInt(text);
  // Beyond 2^53 a JS number would round: such integers are sent as their exact text.
  return big <= MAX_SAFE && big >= -MAX_SAFE ? Number(text) : text;
};
const decimal: Converter = (v) => String(v);
const float: Converter = (v) => {
  const n = Number(v);
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "Infinity" : "-Infinity";
  return n;
};
const date: Converter = (v) => (v as Date).toISOString().slice(0, 10);
const timestamp: Converter = (v) => (v as Date).toISOString();
// TIME arrives as HH24:MI:SS.FF9 (the session's TIME_OUTPUT_FORMAT); trailing zeros of the fraction go.
const time: Converter = (v) => {
  const text = String(v);
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
};
// VARIANT comes as text (fetchAsString JSON); the driver parses OBJECT and ARRAY itself.
const json: Converter = (v) => (typeof v === "string" ? (JSON.parse(v) as SnowflakeRowValue) : (v as SnowflakeRowValue));
const asIs: Converter = (v) => v as SnowflakeRowValue;

/**
 * The converter of a result column (the package README lists the mapping): NUMBER(38,0) as a number up
 * to 2^53 and as exact text beyond; NUMBER(p,s) as exact decimal text; FLOAT a number; DATE `YYYY-MM-DD`;
 * TIME `HH:MM:SS[.fraction]`; TIMESTAMP_NTZ as ISO 8601 with `Z` (its wall clock, read as UTC);
 * TIMESTAMP_LTZ and _TZ as ISO 8601 in UTC; VARIANT, OBJECT, ARRAY as JSON values; BINARY as upper-case hex.
 */
export function converterFor(column: Column): (value: unknown) => SnowflakeRowValue {
  const type = column.getType().toUpperCase();
  const scale = (column as unknown as { getScale(): number }).getScale();
  let convert: Converter;
  switch (type) {
    case "FIXED":
      convert = scale === 0 ? integer : decimal;
      break;
    case "REAL":
      convert = float;
      break;
    case "DATE":
      convert = date;
      break;
    case "TIME":
      convert = time;
      break;
    case "TIMESTAMP_NTZ":
    case "TIMESTAMP_LTZ":
    case "TIMESTAMP_TZ":
      convert = timestamp;
      break;
    case "VARIANT":
    case "OBJECT":
    case "ARRAY":
    case "MAP":
      convert = json;
      break;
    default:
      convert = asIs;
  }
  return (value) => (value === null || value === undefined ? null : convert(value));
}

/** Converters of a result's columns, chosen once per statement; `as` renames the columns in the rows. */
export function rowConverter(columns: readonly Column[], as?: readonly string[]): (row: Record<string, unknown>) => Record<string, SnowflakeRowValue> {
  const names = columns.map((c) => c.getName());
  const keys = as ?? names;
  const converters = columns.map(converterFor);
  return (row) => {
    const out: Record<string, SnowflakeRowValue> = {};
    for (let i = 0; i < names.length; i++) out[keys[i]!] = converters[i]!(row[names[i]!]);
    return out;
  };
}
