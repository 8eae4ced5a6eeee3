import pg from "pg";
import { canonicalDecimal } from "@reverse-etl/core";

/** A plain JavaScript value as rows carry it: what destinations receive. */
export type PostgresRowValue =
  | null
  | boolean
  | number
  | string
  | PostgresRowValue[]
  | { [key: string]: PostgresRowValue };

/** Turns the text a column's value arrives as into a row value. */
type TextParser = (text: string) => PostgresRowValue;

/** `pg`'s type parsers object, as the `types` option of a pool or client takes it. */
export interface PostgresTypeParsers {
  getTypeParser(oid: number, format?: "text" | "binary"): (value: string) => unknown;
}

/** Built-in type OIDs (`pg_type.oid`, fixed across servers). */
const OID = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  oid: 26,
  json: 114,
  float4: 700,
  float8: 701,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  numeric: 1700,
  jsonb: 3802,
} as const;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

const asText: TextParser = (text) => text;
const parseBool: TextParser = (text) => text === "t" || text === "true";
const parseInt32: TextParser = (text) => Number(text);
const parseFloat64: TextParser = (text) => Number(text); // 'NaN', 'Infinity' and '-Infinity' included
const parseJson: TextParser = (text) => JSON.parse(text) as PostgresRowValue;

/** int8: a number when it is a safe integer (±2^53 − 1), else its decimal text. */
const parseInt64: TextParser = (text) => {
  // Up to 15 characters is at most 15 digits: always a safe integer, no BigInt needed.
  if (text.length <= 15) return Number(text);
  const big = BigInt(text);
  return big <= MAX_SAFE && big >= -MAX_SAFE ? Number(big) : text;
};

/**
 * numeric: a number when the number's shortest text is the decimal itself (`1.50` -> 1.5) and it lies
 * within ±2^53 − 1; else the decimal text, so no digit is ever lost. `NaN` and infinities stay text.
 */
const parseNumeric: TextParser = (text) => {
  if (isShortestDecimal(text)) return Number(text);
  const number = Number(text);
  if (!Number.isFinite(number) || Math.abs(number) > Number.MAX_SAFE_INTEGER) return text;
  return String(number) === canonicalDecimal(text) ? number : text;
};

/**
 * True when `String(Number(text))` is `text` itself, read from the text alone (most decimals; the others take
 * the general test): no leading or trailing zero, at most 15 significant digits (any such decimal is the
 * shortest text of its double, which is what `String` writes), and not under 1e-6 (written with an exponent).
 */
function isShortestDecimal(text: string): boolean {
  const n = text.length;
  let i = text.charCodeAt(0) === 45 ? 1 : 0; // "-"
  let significant = 0;
  let c = text.charCodeAt(i);
  if (c === 48) {
    // "0.xxx": the zeros after the point are not significant, and six of them mean an exponent.
    if (i + 1 >= n || text.charCodeAt(i + 1) !== 46) return false;
    i += 2;
    const firstDigit = i;
    while (i < n && text.charCodeAt(i) === 48) i++;
    if (i - firstDigit >= 6) return false;
  } else {
    while (i < n && (c = text.charCodeAt(i)) >= 48 && c <= 57) {
      significant++;
      i++;
    }
    if (significant === 0) return false;
    if (i === n) return significant <= 15;
    if (c !== 46) return false;
    i++;
  }
  let last = 48;
  while (i < n && (c = text.charCodeAt(i)) >= 48 && c <= 57) {
    significant++;
    last = c;
    i++;
  }
  return i === n && last !== 48 && significant <= 15;
}

