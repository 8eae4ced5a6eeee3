import { SnowflakeError, compilationError, unknownFunction, unsupported } from "../emulator-errors.js";
import type { Expr } from "../sql/ast.js";
import {
  ARRAY,
  BINARY,
  BOOLEAN,
  DATE,
  FLOAT,
  NUMBER_18_0,
  NUMBER_38_0,
  OBJECT,
  TIME,
  TIMESTAMP_LTZ,
  TIMESTAMP_NTZ,
  TIMESTAMP_TZ,
  VARCHAR,
  VARIANT,
  commonType,
  isNumeric,
  isSemiStructured,
  isTimestamp,
  number,
  storageType,
  varchar,
  type SfType,
} from "../sql/sf-types.js";
import { literal } from "./catalog.js";
import { castTo, formatDateTime, raise, strftimeFormat, toVariant } from "./conversions.js";
import { asBoolean, bindExpr, coerce, invalidArgumentTypes, keep, pathAccess, textOf, type ExprEnv } from "./bind-expression.js";
import type { Bound } from "./bound.js";
import { windowFunction, aggregateFunction, isAggregate } from "./aggregates.js";

type Call = Expr & { k: "call" };

/** Translate a function call to DuckDB with Snowflake's semantics; unknown names fail as Snowflake does. */
export function bindFunction(call: Call, env: ExprEnv): Bound {
  if (call.over) return windowFunction(call, env);
  if (isAggregate(call.name)) return aggregateFunction(call, env);
  if (call.within) throw compilationError(`WITHIN GROUP is only valid for aggregate functions`);
  const args = () => call.args.map((a) => bindExpr(a, env));
  const scalar = SCALARS[call.name];
  if (scalar) {
    if (call.distinct) throw compilationError(`DISTINCT is not valid for function ${call.name}`);
    return scalar(call, env, args);
  }
  if (KNOWN_UNSUPPORTED.has(call.name)) throw unsupported(`function ${call.name}`);
  throw unknownFunction(call.name);
}

type Scalar = (call: Call, env: ExprEnv, args: () => Bound[]) => Bound;

function arity(call: Call, min: number, max = min): void {
  if (call.args.length < min || call.args.length > max) {
    throw compilationError(`error line ${call.pos.line} at position ${call.pos.column}\nnot enough arguments for function [${call.name}], expected ${min}, got ${call.args.length}`.replace("not enough", call.args.length > max ? "too many" : "not enough"));
  }
}

function numeric(b: Bound, env: ExprEnv): Bound {
  if (isNumeric(b.type) || b.type.base === "NULL") return b;
  return castTo(b, FLOAT, env.ctx.session);
}

/** Snowflake's CURRENT_TIMESTAMP is a TIMESTAMP_LTZ; DuckDB's `now()` is the transaction start, Snowflake's the statement's. */
const NOW = "CAST(now() AS TIMESTAMPTZ)";

function context(value: string | undefined): Bound {
  return { sql: value === undefined ? "CAST(NULL AS VARCHAR)" : literal(value), type: VARCHAR };
}

/** A date part as DATEADD, DATEDIFF, DATE_TRUNC and EXTRACT take it, with its synonyms (https://docs.snowflake.com/en/sql-reference/functions-date-time#supported-date-and-time-parts). */
function datePart(e: Expr): string {
  const text = e.k === "col" && e.parts.length === 1 ? e.parts[0]!.name : e.k === "lit" && e.type === "string" ? e.value.toUpperCase() : undefined;
  if (!text) throw compilationError("invalid date or time part");
  const parts: Record<string, string> = {
    YEAR: "year", Y: "year", YY: "year", YYY: "year", YYYY: "year", YR: "year", YEARS: "year", YRS: "year",
    MONTH: "month", MM: "month", MON: "month", MONS: "month", MONTHS: "month",
    DAY: "day", D: "day", DD: "day", DAYS: "day", DAYOFMONTH: "day",
    WEEK: "week", W: "week", WK: "week", WEEKOFYEAR: "week", WOY: "week", WY: "week",
    QUARTER: "quarter", Q: "quarter", QTR: "quarter", QTRS: "quarter", QUARTERS: "quarter",
    HOUR: "hour", H: "hour", HH: "hour", HR: "hour", HOURS: "hour", HRS: "hour",
    MINUTE: "minute", M: "minute", MI: "minute", MIN: "minute", MINUTES: "minute", MINS: "minute",
    SECOND: "second", S: "second", SEC: "second", SECONDS: "second", SECS: "second",
    MILLISECOND: "millisecond", MS: "millisecond", MSEC: "millisecond", MILLISECONDS: "millisecond",
    MICROSECOND: "microsecond", US: "microsecond", USEC: "microsecond", MICROSECONDS: "microsecond",
    DAYOFWEEK: "dow", WEEKDAY: "dow", DOW: "dow", DW: "dow", DAYOFYEAR: "doy", YEARDAY: "doy", DOY: "doy", DY: "doy",
    EPOCH_SECOND: "epoch", EPOCH: "epoch", EPOCH_SECONDS: "epoch",
  };
  const part = parts[text];
  if (!part) throw compilationError(`Invalid date or time part '${text}'`);
  return part;
}

/** The type of a date or time argument, converting text as Snowflake's implicit casts do. */
function temporal(b: Bound, env: ExprEnv): Bound {
  if (b.type.base === "VARCHAR") return castTo(b, TIMESTAMP_NTZ, env.ctx.session);
  if (isTimestamp(b.type) || b.type.base === "DATE" || b.type.base === "TIME" || b.type.base === "NULL") return b;
  throw invalidArgumentTypes("date function", [b.type]);
}

function hashHex(fn: "md5" | "sha1" | "sha256" | "sha512"): Scalar {
  return (call, env, args) => {
    const a = args();
    const b = a[0]!;
    const input = b.type.base === "BINARY" ? b.sql : textOf(b, env).sql;
    const length = fn === "md5" ? 32 : fn === "sha1" ? 40 : fn === "sha256" ? 64 : 128;
    return { ...keep(b), sql: `${fn}(${input})`, type: varchar(length) };
  };
}

