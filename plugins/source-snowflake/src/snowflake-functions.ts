import type { SqlFunctions } from "@reverse-etl/core";
import { sql, type Expression } from "kysely";

/** ISO 8601 with milliseconds and `Z`, as the driver's Dates are sent. */
const ISO_UTC = `'YYYY-MM-DD"T"HH24:MI:SS.FF3"Z"'`;

/**
 * A value as the plugin hands it to destinations, where Snowflake's own JSON text of it differs, so a plan's
 * "from" (state) and "to" (model) read alike: timestamps as ISO 8601 in UTC, dates and times as text,
 * NUMBER(p,s) as its exact decimal text, integers beyond 2^53 as text, BINARY as hex.
 */
function asSent(value: Expression<unknown>, type: string | undefined): Expression<unknown> {
  const t = type?.toUpperCase() ?? "";
  if (t.startsWith("TIMESTAMP_NTZ")) return sql`TO_VARCHAR(${value}, ${sql.raw(ISO_UTC)})`;
  if (t.startsWith("TIMESTAMP_LTZ") || t.startsWith("TIMESTAMP_TZ")) return sql`TO_VARCHAR(CONVERT_TIMEZONE('UTC', ${value}), ${sql.raw(ISO_UTC)})`;
  if (t === "DATE") return sql`TO_VARCHAR(${value}, 'YYYY-MM-DD')`;
  if (t.startsWith("TIME(")) return sql`RTRIM(RTRIM(TO_VARCHAR(${value}, 'HH24:MI:SS.FF9'), '0'), '.')`;
  if (t.startsWith("BINARY")) return sql`TO_VARCHAR(${value}, 'HEX')`;
  const number = /^NUMBER\((\d+),(\d+)\)$/.exec(t);
  if (number && number[2] !== "0") return sql`TO_VARCHAR(${value})`;
  if (number && Number(number[1]) > 15) {
    return sql`IFF(ABS(${value}) > 9007199254740991, TO_VARIANT(TO_VARCHAR(${value})), TO_VARIANT(${value}))`;
  }
  return value;
}

/**
 * Snowflake's SQL building blocks for core's diff and state SQL. `jsonObject` is TO_JSON of an OBJECT,
 * whose keys Snowflake keeps sorted, so equal values give equal text in any session; NULLs stay (as JSON
 * null) so a value that becomes NULL changes the text. The digest is MD5, stable across sessions and
 * releases; buckets use HASH, which only has to agree within one statement.
 */
export const snowflakeFunctions: SqlFunctions = {
  jsonObject(entries) {
    if (entries.length === 0) return sql<string>`TO_JSON(OBJECT_CONSTRUCT())`;
    const args = sql.join(entries.map(([name, value, type]) => sql`${sql.lit(name)}, ${asSent(value, type)}`));
    return sql<string>`TO_JSON(OBJECT_CONSTRUCT_KEEP_NULL(${args}))`;
  },
  hash(text) {
    return sql<string>`MD5(${text})`;
  },
  bucket(text, buckets) {
    return sql<number>`MOD(ABS(HASH(${text})), ${sql.lit(Math.trunc(buckets))})`;
  },
  toText(value) {
    return sql<string>`TO_VARCHAR(${value})`;
  },
};
