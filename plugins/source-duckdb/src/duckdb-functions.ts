import type { SqlFunctions } from "@reverse-etl/core";
import { sql } from "kysely";

/**
 * DuckDB's SQL building blocks for core's diff and state SQL. `jsonObject` keeps entry order and writes
 * NULL as `null`, so equal values give equal text; names are escaped string literals.
 */
export const duckDbFunctions: SqlFunctions = {
  jsonObject(entries) {
    if (entries.length === 0) return sql<string>`CAST(json_object() AS VARCHAR)`;
    const args = sql.join(entries.map(([name, value]) => sql`${sql.lit(name)}, ${value}`));
    return sql<string>`CAST(json_object(${args}) AS VARCHAR)`;
  },
  hash(text) {
    return sql<string>`md5(${text})`;
  },
  toText(value) {
    return sql<string>`CAST(${value} AS VARCHAR)`;
  },
  inlineCte: true,
};