/** OBJECT_CONSTRUCT: keys are text; pairs with a NULL value are left out unless KEEP_NULL (https://docs.snowflake.com/en/sql-reference/functions/object_construct). */
function objectConstruct(keepNull: boolean): Scalar {
  return (call, env) => {
    if (call.star) throw unsupported("OBJECT_CONSTRUCT(*)");
    if (call.args.length % 2 !== 0) throw compilationError(`Function ${call.name} requires an even number of arguments`);
    const pairs: Array<{ key: Bound; value: Bound; keyText?: string }> = [];
    for (let i = 0; i < call.args.length; i += 2) {
      const keyExpr = call.args[i]!;
      const key = textOf(bindExpr(keyExpr, env), env);
      const value = bindExpr(call.args[i + 1]!, env);
      pairs.push({ key, value, ...(keyExpr.k === "lit" && keyExpr.type === "string" ? { keyText: keyExpr.value } : {}) });
    }
    if (pairs.length === 0) return { sql: "'{}'::JSON", type: OBJECT };
    const all = pairs.flatMap((p) => [p.key, p.value]);
    // Snowflake keeps an OBJECT's keys sorted: constant keys are sorted here, at translation.
    if (pairs.every((p) => p.keyText !== undefined)) {
      const seen = new Set<string>();
      for (const p of pairs) {
        if (seen.has(p.keyText!)) throw new SnowflakeError("100071", "22000", `Duplicate field key '${p.keyText}'`);
        seen.add(p.keyText!);
      }
      pairs.sort((a, b) => compareKeys(a.keyText!, b.keyText!));
    } else {
      throw unsupported(`${call.name} with keys that are not constants`);
    }
    const entries = pairs.map((p) => `{'k': ${p.key.sql}, 'v': ${variantOrNull(p.value, env)}}`);
    const filter = keepNull ? `[${entries.join(", ")}]` : `list_filter([${entries.join(", ")}], x -> x.v IS NOT NULL)`;
    return { ...keep(...all), sql: `CAST(to_json(map_from_entries(${filter})) AS JSON)`, type: OBJECT };
  };
}

/** A value as a VARIANT for a semi-structured container: SQL NULL becomes JSON null only where the caller keeps it. */
function variantOrNull(b: Bound, env: ExprEnv): string {
  if (b.type.base === "NULL") return "CAST(NULL AS JSON)";
  return `CAST(${toVariant(b, env.ctx.session)} AS JSON)`;
}

