import { compilationError, unsupported } from "../emulator-errors.js";
import {
  ARRAY,
  BOOLEAN,
  FLOAT,
  OBJECT,
  VARCHAR,
  VARIANT,
  isNumeric,
  isSemiStructured,
  isTimestamp,
  storageType,
  typeName,
  type SfType,
} from "../sql/sf-types.js";
import { literal } from "./catalog.js";
import type { Bound, BindSession } from "./bound.js";

/** Snowflake's default output formats (https://docs.snowflake.com/en/sql-reference/parameters). */
export const DEFAULT_OUTPUT_FORMATS: Readonly<Record<string, string>> = {
  DATE_OUTPUT_FORMAT: "YYYY-MM-DD",
  TIME_OUTPUT_FORMAT: "HH24:MI:SS",
  TIMESTAMP_OUTPUT_FORMAT: "YYYY-MM-DD HH24:MI:SS.FF3 TZHTZM",
  TIMESTAMP_NTZ_OUTPUT_FORMAT: "YYYY-MM-DD HH24:MI:SS.FF3",
  TIMESTAMP_LTZ_OUTPUT_FORMAT: "",
  TIMESTAMP_TZ_OUTPUT_FORMAT: "",
  BINARY_OUTPUT_FORMAT: "HEX",
};

/** An error DuckDB raises that the engine turns into a Snowflake error: `error('SF<code>:<sqlstate>:<message>')`. */
export function raise(code: string, sqlState: string, message: string): string {
  return `error(${literal(`SF${code}:${sqlState}:${message}`)})`;
}

/** The output format a type converts to text with, in this session. */
export function outputFormat(type: SfType, session: BindSession): string {
  const get = (name: string) => session.parameter(name) || DEFAULT_OUTPUT_FORMATS[name] || "";
  switch (type.base) {
    case "DATE":
      return get("DATE_OUTPUT_FORMAT");
    case "TIME":
      return get("TIME_OUTPUT_FORMAT");
    case "TIMESTAMP_NTZ":
      return get("TIMESTAMP_NTZ_OUTPUT_FORMAT") || get("TIMESTAMP_OUTPUT_FORMAT");
    case "TIMESTAMP_LTZ":
      return get("TIMESTAMP_LTZ_OUTPUT_FORMAT") || get("TIMESTAMP_OUTPUT_FORMAT");
    case "TIMESTAMP_TZ":
      return get("TIMESTAMP_TZ_OUTPUT_FORMAT") || get("TIMESTAMP_OUTPUT_FORMAT");
    default:
      return "";
  }
}

/**
 * A Snowflake date and time format (https://docs.snowflake.com/en/sql-reference/functions-conversion#date-and-time-formats-in-conversion-functions)
 * as a DuckDB `strftime` format. Quoted text is literal; FF3/FF6/FF9 are milli-, micro- and nanoseconds
 * (the emulator keeps microseconds, so FF9 ends in 000). TZH and TZM are handled by the caller.
 */
export function strftimeFormat(format: string): string {
  let out = "";
  let i = 0;
  const upper = format.toUpperCase();
  const rules: Array<[string, string]> = [
    ["YYYY", "%Y"],
    ["YY", "%y"],
    ["MMMM", "%B"],
    ["MON", "%b"],
    ["MM", "%m"],
    ["DD", "%d"],
    ["DY", "%a"],
    ["HH24", "%H"],
    ["HH12", "%I"],
    ["HH", "%I"],
    ["AM", "%p"],
    ["PM", "%p"],
    ["MI", "%M"],
    ["SS", "%S"],
    ["FF9", "%n"],
    ["FF6", "%f"],
    ["FF3", "%g"],
    ["FF", "%n"],
  ];
  while (i < format.length) {
    const ch = format[i]!;
    if (ch === '"') {
      const close = format.indexOf('"', i + 1);
      const text = close < 0 ? format.slice(i + 1) : format.slice(i + 1, close);
      out += text.replace(/%/g, "%%");
      i = close < 0 ? format.length : close + 1;
      continue;
    }
    if (upper.startsWith("TZH", i) || upper.startsWith("TZM", i)) {
      out += upper.startsWith("TZH", i) ? "\u0001" : "\u0002";
      i += 3;
      continue;
    }
    const rule = rules.find(([k]) => upper.startsWith(k, i));
    if (rule) {
      out += rule[1];
      i += rule[0].length;
      continue;
    }
    if (/[A-Z]/i.test(ch)) throw compilationError(`Can't parse '${format}' as date/time format`);
    out += ch === "%" ? "%%" : ch;
    i++;
  }
  return out;
}

