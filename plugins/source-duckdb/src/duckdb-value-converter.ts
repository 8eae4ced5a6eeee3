import {
  DuckDBTypeId,
  type DuckDBArrayValue,
  type DuckDBBlobValue,
  type DuckDBDataChunk,
  type DuckDBDateValue,
  type DuckDBDecimalValue,
  type DuckDBListValue,
  type DuckDBMapValue,
  type DuckDBStructValue,
  type DuckDBTimestampMillisecondsValue,
  type DuckDBTimestampNanosecondsValue,
  type DuckDBTimestampSecondsValue,
  type DuckDBTimestampTZValue,
  type DuckDBTimestampValue,
  type DuckDBType,
  type DuckDBUnionValue,
  type DuckDBValue,
} from "@duckdb/node-api";
import { canonicalDecimal } from "@reverse-etl/core";

/** A plain JavaScript value as rows carry it: what destinations receive. */
export type DuckDbRowValue =
  | null
  | boolean
  | number
  | string
  | DuckDbRowValue[]
  | { [key: string]: DuckDbRowValue };

/** Converts one non-null DuckDB value of a known column type. */
type ValueConverter = (value: DuckDBValue) => DuckDbRowValue;

const identity: ValueConverter = (value) => value as DuckDbRowValue;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
// Dates a JS Date can hold (±8.64e15 ms); outside it, DuckDB's own text is used.
const MAX_DATE_MS = 8.64e15;
const POW10 = Array.from({ length: 39 }, (_, i) => 10 ** i);
const MAX_EXACT_DECIMAL = 10n ** 15n;
const MAX_EXACT_MICROS = 2 ** 53;

function bigintToSafe(value: DuckDBValue): DuckDbRowValue {
  const big = value as bigint;
  return big <= MAX_SAFE && big >= MIN_SAFE ? Number(big) : big.toString();
}

function decimalConverter(width: number, scale: number): ValueConverter {
  // Up to 15 significant digits a double holds every decimal exactly (shortest round-trip), and the
  // division of two exactly representable doubles is correctly rounded: that path is exact and cheap.
  const divisor = POW10[scale];
  const exactDivision = scale <= 22; // 10^22 is the largest power of ten a double holds exactly
  if (width <= 15) return (value) => Number((value as DuckDBDecimalValue).value) / divisor;
  return (value) => {
    const decimal = value as DuckDBDecimalValue;
    if (exactDivision && decimal.value < MAX_EXACT_DECIMAL && decimal.value > -MAX_EXACT_DECIMAL) {
      return Number(decimal.value) / divisor;
    }
    const text = decimal.toString();
    const number = Number(text);
    return String(number) === canonicalDecimal(text) ? number : text;
  };
}

function isoFromMillis(ms: number, fallback: DuckDBValue): string {
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS ? new Date(ms).toISOString() : String(fallback);
}

/** Floor division of a bigint time count to milliseconds. */
function floorToMillis(count: bigint, perMilli: bigint): number {
  let ms = count / perMilli;
  if (count < 0n && ms * perMilli !== count) ms -= 1n;
  return Number(ms);
}

const fromDate: ValueConverter = (value) => {
  const date = value as DuckDBDateValue;
  const ms = date.days * 86_400_000;
  // Years 0..9999 format as YYYY-MM-DD; infinities and far dates keep DuckDB's text.
  return date.isFinite && ms >= -62_167_219_200_000 && ms < 253_402_300_800_000
    ? new Date(ms).toISOString().slice(0, 10)
    : date.toString();
};
const fromTimestampMicros: ValueConverter = (value) => {
  const ts = value as DuckDBTimestampValue | DuckDBTimestampTZValue;
  const micros = Number(ts.micros);
  // Below 2^53 µs (year 2255) the integer is exact and micros / 1000 never rounds across a whole
  // millisecond, so the float path is exact; beyond it (and for ±infinity) take the bigint path.
  if (micros < MAX_EXACT_MICROS && micros > -MAX_EXACT_MICROS) return new Date(Math.floor(micros / 1000)).toISOString();
  return ts.isFinite ? isoFromMillis(floorToMillis(ts.micros, 1000n), ts) : ts.toString();
};
const fromTimestampSeconds: ValueConverter = (value) => {
  const ts = value as DuckDBTimestampSecondsValue;
  return ts.isFinite ? isoFromMillis(Number(ts.seconds) * 1000, ts) : ts.toString();
};
const fromTimestampMillis: ValueConverter = (value) => {
  const ts = value as DuckDBTimestampMillisecondsValue;
  return ts.isFinite ? isoFromMillis(Number(ts.millis), ts) : ts.toString();
};
const fromTimestampNanos: ValueConverter = (value) => {
  const ts = value as DuckDBTimestampNanosecondsValue;
  return ts.isFinite ? isoFromMillis(floorToMillis(ts.nanos, 1_000_000n), ts) : ts.toString();
};
const fromBlob: ValueConverter = (value) => {
  const bytes = (value as DuckDBBlobValue).bytes;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
};
const toText: ValueConverter = (value) => String(value);
const fromJson: ValueConverter = (value) => JSON.parse(value as string) as DuckDbRowValue;