/** Keys sort by their UTF-8 bytes, as Snowflake orders an OBJECT's keys. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

const SCALARS: Record<string, Scalar> = {
  // Conditional expressions (https://docs.snowflake.com/en/sql-reference/expressions-conditional).
  IFF(call, env, args) {
    arity(call, 3);
    const [c, a, b] = args() as [Bound, Bound, Bound];
    const type = commonType(a.type, b.type);
    return { ...keep(c, a, b), sql: `(CASE WHEN ${asBoolean(c, env).sql} THEN ${coerce(a, type, env).sql} ELSE ${coerce(b, type, env).sql} END)`, type };
  },
  COALESCE(call, env, args) {
    if (call.args.length < 1) arity(call, 1);
    const a = args();
    const type = a.map((b) => b.type).reduce(commonType);
    return { ...keep(...a), sql: `COALESCE(${a.map((b) => coerce(b, type, env).sql).join(", ")})`, type };
  },
  IFNULL(call, env, args) {
    arity(call, 2);
    return SCALARS.COALESCE!(call, env, args);
  },
  NVL(call, env, args) {
    arity(call, 2);
    return SCALARS.COALESCE!(call, env, args);
  },
  NVL2(call, env, args) {
    arity(call, 3);
    const [c, a, b] = args() as [Bound, Bound, Bound];
    const type = commonType(a.type, b.type);
    return { ...keep(c, a, b), sql: `(CASE WHEN ${c.sql} IS NOT NULL THEN ${coerce(a, type, env).sql} ELSE ${coerce(b, type, env).sql} END)`, type };
  },
  NULLIF(call, env, args) {
    arity(call, 2);
    const [a, b] = args() as [Bound, Bound];
    return { ...keep(a, b), sql: `NULLIF(${a.sql}, ${coerce(b, a.type, env).sql})`, type: a.type };
  },
  ZEROIFNULL(call, env, args) {
    arity(call, 1);
    const [a] = args() as [Bound];
    return { ...keep(a), sql: `COALESCE(${a.sql}, 0)`, type: a.type.base === "NULL" ? number(1, 0) : a.type };
  },
  NULLIFZERO(call, env, args) {
    arity(call, 1);
    const [a] = args() as [Bound];
    return { ...keep(a), sql: `NULLIF(${a.sql}, 0)`, type: a.type };
  },
  EQUAL_NULL(call, env, args) {
    arity(call, 2);
    const [a, b] = args() as [Bound, Bound];
    return { ...keep(a, b), sql: `(${a.sql} IS NOT DISTINCT FROM ${coerce(b, a.type, env).sql})`, type: BOOLEAN };
  },
  // GREATEST and LEAST are NULL when any argument is (https://docs.snowflake.com/en/sql-reference/functions/greatest); DuckDB's skip NULLs.
  GREATEST: extreme("greatest"),
  LEAST: extreme("least"),
  DECODE(call, env, args) {
    if (call.args.length < 3) arity(call, 3);
    const a = args();
    const [subject, ...rest] = a as [Bound, ...Bound[]];
    const results = rest.filter((_, i) => i % 2 === 1 || i === rest.length - 1 && rest.length % 2 === 1);
    const type = results.map((r) => r.type).reduce(commonType);
    let sql = "(CASE";
    for (let i = 0; i + 1 < rest.length; i += 2) {
      sql += ` WHEN ${subject.sql} IS NOT DISTINCT FROM ${coerce(rest[i]!, subject.type, env).sql} THEN ${coerce(rest[i + 1]!, type, env).sql}`;
    }
    if (rest.length % 2 === 1) sql += ` ELSE ${coerce(rest[rest.length - 1]!, type, env).sql}`;
    return { ...keep(...a), sql: `${sql} END)`, type };
  },

  // Strings (https://docs.snowflake.com/en/sql-reference/functions-string).
  CONCAT(call, env, args) {
    const a = args().map((b) => textOf(b, env));
    return { ...keep(...a), sql: `(${a.map((b) => b.sql).join(" || ")})`, type: VARCHAR };
  },
  CONCAT_WS(call, env, args) {
    if (call.args.length < 2) arity(call, 2);
    const [sep, ...rest] = args().map((b) => textOf(b, env)) as [Bound, ...Bound[]];
    // NULL if any argument is NULL, unlike DuckDB's concat_ws.
    const any = [sep, ...rest].map((b) => `${b.sql} IS NULL`).join(" OR ");
    return { ...keep(sep, ...rest), sql: `(CASE WHEN ${any} THEN NULL ELSE ${rest.map((b) => b.sql).join(` || ${sep.sql} || `)} END)`, type: VARCHAR };
  },
  UPPER: textFn("upper"),
  LOWER: textFn("lower"),
  REVERSE: textFn("reverse"),
  TRIM: trimFn("trim"),
  LTRIM: trimFn("ltrim"),
  RTRIM: trimFn("rtrim"),
  LENGTH(call, env, args) {
    arity(call, 1);
    const [a] = args() as [Bound];
    const sql = a.type.base === "BINARY" ? `octet_length(${a.sql})` : `length(${textOf(a, env).sql})`;
    return { ...keep(a), sql: `CAST(${sql} AS DECIMAL(18,0))`, type: NUMBER_18_0 };
  },
  LEN(call, env, args) {
    return SCALARS.LENGTH!(call, env, args);
  },
  SUBSTR(call, env, args) {
    arity(call, 2, 3);
    const [s, from, len] = args() as [Bound, Bound, Bound | undefined];
    // Snowflake counts from 1; a start of 0 is 1; a negative start counts from the end.
    const t = textOf(s, env).sql;
    const start = `CAST(${from.sql} AS BIGINT)`;
    const begin = `(CASE WHEN ${start} = 0 THEN 1 WHEN ${start} < 0 THEN greatest(length(${t}) + ${start} + 1, 1) ELSE ${start} END)`;
    const sql = len ? `substring(${t}, ${begin}, greatest(CAST(${len.sql} AS BIGINT), 0))` : `substring(${t}, ${begin})`;
    return { ...keep(s, from, ...(len ? [len] : [])), sql, type: VARCHAR };
  },
  SUBSTRING(call, env, args) {
    return SCALARS.SUBSTR!(call, env, args);
  },
  LEFT(call, env, args) {
    arity(call, 2);
    const [s, n] = args() as [Bound, Bound];
    return { ...keep(s, n), sql: `left(${textOf(s, env).sql}, greatest(CAST(${n.sql} AS BIGINT), 0))`, type: VARCHAR };
  },
  RIGHT(call, env, args) {
    arity(call, 2);
    const [s, n] = args() as [Bound, Bound];
    return { ...keep(s, n), sql: `right(${textOf(s, env).sql}, greatest(CAST(${n.sql} AS BIGINT), 0))`, type: VARCHAR };
  },
  REPLACE(call, env, args) {
    arity(call, 2, 3);
    const [s, from, to] = args().map((b) => textOf(b, env)) as [Bound, Bound, Bound | undefined];
    return { ...keep(s, from), sql: `replace(${s.sql}, ${from.sql}, ${to ? to.sql : "''"})`, type: VARCHAR };
  },
  SPLIT_PART(call, env, args) {
    arity(call, 3);
    const [s, sep, n] = args() as [Bound, Bound, Bound];
    // A part number of 0 is 1; negative counts from the end (https://docs.snowflake.com/en/sql-reference/functions/split_part).
    const idx = `CAST(${n.sql} AS BIGINT)`;
    const list = `string_split(${textOf(s, env).sql}, ${textOf(sep, env).sql})`;
    return { ...keep(s, sep, n), sql: `coalesce(${list}[CASE WHEN ${idx} = 0 THEN 1 ELSE ${idx} END], '')`, type: VARCHAR };
  },
  POSITION(call, env, args) {
    arity(call, 2, 3);
    const [needle, hay, from] = args().map((b) => textOf(b, env)) as [Bound, Bound, Bound | undefined];
    const sql = from
      ? `(CASE WHEN instr(substring(${hay.sql}, CAST(${from.sql} AS BIGINT)), ${needle.sql}) = 0 THEN 0 ELSE instr(substring(${hay.sql}, CAST(${from.sql} AS BIGINT)), ${needle.sql}) + CAST(${from.sql} AS BIGINT) - 1 END)`
      : `instr(${hay.sql}, ${needle.sql})`;
    return { ...keep(needle, hay), sql: `CAST(${sql} AS DECIMAL(38,0))`, type: NUMBER_38_0 };
  },
  CHARINDEX(call, env, args) {
    return SCALARS.POSITION!(call, env, args);
  },
  CONTAINS(call, env, args) {
    arity(call, 2);
    const [s, t] = args().map((b) => textOf(b, env)) as [Bound, Bound];
    return { ...keep(s, t), sql: `contains(${s.sql}, ${t.sql})`, type: BOOLEAN };
  },
  STARTSWITH(call, env, args) {
    arity(call, 2);
    const [s, t] = args().map((b) => textOf(b, env)) as [Bound, Bound];
    return { ...keep(s, t), sql: `starts_with(${s.sql}, ${t.sql})`, type: BOOLEAN };
  },
  ENDSWITH(call, env, args) {
    arity(call, 2);
    const [s, t] = args().map((b) => textOf(b, env)) as [Bound, Bound];
    return { ...keep(s, t), sql: `ends_with(${s.sql}, ${t.sql})`, type: BOOLEAN };
  },
  LPAD: padFn("lpad"),
  RPAD: padFn("rpad"),
  REPEAT(call, env, args) {
    arity(call, 2);
    const [s, n] = args() as [Bound, Bound];
    return { ...keep(s, n), sql: `repeat(${textOf(s, env).sql}, CAST(${n.sql} AS BIGINT))`, type: VARCHAR };
  },
  REGEXP_REPLACE(call, env, args) {
    arity(call, 2, 3);
    const [s, p, r] = args().map((b) => textOf(b, env)) as [Bound, Bound, Bound | undefined];
    return { ...keep(s, p), sql: `regexp_replace(${s.sql}, ${p.sql}, ${r ? r.sql : "''"}, 'g')`, type: VARCHAR };
  },
  REGEXP_SUBSTR(call, env, args) {
    arity(call, 2);
    const [s, p] = args().map((b) => textOf(b, env)) as [Bound, Bound];
    return { ...keep(s, p), sql: `nullif(regexp_extract(${s.sql}, ${p.sql}), '')`, type: VARCHAR };
  },
  REGEXP_LIKE(call, env, args) {
    arity(call, 2);
    const [s, p] = args().map((b) => textOf(b, env)) as [Bound, Bound];
    return { ...keep(s, p), sql: `regexp_full_match(${s.sql}, ${p.sql})`, type: BOOLEAN };
  },
  ASCII(call, env, args) {
    arity(call, 1);
    const [s] = args().map((b) => textOf(b, env)) as [Bound];
    return { ...keep(s), sql: `CAST((CASE WHEN ${s.sql} = '' THEN 0 ELSE ascii(${s.sql}) END) AS DECIMAL(10,0))`, type: number(10, 0) };
  },
  CHR(call, env, args) {
    arity(call, 1);
    const [n] = args() as [Bound];
    return { ...keep(n), sql: `chr(CAST(${n.sql} AS INTEGER))`, type: varchar(1) };
  },
  SPLIT(call, env, args) {
    arity(call, 2);
    const [s, sep] = args().map((b) => textOf(b, env)) as [Bound, Bound];
    return { ...keep(s, sep), sql: `CAST(to_json(string_split(${s.sql}, ${sep.sql})) AS JSON)`, type: ARRAY };
  },

  // Hashes (https://docs.snowflake.com/en/sql-reference/functions-hash-scalar, .../functions/md5, .../functions/sha2).
  MD5: hashHex("md5"),
  MD5_HEX: hashHex("md5"),
  SHA1: hashHex("sha1"),
  SHA1_HEX: hashHex("sha1"),
  SHA2(call, env, args) {
    arity(call, 1, 2);
    const bits = call.args[1];
    const size = bits ? (bits.k === "lit" && bits.type === "number" ? Number(bits.value) : NaN) : 256;
    if (size === 256) return hashHex("sha256")(call, env, args);
    if (size === 512) return hashHex("sha512")(call, env, args);
    throw unsupported(`SHA2 with ${String(bits && bits.k === "lit" ? bits.value : "a computed")} bits (the emulator has 256 and 512)`);
  },
  SHA2_HEX(call, env, args) {
    return SCALARS.SHA2!(call, env, args);
  },
  /**
   * HASH: a signed 64-bit NUMBER(19,0), deterministic. The emulator's values are DuckDB's hash, not
   * Snowflake's (whose algorithm is not published): equal inputs hash equal, as the docs promise, but the
   * numbers differ from a real account's (README).
   */
  HASH(call, env, args) {
    if (call.star) throw unsupported("HASH(*)");
    if (call.args.length === 0) arity(call, 1);
    const a = args();
    const inner = a.length === 1 ? a[0]!.sql : `row(${a.map((b) => b.sql).join(", ")})`;
    return { ...keep(...a), sql: `CAST(CAST(hash(${inner}) AS HUGEINT) - 9223372036854775808 AS DECIMAL(19,0))`, type: number(19, 0) };
  },

  // Conversion (https://docs.snowflake.com/en/sql-reference/functions-conversion).
  TO_VARCHAR: toVarchar,
  TO_CHAR: toVarchar,
  TO_NUMBER: toNumber(false),
  TO_DECIMAL: toNumber(false),
  TO_NUMERIC: toNumber(false),
  TRY_TO_NUMBER: toNumber(true),
  TRY_TO_DECIMAL: toNumber(true),
  TRY_TO_NUMERIC: toNumber(true),
  TO_DOUBLE: castFn(FLOAT, false),
  TRY_TO_DOUBLE: castFn(FLOAT, true),
  TO_BOOLEAN: castFn(BOOLEAN, false),
  TRY_TO_BOOLEAN: castFn(BOOLEAN, true),
  TO_DATE: castFn(DATE, false),
  DATE: castFn(DATE, false),
  TRY_TO_DATE: castFn(DATE, true),
  TO_TIME: castFn(TIME, false),
  TIME: castFn(TIME, false),
  TRY_TO_TIME: castFn(TIME, true),
  TO_TIMESTAMP: toTimestamp(TIMESTAMP_NTZ, false),
  TO_TIMESTAMP_NTZ: toTimestamp(TIMESTAMP_NTZ, false),
  TO_TIMESTAMP_LTZ: toTimestamp(TIMESTAMP_LTZ, false),
  TO_TIMESTAMP_TZ: toTimestamp(TIMESTAMP_TZ, false),
  TRY_TO_TIMESTAMP: toTimestamp(TIMESTAMP_NTZ, true),
  TRY_TO_TIMESTAMP_NTZ: toTimestamp(TIMESTAMP_NTZ, true),
  TRY_TO_TIMESTAMP_LTZ: toTimestamp(TIMESTAMP_LTZ, true),
  TRY_TO_TIMESTAMP_TZ: toTimestamp(TIMESTAMP_TZ, true),
  TO_VARIANT: castFn(VARIANT, false),
  TO_OBJECT: castFn(OBJECT, false),
  TO_ARRAY(call, env, args) {
    arity(call, 1);
    const [a] = args() as [Bound];
    if (a.type.base === "ARRAY") return a;
    if (a.type.base === "NULL") return { sql: "CAST(NULL AS JSON)", type: ARRAY };
    const v = variantOrNull(a, env);
    return { ...keep(a), sql: `(CASE WHEN ${a.sql} IS NULL THEN NULL WHEN json_type(${v}) = 'ARRAY' THEN ${v} ELSE CAST(to_json([${v}]) AS JSON) END)`, type: ARRAY };
  },
  TO_BINARY(call, env, args) {
    arity(call, 1, 2);
    const [a, f] = args() as [Bound, Bound | undefined];
    if (f && !(call.args[1]?.k === "lit" && /^hex$/i.test((call.args[1] as { value: string }).value))) throw unsupported("TO_BINARY with a format other than HEX");
    return castTo(a, BINARY, env.ctx.session);
  },
  HEX_ENCODE(call, env, args) {
    arity(call, 1, 2);
    const [a] = args() as [Bound];
    const bytes = a.type.base === "BINARY" ? a.sql : `encode(${textOf(a, env).sql})`;
    const upper = call.args[1] && call.args[1].k === "lit" && call.args[1].value === "0" ? "lower" : "upper";
    return { ...keep(a), sql: `${upper}(hex(${bytes}))`, type: VARCHAR };
  },
  BASE64_ENCODE(call, env, args) {
    arity(call, 1);
    const [a] = args() as [Bound];
    const bytes = a.type.base === "BINARY" ? a.sql : `encode(${textOf(a, env).sql})`;
    return { ...keep(a), sql: `to_base64(${bytes})`, type: VARCHAR };
  },
  TO_JSON(call, env, args) {
    arity(call, 1);
    const [a] = args() as [Bound];
    if (a.type.base === "NULL") return { sql: "CAST(NULL AS VARCHAR)", type: VARCHAR };
    if (!isSemiStructured(a.type)) throw invalidArgumentTypes("TO_JSON", [a.type]);
    // The canonical JSON text the emulator stores is Snowflake's TO_JSON output: compact, keys sorted.
    return { ...keep(a), sql: `CAST(${a.sql} AS VARCHAR)`, type: VARCHAR };
  },
  PARSE_JSON: parseJson(false),
  TRY_PARSE_JSON: parseJson(true),
  CHECK_JSON(call, env, args) {
    arity(call, 1);
    const [a] = args().map((b) => textOf(b, env)) as [Bound];
    return { ...keep(a), sql: `(CASE WHEN ${a.sql} IS NULL OR json_valid(${a.sql}) THEN NULL ELSE 'invalid JSON' END)`, type: VARCHAR };
  },

  // Semi-structured data (https://docs.snowflake.com/en/sql-reference/functions-semistructured).
  OBJECT_CONSTRUCT: objectConstruct(false),
  OBJECT_CONSTRUCT_KEEP_NULL: objectConstruct(true),
  ARRAY_CONSTRUCT(call, env, args) {
    const a = args();
    // SQL NULLs become JSON nulls in an array (https://docs.snowflake.com/en/sql-reference/functions/array_construct).
    const items = a.map((b) => `coalesce(${variantOrNull(b, env)}, 'null'::JSON)`);
    return { ...keep(...a), sql: a.length === 0 ? "'[]'::JSON" : `CAST(to_json([${items.join(", ")}]) AS JSON)`, type: ARRAY };
  },
  ARRAY_SIZE(call, env, args) {
    arity(call, 1);
    const [a] = args() as [Bound];
    return { ...keep(a), sql: `(CASE WHEN json_type(${a.sql}) = 'ARRAY' THEN CAST(json_array_length(${a.sql}) AS DECIMAL(38,0)) END)`, type: NUMBER_38_0 };
  },
  GET(call, env) {
    arity(call, 2);
    const base = bindExpr(call.args[0]!, env);
    const key = call.args[1]!;
    return pathOf(base, key.k === "lit" && key.type === "string" ? [{ key: key.value }] : [{ index: key }], env);
  },
  GET_PATH(call, env) {
    arity(call, 2);
    const base = bindExpr(call.args[0]!, env);
    const p = call.args[1]!;
    if (p.k !== "lit" || p.type !== "string") throw unsupported("GET_PATH with a path that is not a constant");
    const steps = p.value.split(/\.|\[|\]/).filter((s) => s !== "").map((s) => (/^\d+$/.test(s) ? { index: { k: "lit", type: "number", value: s, pos: p.pos } as Expr } : { key: s.replace(/^"|"$/g, "") }));
    return pathOf(base, steps, env);
  },
  OBJECT_KEYS(call, env, args) {
    arity(call, 1);
    const [a] = args() as [Bound];
    return { ...keep(a), sql: `CAST(to_json(json_keys(${a.sql})) AS JSON)`, type: ARRAY };
  },
  TYPEOF(call, env, args) {
    arity(call, 1);
    const [a] = args() as [Bound];
    const t = `json_type(${a.sql})`;
    return {
      ...keep(a),
      sql: `(CASE ${t} WHEN 'NULL' THEN 'NULL_VALUE' WHEN 'VARCHAR' THEN 'VARCHAR' WHEN 'BOOLEAN' THEN 'BOOLEAN' WHEN 'DOUBLE' THEN 'DOUBLE' WHEN 'UBIGINT' THEN 'INTEGER' WHEN 'BIGINT' THEN 'INTEGER' WHEN 'OBJECT' THEN 'OBJECT' WHEN 'ARRAY' THEN 'ARRAY' ELSE 'DECIMAL' END)`,
      type: VARCHAR,
    };
  },
  IS_NULL_VALUE(call, env, args) {
    arity(call, 1);
    const [a] = args() as [Bound];
    return { ...keep(a), sql: `(json_type(${a.sql}) = 'NULL')`, type: BOOLEAN };
  },

  // Dates and times (https://docs.snowflake.com/en/sql-reference/functions-date-time).
  CURRENT_TIMESTAMP: () => ({ sql: NOW, type: TIMESTAMP_LTZ }),
  LOCALTIMESTAMP: () => ({ sql: NOW, type: TIMESTAMP_LTZ }),
  SYSTIMESTAMP: () => ({ sql: NOW, type: TIMESTAMP_LTZ }),
  GETDATE: () => ({ sql: NOW, type: TIMESTAMP_LTZ }),
  SYSDATE: () => ({ sql: `CAST(timezone('UTC', now()) AS TIMESTAMP)`, type: TIMESTAMP_NTZ }),
  CURRENT_DATE: () => ({ sql: `CAST(${NOW} AS DATE)`, type: DATE }),
  CURRENT_TIME: () => ({ sql: `CAST(${NOW} AS TIME)`, type: TIME }),
  LOCALTIME: () => ({ sql: `CAST(${NOW} AS TIME)`, type: TIME }),
  DATEADD(call, env) {
    arity(call, 3);
    const part = datePart(call.args[0]!);
    const n = bindExpr(call.args[1]!, env);
    const v = temporal(bindExpr(call.args[2]!, env), env);
    const type = v.type.base === "DATE" && !["year", "quarter", "month", "week", "day"].includes(part) ? TIMESTAMP_NTZ : v.type;
    const count = `CAST(${n.sql} AS BIGINT)`;
    const intervals: Record<string, string> = {
      year: `to_years(CAST(${count} AS INTEGER))`,
      quarter: `to_months(CAST(3 * ${count} AS INTEGER))`,
      month: `to_months(CAST(${count} AS INTEGER))`,
      week: `to_days(CAST(7 * ${count} AS INTEGER))`,
      day: `to_days(CAST(${count} AS INTEGER))`,
      hour: `to_hours(${count})`,
      minute: `to_minutes(${count})`,
      second: `to_seconds(CAST(${count} AS DOUBLE))`,
      millisecond: `to_milliseconds(CAST(${count} AS DOUBLE))`,
      microsecond: `to_microseconds(${count})`,
    };
    const interval = intervals[part];
    if (!interval) throw compilationError(`Invalid date or time part for DATEADD`);
    return { ...keep(n, v), sql: `CAST((${v.sql} + ${interval}) AS ${storageType(type)})`, type };
  },
  TIMESTAMPADD(call, env, args) {
    return SCALARS.DATEADD!(call, env, args);
  },
  DATEDIFF(call, env) {
    arity(call, 3);
    const part = datePart(call.args[0]!);
    const a = temporal(bindExpr(call.args[1]!, env), env);
    const b = temporal(bindExpr(call.args[2]!, env), env);
    // Snowflake counts boundaries crossed, as DuckDB's date_diff does.
    return { ...keep(a, b), sql: `CAST(date_diff('${part}', ${a.sql}, ${b.sql}) AS DECIMAL(18,0))`, type: NUMBER_18_0 };
  },
  TIMESTAMPDIFF(call, env, args) {
    return SCALARS.DATEDIFF!(call, env, args);
  },
  DATE_TRUNC(call, env) {
    arity(call, 2);
    const part = datePart(call.args[0]!);
    const v = temporal(bindExpr(call.args[1]!, env), env);
    return { ...keep(v), sql: `CAST(date_trunc('${part}', ${v.sql}) AS ${storageType(v.type)})`, type: v.type };
  },
  EXTRACT(call, env) {
    arity(call, 2);
    const part = datePart(call.args[0]!);
    const v = temporal(bindExpr(call.args[1]!, env), env);
    return { ...keep(v), sql: `CAST(date_part('${part}', ${v.sql}) AS DECIMAL(18,0))`, type: NUMBER_18_0 };
  },
  DATE_PART(call, env, args) {
    return SCALARS.EXTRACT!(call, env, args);
  },
  YEAR: partFn("year"),
  MONTH: partFn("month"),
  DAY: partFn("day"),
  DAYOFMONTH: partFn("day"),
  DAYOFWEEK: partFn("dow"),
  DAYOFYEAR: partFn("doy"),
  QUARTER: partFn("quarter"),
  HOUR: partFn("hour"),
  MINUTE: partFn("minute"),
  SECOND: partFn("second"),
  LAST_DAY(call, env) {
    arity(call, 1);
    const v = temporal(bindExpr(call.args[0]!, env), env);
    return { ...keep(v), sql: `last_day(${v.sql})`, type: DATE };
  },
  CONVERT_TIMEZONE(call, env) {
    arity(call, 2, 3);
    if (call.args.length === 2) {
      // (target, value): a TIMESTAMP_TZ in the target zone; as NTZ its wall clock there.
      const zone = textOf(bindExpr(call.args[0]!, env), env);
      const v = temporal(bindExpr(call.args[1]!, env), env);
      const instant = v.type.base === "TIMESTAMP_NTZ" ? `CAST(${v.sql} AS TIMESTAMPTZ)` : v.sql;
      return { ...keep(zone, v), sql: `timezone(${zone.sql}, ${instant})`, type: TIMESTAMP_NTZ };
    }
    const from = textOf(bindExpr(call.args[0]!, env), env);
    const to = textOf(bindExpr(call.args[1]!, env), env);
    const v = temporal(bindExpr(call.args[2]!, env), env);
    return { ...keep(from, to, v), sql: `timezone(${to.sql}, timezone(${from.sql}, CAST(${v.sql} AS TIMESTAMP)))`, type: TIMESTAMP_NTZ };
  },

  // Numbers (https://docs.snowflake.com/en/sql-reference/functions-numeric).
  ABS(call, env, args) {
    arity(call, 1);
    const [a] = args().map((b) => numeric(b, env)) as [Bound];
    return { ...keep(a), sql: `abs(${a.sql})`, type: a.type };
  },
  SIGN(call, env, args) {
    arity(call, 1);
    const [a] = args().map((b) => numeric(b, env)) as [Bound];
    return { ...keep(a), sql: `CAST(sign(${a.sql}) AS DECIMAL(1,0))`, type: number(1, 0) };
  },
  ROUND: roundFn("round"),
  TRUNC: roundFn("trunc"),
  TRUNCATE: roundFn("trunc"),
  FLOOR: roundFn("floor"),
  CEIL: roundFn("ceil"),
  CEILING: roundFn("ceil"),
  MOD(call, env, args) {
    arity(call, 2);
    const [a, b] = args() as [Bound, Bound];
    return { ...keep(a, b), ...bindExpr({ k: "bin", op: "%", l: call.args[0]!, r: call.args[1]!, pos: call.pos }, env) };
  },
  DIV0(call, env, args) {
    arity(call, 2);
    const [, b] = args() as [Bound, Bound];
    const q = bindExpr({ k: "bin", op: "/", l: call.args[0]!, r: { k: "call", name: "NULLIF", args: [call.args[1]!, { k: "lit", type: "number", value: "0", pos: call.pos }], distinct: false, star: false, pos: call.pos }, pos: call.pos }, env);
    return { ...q, sql: `(CASE WHEN ${b.sql} = 0 THEN 0 ELSE ${q.sql} END)` };
  },
  POWER: floatFn("pow", 2),
  POW: floatFn("pow", 2),
  SQRT: floatFn("sqrt", 1),
  EXP: floatFn("exp", 1),
  LN: floatFn("ln", 1),
  RANDOM(call) {
    arity(call, 0, 1);
    return { sql: `CAST(floor((random() - 0.5) * 18446744073709551615) AS DECIMAL(19,0))`, type: number(19, 0) };
  },
  UNIFORM(call, env, args) {
    arity(call, 3);
    const [lo, hi] = args() as [Bound, Bound, Bound];
    if (lo.type.base === "FLOAT" || hi.type.base === "FLOAT") return { ...keep(lo, hi), sql: `(${lo.sql} + random() * (${hi.sql} - ${lo.sql}))`, type: FLOAT };
    return { ...keep(lo, hi), sql: `CAST(floor(${lo.sql} + random() * (${hi.sql} - ${lo.sql} + 1)) AS DECIMAL(38,0))`, type: NUMBER_38_0 };
  },
  SEQ4: seqFn,
  SEQ8: seqFn,

  // Context (https://docs.snowflake.com/en/sql-reference/functions-context).
  CURRENT_DATABASE: (call, env) => context(env.ctx.session.database),
  CURRENT_SCHEMA: (call, env) => context(env.ctx.session.schema),
  CURRENT_WAREHOUSE: (call, env) => context(env.ctx.session.warehouse),
  CURRENT_ROLE: (call, env) => context(env.ctx.session.role),
  CURRENT_USER: (call, env) => context(env.ctx.session.user),
  CURRENT_ACCOUNT: (call, env) => context(env.ctx.session.account),
  CURRENT_SESSION: (call, env) => context(env.ctx.session.sessionId),
  CURRENT_VERSION: () => context("8.40.0 (reverse-etl emulator)"),
  CURRENT_REGION: () => context("EMULATOR"),
};