/** A date or time value formatted with a Snowflake format, in DuckDB. */
export function formatDateTime(value: string, type: SfType, format: string): string {
  // DuckDB formats dates and timestamps; a TIME is formatted as that time on 1970-01-01.
  if (type.base === "TIME") value = `(DATE '1970-01-01' + ${value})`;
  const f = strftimeFormat(format);
  const hasZone = f.includes("\u0001") || f.includes("\u0002");
  if (!hasZone) return `strftime(${value}, ${literal(f)})`;
  // TZH and TZM: the offset of the value's zone (the session's time zone for TIMESTAMP_LTZ).
  const offset = type.base === "TIMESTAMP_NTZ" || type.base === "DATE" ? "'+0000'" : `strftime(${value}, '%z')`;
  const parts = f.split(/([\u0001\u0002])/).filter((p) => p !== "");
  const pieces = parts.map((p) => {
    if (p === "\u0001") return `substr(replace(${offset}, ':', ''), 1, 3)`;
    if (p === "\u0002") return `substr(replace(${offset}, ':', ''), 4, 2)`;
    return `strftime(${value}, ${literal(p)})`;
  });
  return `(${pieces.join(" || ")})`;
}

/**
 * A value as text, the way Snowflake converts it with TO_VARCHAR or `::VARCHAR`
 * (https://docs.snowflake.com/en/sql-reference/functions/to_char): numbers keep their scale's digits,
 * FLOAT is its shortest round-trip text, dates and times follow the session's output formats, BINARY is
 * hex, a VARIANT string is its content and any other VARIANT its JSON.
 */
export function toText(b: Bound, session: BindSession): string {
  const t = b.type;
  switch (t.base) {
    case "VARCHAR":
    case "NULL":
      return b.sql;
    case "NUMBER":
      return `CAST(${b.sql} AS VARCHAR)`;
    case "FLOAT":
      return `(CASE WHEN isnan(${b.sql}) THEN 'NaN' WHEN ${b.sql} = 'infinity'::DOUBLE THEN 'inf' WHEN ${b.sql} = '-infinity'::DOUBLE THEN '-inf' ELSE CAST(${b.sql} AS VARCHAR) END)`;
    case "BOOLEAN":
      return `(CASE WHEN ${b.sql} THEN 'true' WHEN NOT ${b.sql} THEN 'false' END)`;
    case "BINARY":
      return `hex(${b.sql})`;
    case "DATE":
    case "TIME":
    case "TIMESTAMP_NTZ":
    case "TIMESTAMP_LTZ":
    case "TIMESTAMP_TZ":
      return formatDateTime(b.sql, t, outputFormat(t, session));
    case "VARIANT":
    case "OBJECT":
    case "ARRAY":
      return `(CASE WHEN json_type(${b.sql}) = 'VARCHAR' THEN json_extract_string(${b.sql}, '$') ELSE CAST(${b.sql} AS VARCHAR) END)`;
  }
}

/** A value as a VARIANT (canonical JSON text), as TO_VARIANT stores it. */
export function toVariant(b: Bound, session: BindSession): string {
  const t = b.type;
  switch (t.base) {
    case "VARIANT":
    case "OBJECT":
    case "ARRAY":
      return b.sql;
    case "NULL":
      return "CAST(NULL AS JSON)";
    case "NUMBER":
      // The number's exact text, without trailing fractional zeros: NUMBER(10,2) 1.50 is 1.5 in a VARIANT.
      return t.scale === 0 ? `CAST(CAST(${b.sql} AS VARCHAR) AS JSON)` : `CAST(regexp_replace(CAST(${b.sql} AS VARCHAR), '\\.?0+$', '') AS JSON)`;
    case "BOOLEAN":
    case "VARCHAR":
    case "DATE":
      return `to_json(${b.sql})`;
    case "FLOAT":
      return `(CASE WHEN isnan(${b.sql}) THEN '"NaN"'::JSON WHEN isinf(${b.sql}) THEN (CASE WHEN ${b.sql} > 0 THEN '"Infinity"' ELSE '"-Infinity"' END)::JSON ELSE to_json(${b.sql}) END)`;
    default:
      return `to_json(${toText(b, session)})`;
  }
}

