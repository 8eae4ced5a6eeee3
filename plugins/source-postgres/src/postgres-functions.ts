import type { SqlFunctions } from "@reverse-etl/core";
import { sql, type RawBuilder } from "kysely";

/** `jsonb_build_object` takes at most 100 arguments: 50 name/value pairs. */
const PAIRS_PER_CALL = 50;

/**
 * PostgreSQL's SQL building blocks for core's diff and state SQL. `jsonObject` builds `jsonb` and casts
 * it to text: jsonb's text is canonical (keys sorted, one spacing), so equal values give equal text, and
 * objects wider than 50 columns merge chunks with `||`. Names are escaped string literals.
 */
export const postgresFunctions: SqlFunctions = {
  jsonObject(entries) {
    const calls: RawBuilder<unknown>[] = [];
    for (let i = 0; i < entries.length; i += PAIRS_PER_CALL) {
      const args = sql.join(entries.slice(i, i + PAIRS_PER_CALL).map(([name, value]) => sql`${sql.lit(name)}, ${value}`));
      calls.push(sql`jsonb_build_object(${args})`);
    }
    if (calls.length === 0) return sql<string>`jsonb_build_object()::text`;
    return sql<string>`(${sql.join(calls, sql` || `)})::text`;
  },
  hash(text) {
    return sql<string>`md5(${text})`;
  },
  toText(value) {
    return sql<string>`CAST(${value} AS text)`;
  },
  inlineCte: true,
};