function extreme(fn: "greatest" | "least"): Scalar {
  return (call, env, args) => {
    if (call.args.length < 1) arity(call, 1);
    const a = args();
    const type = a.map((b) => b.type).reduce(commonType);
    const values = a.map((b) => coerce(b, type, env).sql);
    const anyNull = a.map((b) => `${b.sql} IS NULL`).join(" OR ");
    return { ...keep(...a), sql: `(CASE WHEN ${anyNull} THEN NULL ELSE ${fn}(${values.join(", ")}) END)`, type };
  };
}

function textFn(fn: string): Scalar {
  return (call, env, args) => {
    arity(call, 1);
    const [a] = args().map((b) => textOf(b, env)) as [Bound];
    return { ...keep(a), sql: `${fn}(${a.sql})`, type: VARCHAR };
  };
}

function trimFn(fn: string): Scalar {
  return (call, env, args) => {
    arity(call, 1, 2);
    const [a, chars] = args().map((b) => textOf(b, env)) as [Bound, Bound | undefined];
    return { ...keep(a), sql: `${fn}(${a.sql}${chars ? `, ${chars.sql}` : ", ' '"})`, type: VARCHAR };
  };
}

function padFn(fn: string): Scalar {
  return (call, env, args) => {
    arity(call, 2, 3);
    const [s, n, p] = args() as [Bound, Bound, Bound | undefined];
    return { ...keep(s, n), sql: `${fn}(${textOf(s, env).sql}, CAST(${n.sql} AS INTEGER), ${p ? textOf(p, env).sql : "' '"})`, type: VARCHAR };
  };
}