/** `CAST(x AS type)` with Snowflake's conversion rules; `tryCast` gives NULL where a conversion fails. */
export function castTo(b: Bound, target: SfType, session: BindSession, tryCast = false): Bound {
  const from = b.type;
  const storage = storageType(target);
  const cast = tryCast ? "TRY_CAST" : "CAST";
  const done = (sql: string): Bound => ({ sql, type: target, ...(b.aggregate ? { aggregate: true } : {}) });
  if (from.base === "NULL") return done(`CAST(NULL AS ${storage})`);
  if (typeName(from) === typeName(target)) return done(b.sql);
  switch (target.base) {
    case "VARCHAR": {
      const text = toText(b, session);
      return done(target.length < 16_777_216 ? `${checkLength(text, target.length)}` : text);
    }
    case "NUMBER": {
      if (from.base === "VARCHAR") return done(`${cast}(trim(${b.sql}) AS ${storage})`);
      if (from.base === "BOOLEAN") return done(`CAST(CASE WHEN ${b.sql} THEN 1 ELSE 0 END AS ${storage})`);
      if (isSemiStructured(from)) return done(`${cast}(${toText(b, session)} AS ${storage})`);
      if (isNumeric(from)) return done(`${cast}(${b.sql} AS ${storage})`);
      break;
    }
    case "FLOAT": {
      if (from.base === "VARCHAR") return done(`${cast}(trim(${b.sql}) AS DOUBLE)`);
      if (isNumeric(from) || from.base === "BOOLEAN") return done(`CAST(${b.sql} AS DOUBLE)`);
      if (isSemiStructured(from)) return done(`${cast}(${toText(b, session)} AS DOUBLE)`);
      break;
    }
    case "BOOLEAN": {
      // https://docs.snowflake.com/en/sql-reference/functions/to_boolean: the texts Snowflake accepts.
      if (from.base === "VARCHAR" || isSemiStructured(from)) {
        const text = `lower(trim(${toText(b, session)}))`;
        const fail = tryCast ? "NULL" : raise("100037", "22018", "Boolean value is not recognized");
        return done(`(CASE WHEN ${b.sql} IS NULL THEN NULL WHEN ${text} IN ('true','t','yes','y','on','1') THEN true WHEN ${text} IN ('false','f','no','n','off','0') THEN false ELSE ${fail} END)`);
      }
      if (isNumeric(from)) return done(`(${b.sql} <> 0)`);
      break;
    }
    case "DATE": {
      if (from.base === "VARCHAR") return done(`${cast}(trim(${b.sql}) AS DATE)`);
      if (isTimestamp(from)) return done(`CAST(${b.sql} AS DATE)`);
      if (isSemiStructured(from)) return done(`${cast}(${toText(b, session)} AS DATE)`);
      break;
    }
    case "TIME": {
      if (from.base === "VARCHAR") return done(`${cast}(trim(${b.sql}) AS TIME)`);
      if (isTimestamp(from)) return done(`CAST(${b.sql} AS TIME)`);
      break;
    }
    case "TIMESTAMP_NTZ":
    case "TIMESTAMP_LTZ":
    case "TIMESTAMP_TZ": {
      // An offset after a space (`... 15:16:01 +02:00`, Snowflake's own text) is read by DuckDB only when attached.
      if (from.base === "VARCHAR") return done(`${cast}(regexp_replace(trim(${b.sql}), '\\s+([+-]\\d{2}(:?\\d{2})?|Z)$', '\\1') AS ${storage})`);
      if (isSemiStructured(from)) return done(`${cast}(${toText(b, session)} AS ${storage})`);
      // NTZ <-> LTZ/TZ read and write the wall clock in the session's time zone, which is DuckDB's TimeZone.
      if (isTimestamp(from) || from.base === "DATE") return done(`CAST(${b.sql} AS ${storage})`);
      break;
    }
    case "BINARY": {
      if (from.base === "VARCHAR") return done(tryCast ? `TRY(unhex(${b.sql}))` : `unhex(${b.sql})`);
      break;
    }
    case "VARIANT":
      return done(toVariant(b, session));
    case "OBJECT":
    case "ARRAY": {
      if (from.base === "VARIANT" || isSemiStructured(from)) {
        const want = target.base === "OBJECT" ? "OBJECT" : "ARRAY";
        const fail = tryCast ? "NULL" : raise("002031", "22000", `Failed to cast variant value to ${want}`);
        return done(`(CASE WHEN ${b.sql} IS NULL OR json_type(${b.sql}) = '${want}' THEN ${b.sql} ELSE ${fail} END)`);
      }
      break;
    }
    case "NULL":
      return done(b.sql);
  }
  throw compilationError(`Expression type does not match column data type, expecting ${typeName(target)} but got ${typeName(from)}`);
}

/** VARCHAR(n) refuses longer strings, as Snowflake does on insert and cast. */
function checkLength(text: string, length: number): string {
  return `(CASE WHEN length(${text}) > ${length} THEN ${raise("100078", "22000", `String is too long and would be truncated`)} ELSE ${text} END)`;
}

/** A bind value as a typed DuckDB constant. Binds arrive as text with the driver's type name. */
export function bindConstant(type: string, value: string | null): Bound {
  const t = type.toUpperCase();
  if (value === null) return { sql: "NULL", type: { base: "NULL" } };
  switch (t) {
    case "FIXED": {
      const m = /^-?\d+(?:\.(\d+))?$/.exec(value.trim());
      if (!m) return { sql: literal(value), type: VARCHAR };
      const scale = m[1]?.length ?? 0;
      const digits = value.replace(/[-.]/g, "").replace(/^0+(?=\d)/, "").length;
      const precision = Math.min(38, Math.max(digits, scale + 1));
      return { sql: `CAST(${literal(value)} AS DECIMAL(${precision},${scale}))`, type: { base: "NUMBER", precision, scale } };
    }
    case "REAL":
      return { sql: `CAST(${literal(value)} AS DOUBLE)`, type: FLOAT };
    case "BOOLEAN":
      return { sql: /^(true|1)$/i.test(value) ? "true" : "false", type: BOOLEAN };
    case "TEXT":
      return { sql: literal(value), type: { base: "VARCHAR", length: Math.max(1, [...value].length) } };
    case "VARIANT":
    case "OBJECT":
    case "ARRAY":
      return { sql: `json(${literal(value)})`, type: t === "OBJECT" ? OBJECT : t === "ARRAY" ? ARRAY : VARIANT };
    default:
      throw unsupported(`bind type ${t}`);
  }
}
