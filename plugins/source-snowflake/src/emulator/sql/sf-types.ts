import { unsupported, unsupportedDataType } from "../emulator-errors.js";

/**
 * A Snowflake data type (https://docs.snowflake.com/en/sql-reference/intro-summary-data-types). Every
 * synonym is normalised to its canonical type, as Snowflake itself reports them: INT and BIGINT are
 * NUMBER(38,0), DOUBLE and REAL are FLOAT, STRING and TEXT are VARCHAR.
 */
export type SfType =
  | { readonly base: "NUMBER"; readonly precision: number; readonly scale: number }
  | { readonly base: "FLOAT" }
  | { readonly base: "VARCHAR"; readonly length: number }
  | { readonly base: "BINARY"; readonly length: number }
  | { readonly base: "BOOLEAN" }
  | { readonly base: "DATE" }
  | { readonly base: "TIME"; readonly scale: number }
  | { readonly base: "TIMESTAMP_NTZ" | "TIMESTAMP_LTZ" | "TIMESTAMP_TZ"; readonly scale: number }
  | { readonly base: "VARIANT" | "OBJECT" | "ARRAY" }
  /** The type of a bare NULL: it takes the type of whatever it meets. */
  | { readonly base: "NULL" };

/** VARCHAR's default and maximum length, in characters. */
export const MAX_VARCHAR = 16_777_216;
/** BINARY's default and maximum length, in bytes. */
export const MAX_BINARY = 8_388_608;

export const NUMBER_38_0: SfType = { base: "NUMBER", precision: 38, scale: 0 };
export const NUMBER_18_0: SfType = { base: "NUMBER", precision: 18, scale: 0 };
export const FLOAT: SfType = { base: "FLOAT" };
export const VARCHAR: SfType = { base: "VARCHAR", length: MAX_VARCHAR };
export const BOOLEAN: SfType = { base: "BOOLEAN" };
export const DATE: SfType = { base: "DATE" };
export const VARIANT: SfType = { base: "VARIANT" };
export const OBJECT: SfType = { base: "OBJECT" };
export const ARRAY: SfType = { base: "ARRAY" };
export const BINARY: SfType = { base: "BINARY", length: MAX_BINARY };
export const NULL_TYPE: SfType = { base: "NULL" };
export const TIMESTAMP_NTZ: SfType = { base: "TIMESTAMP_NTZ", scale: 9 };
export const TIMESTAMP_LTZ: SfType = { base: "TIMESTAMP_LTZ", scale: 9 };
export const TIMESTAMP_TZ: SfType = { base: "TIMESTAMP_TZ", scale: 9 };
export const TIME: SfType = { base: "TIME", scale: 9 };

export function varchar(length: number): SfType {
  return { base: "VARCHAR", length };
}

/** The NUMBER member of `SfType`. */
export type NumberType = Extract<SfType, { base: "NUMBER" }>;

export function number(precision: number, scale: number): NumberType {
  return { base: "NUMBER", precision: Math.min(38, Math.max(1, precision)), scale: Math.max(0, Math.min(37, scale)) };
}

/**
 * The type a type name with its arguments denotes, e.g. `INT`, `NUMBER(10, 2)`, `TIMESTAMP_TZ(3)`.
 * `TIMESTAMP` without a suffix is TIMESTAMP_NTZ, Snowflake's default TIMESTAMP_TYPE_MAPPING.
 */
