import type { ValueKind } from "@reverse-etl/core";
import type { Column } from "snowflake-sdk";

/**
 * A result column's type as Snowflake names it (`NUMBER(38,0)`, `VARCHAR(16777216)`, `TIMESTAMP_NTZ(9)`),
 * from the driver's column metadata.
 */
export function snowflakeTypeName(column: Column): string {
  const type = column.getType().toUpperCase();
  const meta = column as unknown as { getScale(): number; getPrecision(): number };
  switch (type) {
    case "FIXED":
      return `NUMBER(${meta.getPrecision()},${meta.getScale()})`;
    case "REAL":
      return "FLOAT";
    case "TEXT":
      return "VARCHAR";
    case "TIME":
    case "TIMESTAMP_NTZ":
    case "TIMESTAMP_LTZ":
    case "TIMESTAMP_TZ":
      return `${type}(${meta.getScale()})`;
    default:
      return type;
  }
}

/**
 * What a Snowflake type holds (https://docs.snowflake.com/en/sql-reference/intro-summary-data-types):
 * NUMBER with scale 0 is an integer, with a scale a decimal; FLOAT a float; VARIANT and OBJECT JSON;
 * ARRAY an array; the three TIMESTAMPs timestamps; BINARY binary.
 */
export function snowflakeValueKind(typeName: string): ValueKind {
  const t = typeName.toUpperCase();
  const number = /^NUMBER\((\d+),(\d+)\)$/.exec(t);
  if (number) return number[2] === "0" ? "integer" : "decimal";
  if (t === "FLOAT") return "float";
  if (t.startsWith("VARCHAR")) return "text";
  if (t === "BOOLEAN") return "boolean";
  if (t === "DATE") return "date";
  if (t.startsWith("TIME(")) return "time";
  if (t.startsWith("TIMESTAMP")) return "timestamp";
  if (t === "VARIANT" || t === "OBJECT" || t === "MAP") return "json";
  if (t === "ARRAY") return "array";
  if (t.startsWith("BINARY")) return "binary";
  return "other";
}