function partFn(part: string): Scalar {
  return (call, env) => {
    arity(call, 1);
    const v = temporal(bindExpr(call.args[0]!, env), env);
    return { ...keep(v), sql: `CAST(date_part('${part}', ${v.sql}) AS DECIMAL(18,0))`, type: NUMBER_18_0 };
  };
}

function floatFn(fn: string, n: number): Scalar {
  return (call, env, args) => {
    arity(call, n);
    const a = args().map((b) => `CAST(${numeric(b, env).sql} AS DOUBLE)`);
    return { sql: `${fn}(${a.join(", ")})`, type: FLOAT };
  };
}

/** ROUND, TRUNC, FLOOR, CEIL keep NUMBER's type with the scale asked for (https://docs.snowflake.com/en/sql-reference/functions/round). */
function roundFn(fn: "round" | "trunc" | "floor" | "ceil"): Scalar {
  return (call, env, args) => {
    arity(call, 1, 2);
    const [a0, s] = args() as [Bound, Bound | undefined];
    if (fn === "trunc" && (a0.type.base === "DATE" || isTimestamp(a0.type))) {
      return SCALARS.DATE_TRUNC!({ ...call, args: [call.args[1] ?? { k: "lit", type: "string", value: "DAY", pos: call.pos }, call.args[0]!] }, env, args);
    }
    const a = numeric(a0, env);
    const scaleExpr = call.args[1];
    const scale = scaleExpr ? (scaleExpr.k === "lit" && scaleExpr.type === "number" ? Number(scaleExpr.value) : undefined) : 0;
    if (scale === undefined) throw unsupported(`${call.name} with a scale that is not a constant`);
    if (a.type.base === "FLOAT") {
      const expr = fn === "round" ? `round(${a.sql}, ${scale})` : fn === "trunc" ? `trunc(${a.sql} * pow(10, ${scale})) / pow(10, ${scale})` : `${fn}(${a.sql} * pow(10, ${scale})) / pow(10, ${scale})`;
      return { ...keep(a), sql: expr, type: FLOAT };
    }
    const t = a.type.base === "NUMBER" ? a.type : number(38, 0);
    const outScale = Math.max(0, Math.min(t.scale, scale));
    const type = number(Math.min(38, t.precision - t.scale + outScale + (fn === "trunc" ? 0 : 1)), outScale);
    const storage = storageType(type);
    // DuckDB's ROUND on DECIMAL rounds half away from zero, as Snowflake's HALF_AWAY_FROM_ZERO default.
    const inner = fn === "round" ? `round(${a.sql}, ${scale})` : fn === "trunc" ? `trunc(${a.sql}, ${scale})` : `${fn}(${a.sql} * ${10 ** scale}) / ${10 ** scale}`;
    return { ...keep(a, ...(s ? [s] : [])), sql: `CAST(${inner} AS ${storage})`, type };
  };
}