export function typeFromName(name: string, args: readonly number[]): SfType {
  const n = name.toUpperCase();
  const [a, b] = args;
  switch (n) {
    case "NUMBER":
    case "DECIMAL":
    case "NUMERIC":
    case "DEC": {
      const precision = a ?? 38;
      const scale = b ?? 0;
      if (precision < 1 || precision > 38) throw unsupportedDataType(`${n}(${precision}, ${scale})`);
      if (scale < 0 || scale > 37 || scale > precision) throw unsupportedDataType(`${n}(${precision}, ${scale})`);
      return { base: "NUMBER", precision, scale };
    }
    case "INT":
    case "INTEGER":
    case "BIGINT":
    case "SMALLINT":
    case "TINYINT":
    case "BYTEINT":
      return NUMBER_38_0;
    case "FLOAT":
    case "FLOAT4":
    case "FLOAT8":
    // https://docs.snowflake.com/en/sql-reference/data-types-numeric#double-double-precision-real
    case "DOUBLE":
    case "DOUBLE PRECISION":
    case "REAL":
      return FLOAT;
    case "VARCHAR":
    case "STRING":
    case "TEXT":
    case "NVARCHAR":
    case "NVARCHAR2":
    case "CHAR VARYING":
    case "NCHAR VARYING":
      return varchar(a ?? MAX_VARCHAR);
    case "CHAR":
    case "CHARACTER":
    case "NCHAR":
      return varchar(a ?? 1);
    case "BINARY":
    case "VARBINARY":
      return { base: "BINARY", length: a ?? MAX_BINARY };
    case "BOOLEAN":
      return BOOLEAN;
    case "DATE":
      return DATE;
    case "TIME":
      return { base: "TIME", scale: a ?? 9 };
    case "TIMESTAMP":
    case "DATETIME":
    case "TIMESTAMP_NTZ":
    case "TIMESTAMPNTZ":
    case "TIMESTAMP WITHOUT TIME ZONE":
      return { base: "TIMESTAMP_NTZ", scale: a ?? 9 };
    case "TIMESTAMP_LTZ":
    case "TIMESTAMPLTZ":
    case "TIMESTAMP WITH LOCAL TIME ZONE":
      return { base: "TIMESTAMP_LTZ", scale: a ?? 9 };
    case "TIMESTAMP_TZ":
    case "TIMESTAMPTZ":
    case "TIMESTAMP WITH TIME ZONE":
      return { base: "TIMESTAMP_TZ", scale: a ?? 9 };
    case "VARIANT":
      return VARIANT;
    case "OBJECT":
      return OBJECT;
    case "ARRAY":
      return ARRAY;
    case "GEOGRAPHY":
    case "GEOMETRY":
    case "VECTOR":
    case "FILE":
      throw unsupported(`data type ${n}`);
    default:
      throw unsupportedDataType(n);
  }
}

/** The type as Snowflake names it in DESCRIBE and in result metadata, e.g. `NUMBER(38,0)`, `VARCHAR(16777216)`. */
export function typeName(t: SfType): string {
  switch (t.base) {
    case "NUMBER":
      return `NUMBER(${t.precision},${t.scale})`;
    case "VARCHAR":
      return `VARCHAR(${t.length})`;
    case "BINARY":
      return `BINARY(${t.length})`;
    case "TIME":
    case "TIMESTAMP_NTZ":
    case "TIMESTAMP_LTZ":
    case "TIMESTAMP_TZ":
      return `${t.base}(${t.scale})`;
    case "NULL":
      return "VARCHAR(16777216)";
    default:
      return t.base;
  }
}

/**
 * The DuckDB type that stores a Snowflake type. NUMBER(p,s) is DECIMAL(p,s) (both exact, up to 38 digits);
 * timestamps and times keep microseconds (Snowflake keeps nanoseconds: the emulator's one precision loss,
 * documented in the README); the semi-structured types are DuckDB JSON text, the value's canonical JSON.
 * TIMESTAMP_TZ keeps its instant, not its offset (README).
 */
export function storageType(t: SfType): string {
  switch (t.base) {
    case "NUMBER":
      return `DECIMAL(${t.precision},${t.scale})`;
    case "FLOAT":
      return "DOUBLE";
    case "VARCHAR":
    case "NULL":
      return "VARCHAR";
    case "BINARY":
      return "BLOB";
    case "BOOLEAN":
      return "BOOLEAN";
    case "DATE":
      return "DATE";
    case "TIME":
      return "TIME";
    case "TIMESTAMP_NTZ":
      return "TIMESTAMP";
    case "TIMESTAMP_LTZ":
    case "TIMESTAMP_TZ":
      return "TIMESTAMPTZ";
    case "VARIANT":
    case "OBJECT":
    case "ARRAY":
      return "JSON";
  }
}