function nullable(convert: ValueConverter): (value: DuckDBValue) => DuckDbRowValue {
  return convert === identity ? identity : (value) => (value === null ? null : convert(value));
}

/**
 * The converter for one column type, chosen once per query so the streaming path does no per-value
 * type inspection. See the package README for the mapping.
 */
export function converterForType(type: DuckDBType): (value: DuckDBValue) => DuckDbRowValue {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.ENUM:
      return identity;
    case DuckDBTypeId.VARCHAR:
      return type.alias === "JSON" ? nullable(fromJson) : identity;
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM:
      return nullable(bigintToSafe);
    case DuckDBTypeId.DECIMAL:
      return nullable(decimalConverter(type.width, type.scale));
    case DuckDBTypeId.DATE:
      return nullable(fromDate);
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return nullable(fromTimestampMicros);
    case DuckDBTypeId.TIMESTAMP_S:
      return nullable(fromTimestampSeconds);
    case DuckDBTypeId.TIMESTAMP_MS:
      return nullable(fromTimestampMillis);
    case DuckDBTypeId.TIMESTAMP_NS:
      return nullable(fromTimestampNanos);
    case DuckDBTypeId.BLOB:
      return nullable(fromBlob);
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY: {
      const item = converterForType(type.valueType);
      return nullable((value) => (value as DuckDBListValue | DuckDBArrayValue).items.map(item));
    }
    case DuckDBTypeId.STRUCT: {
      const names = type.entryNames;
      const entries = type.entryTypes.map(converterForType);
      return nullable((value) => {
        const source = (value as DuckDBStructValue).entries;
        const result: { [key: string]: DuckDbRowValue } = {};
        for (let i = 0; i < names.length; i++) result[names[i]] = entries[i](source[names[i]] ?? null);
        return result;
      });
    }
    case DuckDBTypeId.MAP: {
      const key = converterForType(type.keyType);
      const item = converterForType(type.valueType);
      return nullable((value) => {
        const result: { [key: string]: DuckDbRowValue } = {};
        for (const entry of (value as DuckDBMapValue).entries) {
          const name = key(entry.key);
          result[typeof name === "string" ? name : JSON.stringify(name)] = item(entry.value);
        }
        return result;
      });
    }
    case DuckDBTypeId.UNION: {
      const members = type.memberTypes.map(converterForType);
      const indexes = type.tagMemberIndexes;
      return nullable((value) => {
        const union = value as DuckDBUnionValue;
        const index = indexes[union.tag];
        return index === undefined ? String(union.value) : members[index](union.value);
      });
    }
    case DuckDBTypeId.SQLNULL:
      return () => null;
    // TIME, TIME_TZ, TIME_NS, INTERVAL, UUID, BIT, GEOMETRY, VARIANT: DuckDB's own text.
    default:
      return nullable(toText);
  }
}

/** Per-column converters of a result, in column order. */
export interface RowShape {
  readonly names: readonly string[];
  readonly converters: ReadonlyArray<(value: DuckDBValue) => DuckDbRowValue>;
}

/** The shape of a result with these column names and types. */
export function rowShape(names: readonly string[], types: readonly DuckDBType[]): RowShape {
  return { names, converters: types.map(converterForType) };
}

/** Appends the rows of a chunk to `rows`, converting column by column. */
export function appendChunkRows(
  shape: RowShape,
  chunk: DuckDBDataChunk,
  rows: Record<string, DuckDbRowValue>[],
): void {
  const count = chunk.rowCount;
  const start = rows.length;
  for (let i = 0; i < count; i++) rows.push({});
  const { names, converters } = shape;
  for (let c = 0; c < names.length; c++) {
    const vector = chunk.getColumnVector(c);
    const name = names[c];
    const convert = converters[c];
    for (let i = 0; i < count; i++) rows[start + i][name] = convert(vector.getItem(i));
  }
}