function seqFn(call: Call): Bound {
  arity(call, 0, 1);
  return { sql: "CAST((row_number() OVER () - 1) AS DECIMAL(19,0))", type: number(19, 0) };
}

function castFn(type: SfType, tryCast: boolean): Scalar {
  return (call, env, args) => {
    arity(call, 1, 2);
    const [a, f] = args() as [Bound, Bound | undefined];
    if (f) {
      if ((type.base === "DATE" || isTimestamp(type)) && a.type.base === "VARCHAR") return parseWithFormat(a, call.args[1]!, type, tryCast);
      throw unsupported(`${call.name} with a format`);
    }
    return castTo(a, type, env.ctx.session, tryCast);
  };
}

/** TO_DATE / TO_TIMESTAMP with a format: DuckDB's strptime with the translated format. */
function parseWithFormat(a: Bound, formatExpr: Expr, type: SfType, tryCast: boolean): Bound {
  if (formatExpr.k !== "lit" || formatExpr.type !== "string") throw unsupported("a date format that is not a constant");
  const f = formatExpr.value;
  if (/TZH|TZM/i.test(f)) throw unsupported("time zone fields in a parse format");
  const strptime = tryCast ? "try_strptime" : "strptime";
  const fmt = strftimeFormatForParse(f);
  return { ...keep(a), sql: `CAST(${strptime}(${a.sql}, ${literal(fmt)}) AS ${storageType(type)})`, type };
}

