import type { SqlFunctions } from "@reverse-etl/core";
import { sql, type Expression } from "kysely";

/**
 * DuckDB's SQL building blocks for core's diff and state SQL. `jsonObject` keeps entry order and writes
 * NULL as `null`, so equal values give equal text; names are escaped string literals.
 */
/**
 * json_object writes timestamps as `2024-03-03 15:16:01`; the driver hands them to destinations as
 * `2024-03-03T15:16:01.000Z`. Render them the driver's way so a plan's "from" and "to" read alike.
 */
function asSent(value: Expression<unknown>, type: string | undefined): Expression<unknown> {
  const t = type?.toUpperCase() ?? "";
  if (t === "TIMESTAMP WITH TIME ZONE" || t === "TIMESTAMPTZ") {
    return sql`strftime(timezone('UTC', ${value}), '%Y-%m-%dT%H:%M:%S.%gZ')`;
  }
  if (t.startsWith("TIMESTAMP")) return sql`strftime(CAST(${value} AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%gZ')`;
  return value;
}

export const duckDbFunctions: SqlFunctions = {
  jsonObject(entries) {
    if (entries.length === 0) return sql<string>`CAST(json_object() AS VARCHAR)`;
    const args = sql.join(entries.map(([name, value, type]) => sql`${sql.lit(name)}, ${asSent(value, type)}`));
    return sql<string>`CAST(json_object(${args}) AS VARCHAR)`;
  },
  hash(text) {
    return sql<string>`md5(${text})`;
  },
  bucket(text, buckets) {
    // hash() may change between DuckDB releases; a bucket only has to hold within one statement.
    return sql<number>`CAST(hash(${text}) % ${sql.lit(Math.trunc(buckets))} AS INTEGER)`;
  },
  toText(value) {
    return sql<string>`CAST(${value} AS VARCHAR)`;
  },
  textLength(text) {
    // length() counts characters; strlen() would count bytes.
    return sql<number>`length(${text})`;
  },
};
