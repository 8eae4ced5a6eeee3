import type { DuckDBValue } from "@duckdb/node-api";
import type { SfType } from "../sql/sf-types.js";
import { prettyJson } from "./json-text.js";

/** Encodes one DuckDB value as the text Snowflake's JSON result format carries for a column of a type. */
export type ValueEncoder = (value: DuckDBValue) => string | null;

/**
 * The encoder for a column (https://docs.snowflake.com/en/developer-guide/sql-api/handling-responses#getting-the-data-from-the-results
 * describes the same encodings): FIXED is the number's text with exactly `scale` decimals; REAL its shortest
 * text; BOOLEAN `1`/`0`; DATE the days since the epoch; TIME the seconds since midnight and TIMESTAMP_NTZ
 * and _LTZ the seconds since the epoch, each with `scale` decimals; TIMESTAMP_TZ adds the offset in
 * minutes plus 1440; BINARY upper-case hex; semi-structured values their JSON, pretty-printed.
 */
export function encoderFor(type: SfType, timeZone: string): ValueEncoder {
  switch (type.base) {
    case "NUMBER": {
      const scale = type.scale;
      return nonNull((v) => fixed(v, scale));
    }
    case "FLOAT":
      return nonNull((v) => {
        const n = Number(v);
        if (Number.isNaN(n)) return "NaN";
        if (n === Infinity) return "inf";
        if (n === -Infinity) return "-inf";
        return String(n);
      });
    case "VARCHAR":
    case "NULL":
      return nonNull((v) => (typeof v === "string" ? v : String(v)));
    case "BOOLEAN":
      return nonNull((v) => (v ? "1" : "0"));
    case "DATE":
      return nonNull((v) => String((v as { days: number }).days));
    case "TIME":
      return nonNull((v) => scaled((v as { micros: bigint }).micros, type.scale));
    case "TIMESTAMP_NTZ":
    case "TIMESTAMP_LTZ":
      return nonNull((v) => scaled((v as { micros: bigint }).micros, type.scale));
    case "TIMESTAMP_TZ":
      return nonNull((v) => {
        const micros = (v as { micros: bigint }).micros;
        return `${scaled(micros, type.scale)} ${offsetMinutes(timeZone, Number(micros / 1000n)) + 1440}`;
      });
    case "BINARY":
      return nonNull((v) => Buffer.from((v as { bytes: Uint8Array }).bytes).toString("hex").toUpperCase());
    case "VARIANT":
    case "OBJECT":
    case "ARRAY":
      return nonNull((v) => prettyJson(String(v)));
  }
}

function nonNull(encode: (v: DuckDBValue) => string): ValueEncoder {
  return (v) => (v === null || v === undefined ? null : encode(v));
}

/** A number's text with exactly `scale` decimals, from a DuckDB integer, double or decimal value. */
export function fixed(v: DuckDBValue, scale: number): string {
  let unscaled: bigint;
  let from: number;
  if (typeof v === "bigint") {
    unscaled = v;
    from = 0;
  } else if (typeof v === "number") {
    if (Number.isInteger(v)) {
      unscaled = BigInt(v);
      from = 0;
    } else {
      return v.toFixed(scale);
    }
  } else if (typeof v === "object" && v !== null && "scale" in v && "value" in v) {
    unscaled = (v as { value: bigint }).value;
    from = (v as { scale: number }).scale;
  } else {
    return String(v);
  }
  if (from < scale) unscaled *= 10n ** BigInt(scale - from);
  else if (from > scale) unscaled /= 10n ** BigInt(from - scale);
  return withDecimals(unscaled, scale);
}

function withDecimals(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, "0");
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

/** Microseconds as seconds with `scale` decimals (the emulator keeps microseconds; finer digits are 0). */
function scaled(micros: bigint, scale: number): string {
  const asScale = scale >= 6 ? micros * 10n ** BigInt(scale - 6) : floorDiv(micros, 10n ** BigInt(6 - scale));
  return withDecimals(asScale, scale);
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a < 0n && q * b !== a ? q - 1n : q;
}

const offsetCache = new Map<string, Intl.DateTimeFormat>();

/** The UTC offset, in minutes, of a time zone at an instant. */
export function offsetMinutes(timeZone: string, epochMs: number): number {
  if (timeZone === "UTC" || timeZone === "Etc/UTC") return 0;
  let format = offsetCache.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
    offsetCache.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(epochMs)).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return Math.round((asUtc - Math.floor(epochMs / 1000) * 1000) / 60_000);
}