/** A Snowflake format as DuckDB's strptime reads it: FF of any width reads the fraction as microseconds. */
function strftimeFormatForParse(format: string): string {
  return strftimeFormat(format.replace(/FF\d?/gi, "FF6"));
}

function toTimestamp(type: SfType, tryCast: boolean): Scalar {
  return (call, env, args) => {
    arity(call, 1, 2);
    const [a, second] = args() as [Bound, Bound | undefined];
    if (isNumeric(a.type)) {
      // Epoch seconds (or milli/micro/nanoseconds with a scale argument).
      const scale = second ? (call.args[1]!.k === "lit" ? Number((call.args[1] as { value: string }).value) : NaN) : 0;
      if (!Number.isInteger(scale)) throw unsupported(`${call.name} with a computed scale`);
      const instant = `to_timestamp(CAST(${a.sql} AS DOUBLE) / ${10 ** scale})`;
      const sql = type.base === "TIMESTAMP_NTZ" ? `CAST(timezone('UTC', ${instant}) AS TIMESTAMP)` : instant;
      return { ...keep(a), sql, type };
    }
    if (second) {
      if (a.type.base !== "VARCHAR") throw unsupported(`${call.name} with a format on a non-text value`);
      return parseWithFormat(a, call.args[1]!, type, tryCast);
    }
    return castTo(a, type, env.ctx.session, tryCast);
  };
}