// `2024-01-02 03:04:05.123456+02:30:15 BC`: ISO DateStyle, the only one pg reads.
const TIMESTAMP = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(?:([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?)?( BC)?$/;

/**
 * timestamp and timestamptz: ISO 8601 in UTC with milliseconds (sub-millisecond digits dropped). A
 * timestamp without time zone is read as UTC. `infinity` and values a JS Date cannot hold keep their text.
 */
const parseTimestamp: TextParser = (text) => isoOfPlainTimestamp(text) ?? parseAnyTimestamp(text);

/**
 * The ISO text of the timestamps most rows hold, rearranged from the server's text without a Date: a year
 * of four digits (AD), in UTC (no offset, or `+00`), e.g. `2024-01-02 03:04:05.678901` ->
 * `2024-01-02T03:04:05.678Z`, as `toISOString` writes it. Undefined for any other text. A 1e6-row sync
 * spent about a second of Node's CPU in the general parser below.
 */
function isoOfPlainTimestamp(text: string): string | undefined {
  const end = text.endsWith("+00") ? text.length - 3 : text.length;
  if (text[4] !== "-" || text[7] !== "-" || text[10] !== " " || text[13] !== ":" || text[16] !== ":") return undefined;
  if (end === 19) return `${text.slice(0, 10)}T${text.slice(11, 19)}.000Z`;
  if (end < 21 || end > 26 || text[19] !== ".") return undefined;
  // Digits only: `.5+05` is a fraction and an offset.
  for (let i = 20; i < end; i++) if (text.charCodeAt(i) < 48 || text.charCodeAt(i) > 57) return undefined;
  return `${text.slice(0, 10)}T${text.slice(11, 19)}.${text.slice(20, Math.min(end, 23)).padEnd(3, "0")}Z`;
}

/** Any timestamp text of the ISO DateStyle: offsets, BC, years of five digits and more, `infinity`. */
const parseAnyTimestamp: TextParser = (text) => {
  const m = TIMESTAMP.exec(text);
  if (!m) return text;
  let year = Number(m[1]);
  if (m[12]) year = 1 - year; // 1 BC is year 0 in ISO 8601
  const date = new Date(0);
  date.setUTCFullYear(year, Number(m[2]) - 1, Number(m[3]));
  date.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), m[7] ? Number(m[7].padEnd(3, "0").slice(0, 3)) : 0);
  let ms = date.getTime();
  if (m[8]) {
    const offset = (Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0)) * 1000;
    ms -= m[8] === "-" ? -offset : offset;
  }
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : text;
};

const defaultByteaParser = pg.types.getTypeParser(OID.bytea, "text") as (text: string) => Buffer;
const parseBytea: TextParser = (text) => defaultByteaParser(text).toString("base64");

const SCALARS = new Map<number, TextParser>([
  [OID.bool, parseBool],
  [OID.int2, parseInt32],
  [OID.int4, parseInt32],
  [OID.oid, parseInt32],
  [OID.int8, parseInt64],
  [OID.numeric, parseNumeric],
  [OID.float4, parseFloat64],
  [OID.float8, parseFloat64],
  [OID.json, parseJson],
  [OID.jsonb, parseJson],
  [OID.bytea, parseBytea],
  [OID.date, asText],
  [OID.timestamp, parseTimestamp],
  [OID.timestamptz, parseTimestamp],
]);

interface ArrayParserModule {
  create(source: string, transform: (item: string) => unknown): { parse(): unknown[] };
}
// pg's own parser of Postgres array literals (`{1,NULL,"a b"}`, nested), with our item parsers.
const arrayParser = (pg.types as unknown as { arrayParser: ArrayParserModule }).arrayParser;

/**
 * Per-connection type parsers (the `types` option of `pg`, never its global registry): see the package
 * README for the mapping. `arrayElements` maps an array type's OID to its element type's OID, as
 * `pg_type.typelem` gives it; every type not listed arrives as the server's text.
 */
export function postgresTypeParsers(arrayElements: ReadonlyMap<number, number>): PostgresTypeParsers {
  const arrays = new Map<number, TextParser>();
  for (const [arrayOid, elementOid] of arrayElements) {
    const item = SCALARS.get(elementOid) ?? asText;
    arrays.set(arrayOid, (text) => arrayParser.create(text, (value) => (value === null ? null : item(value))).parse() as PostgresRowValue[]);
  }
  return {
    getTypeParser(oid, format = "text") {
      if (format === "binary") return pg.types.getTypeParser(oid, "binary");
      return SCALARS.get(oid) ?? arrays.get(oid) ?? asText;
    },
  };
}

/** Element types of the built-in arrays, used until the server's own list is read. */
export const BUILTIN_ARRAY_ELEMENTS: ReadonlyMap<number, number> = new Map([
  [1000, OID.bool],
  [1001, OID.bytea],
  [1005, OID.int2],
  [1007, OID.int4],
  [1016, OID.int8],
  [1021, OID.float4],
  [1022, OID.float8],
  [1231, OID.numeric],
  [199, OID.json],
  [3807, OID.jsonb],
  [1182, OID.date],
  [1115, OID.timestamp],
  [1185, OID.timestamptz],
  [1009, 25],
  [1015, 1043],
  [2951, 2950],
]);