/** A stored column's Snowflake type, kept in its DuckDB column comment (written by the emulator's CREATE TABLE). */
export function typeFromComment(comment: string | null, duckType: string): SfType {
  if (comment && comment.startsWith("sf:")) return parseTypeName(comment.slice(3));
  return typeFromStorage(duckType);
}

/** Parse a canonical type name as `typeName` writes it. */
export function parseTypeName(text: string): SfType {
  const m = /^([A-Z_ ]+?)(?:\((\d+)(?:,(\d+))?\))?$/.exec(text.trim().toUpperCase());
  if (!m) throw unsupportedDataType(text);
  const args = [m[2], m[3]].filter((x): x is string => x !== undefined).map(Number);
  return typeFromName(m[1]!, args);
}

/** The Snowflake type of a DuckDB value type the emulator did not type itself (tables made outside the emulator). */
export function typeFromStorage(duckType: string): SfType {
  const t = duckType.toUpperCase();
  const dec = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(t);
  if (dec) return number(Number(dec[1]), Number(dec[2]));
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/.test(t)) return NUMBER_38_0;
  if (t === "DOUBLE" || t === "FLOAT") return FLOAT;
  if (t === "BOOLEAN") return BOOLEAN;
  if (t === "DATE") return DATE;
  if (t === "TIME") return TIME;
  if (t === "TIMESTAMP" || t === "TIMESTAMP_NS" || t === "TIMESTAMP_MS" || t === "TIMESTAMP_S") return TIMESTAMP_NTZ;
  if (t === "TIMESTAMP WITH TIME ZONE" || t === "TIMESTAMPTZ") return TIMESTAMP_LTZ;
  if (t === "BLOB") return BINARY;
  if (t === "JSON") return VARIANT;
  if (t === '"NULL"' || t === "NULL") return NULL_TYPE;
  return VARCHAR;
}

/** Whether two types are the same Snowflake type (lengths and precision included). */
export function sameType(a: SfType, b: SfType): boolean {
  return typeName(a) === typeName(b);
}

export function isNumeric(t: SfType): boolean {
  return t.base === "NUMBER" || t.base === "FLOAT";
}

export function isTimestamp(t: SfType): boolean {
  return t.base === "TIMESTAMP_NTZ" || t.base === "TIMESTAMP_LTZ" || t.base === "TIMESTAMP_TZ";
}

export function isSemiStructured(t: SfType): boolean {
  return t.base === "VARIANT" || t.base === "OBJECT" || t.base === "ARRAY";
}

export function isText(t: SfType): boolean {
  return t.base === "VARCHAR";
}

/** `type` of a column in a result's `rowtype`, as the drivers read it. */
export function rowtypeType(t: SfType): string {
  switch (t.base) {
    case "NUMBER":
      return "fixed";
    case "FLOAT":
      return "real";
    case "VARCHAR":
    case "NULL":
      return "text";
    default:
      return t.base.toLowerCase();
  }
}

/**
 * The common type of two branches (CASE, COALESCE, UNION): numbers widen to hold both precisions and
 * scales, NULL takes the other side, texts take the longer length; other mixes follow Snowflake's
 * implicit casts toward VARIANT, FLOAT or VARCHAR.
 */
export function commonType(a: SfType, b: SfType): SfType {
  if (a.base === "NULL") return b;
  if (b.base === "NULL") return a;
  if (a.base === "NUMBER" && b.base === "NUMBER") {
    const scale = Math.max(a.scale, b.scale);
    const whole = Math.max(a.precision - a.scale, b.precision - b.scale);
    return number(Math.min(38, whole + scale), scale);
  }
  if (isNumeric(a) && isNumeric(b)) return FLOAT;
  if (a.base === "VARCHAR" && b.base === "VARCHAR") return varchar(Math.max(a.length, b.length));
  if (a.base === b.base) return a;
  if (isSemiStructured(a) || isSemiStructured(b)) return VARIANT;
  if (isTimestamp(a) && isTimestamp(b)) return a;
  if (isTimestamp(a) && b.base === "DATE") return a;
  if (isTimestamp(b) && a.base === "DATE") return b;
  if (a.base === "VARCHAR") return b;
  if (b.base === "VARCHAR") return a;
  return VARCHAR;
}