function toVarchar(call: Call, env: ExprEnv, args: () => Bound[]): Bound {
  arity(call, 1, 2);
  const [a, f] = args() as [Bound, Bound | undefined];
  if (!f) return castTo(a, VARCHAR, env.ctx.session);
  const format = call.args[1]!;
  if (format.k !== "lit" || format.type !== "string") throw unsupported("TO_VARCHAR with a format that is not a constant");
  if (a.type.base === "BINARY") {
    const fmt = format.value.toUpperCase();
    if (fmt === "HEX") return { ...keep(a), sql: `hex(${a.sql})`, type: VARCHAR };
    if (fmt === "BASE64") return { ...keep(a), sql: `to_base64(${a.sql})`, type: VARCHAR };
    if (fmt === "UTF-8" || fmt === "UTF8") return { ...keep(a), sql: `decode(${a.sql})`, type: VARCHAR };
    throw compilationError(`Unsupported binary format '${format.value}'`);
  }
  if (a.type.base === "DATE" || a.type.base === "TIME" || isTimestamp(a.type)) {
    return { ...keep(a), sql: formatDateTime(a.sql, a.type, format.value), type: VARCHAR };
  }
  throw unsupported(`TO_VARCHAR of ${a.type.base} with a format`);
}

function toNumber(tryCast: boolean): Scalar {
  return (call, env, args) => {
    arity(call, 1, 4);
    const a = args();
    const nums = call.args.slice(1).filter((x) => x.k === "lit" && x.type === "number").map((x) => Number((x as { value: string }).value));
    if (call.args.length > 1 && call.args[1]!.k === "lit" && call.args[1]!.type === "string") throw unsupported(`${call.name} with a format`);
    const [precision = 38, scale = 0] = nums;
    return castTo(a[0]!, number(precision, scale), env.ctx.session, tryCast);
  };
}

function parseJson(tryParse: boolean): Scalar {
  return (call, env, args) => {
    arity(call, 1);
    const [a] = args().map((b) => textOf(b, env)) as [Bound];
    // sf_canonical_json (registered on every emulator connection) sorts keys and keeps number texts exact.
    const fail = tryParse ? "NULL" : raise("100069", "22P02", "Error parsing JSON: invalid JSON text");
    return { ...keep(a), sql: `(CASE WHEN ${a.sql} IS NULL THEN NULL WHEN json_valid(${a.sql}) THEN CAST(sf_canonical_json(${a.sql}) AS JSON) ELSE ${fail} END)`, type: VARIANT };
  };
}

/** GET and GET_PATH: a path into a semi-structured value, as `v:a.b[0]` reads it. */
function pathOf(base: Bound, steps: Array<{ key: string } | { index: Expr }>, env: ExprEnv): Bound {
  if (!isSemiStructured(base.type) && base.type.base !== "NULL") throw invalidArgumentTypes("GET", [base.type]);
  return pathAccess(base, steps, env);
}

/** Functions Snowflake has that the emulator refuses rather than approximates. */
const KNOWN_UNSUPPORTED = new Set([
  "FLATTEN", "LATERAL", "GENERATOR", "RESULT_SCAN", "OBJECT_INSERT", "OBJECT_DELETE", "OBJECT_PICK", "ARRAY_APPEND", "ARRAY_CAT",
  "ARRAY_COMPACT", "ARRAY_CONTAINS", "ARRAY_DISTINCT", "ARRAY_INTERSECTION", "ARRAY_SLICE", "ARRAY_TO_STRING", "ARRAYS_OVERLAP",
  "AS_VARCHAR", "AS_NUMBER", "AS_INTEGER", "AS_DOUBLE", "AS_BOOLEAN", "AS_OBJECT", "AS_ARRAY", "AS_DATE", "AS_TIMESTAMP_NTZ",
  "INITCAP", "STRTOK", "STRTOK_TO_ARRAY", "SOUNDEX", "EDITDISTANCE", "JAROWINKLER_SIMILARITY", "REGEXP_COUNT", "REGEXP_INSTR", "TRANSLATE",
  "UUID_STRING", "HASH_AGG", "APPROX_COUNT_DISTINCT", "HLL", "MINHASH", "PERCENTILE_CONT", "PERCENTILE_DISC", "MEDIAN", "MODE",
  "STDDEV", "STDDEV_SAMP", "STDDEV_POP", "VARIANCE", "VAR_SAMP", "VAR_POP", "CORR", "COVAR_SAMP", "COVAR_POP", "NTILE",
  "PERCENT_RANK", "CUME_DIST", "NTH_VALUE", "RATIO_TO_REPORT", "CONDITIONAL_TRUE_EVENT", "CONDITIONAL_CHANGE_EVENT",
  "XMLGET", "PARSE_XML", "ST_MAKEPOINT", "TO_GEOGRAPHY", "SYSTEM$TYPEOF", "MONTHNAME", "DAYNAME", "NEXT_DAY", "PREVIOUS_DAY",
  "ADD_MONTHS", "MONTHS_BETWEEN", "TIME_SLICE", "DATE_FROM_PARTS", "TIMESTAMP_FROM_PARTS", "TIME_FROM_PARTS", "ENCRYPT", "DECRYPT",
  "COMPRESS", "DECOMPRESS_STRING", "BASE64_DECODE_STRING", "HEX_DECODE_STRING", "TRY_HEX_DECODE_STRING", "COLLATE", "COLLATION",
]);
