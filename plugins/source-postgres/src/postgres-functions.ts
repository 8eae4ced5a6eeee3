import type { SqlFunctions } from "@reverse-etl/core";
import { sql, type Expression, type RawBuilder } from "kysely";

/** A function call takes at most 100 arguments: 50 name/value pairs. */
const PAIRS_PER_CALL = 50;

const TIMESTAMPTZ = /^timestamp(\(\d\))? with time zone$|^timestamptz$/i;
const TIMESTAMP = /^timestamp(\(\d\))?( without time zone)?$/i;
const ISO_UTC = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/**
 * A value as the driver hands it to destinations, where jsonb's own text differs: timestamps as ISO 8601
 * in UTC with milliseconds. It also keeps fingerprints of timestamptz columns independent of the
 * session's TimeZone, which the server's timestamp text follows.
 */
function asSent(value: Expression<unknown>, type: string | undefined): Expression<unknown> {
  if (!type) return value;
  if (TIMESTAMPTZ.test(type)) {
    return sql`case when isfinite(${value}) then to_char(${value} at time zone 'UTC', ${sql.raw(ISO_UTC)}) else CAST(${value} AS text) end`;
  }
  if (TIMESTAMP.test(type)) {
    return sql`case when isfinite(${value}) then to_char(${value}, ${sql.raw(ISO_UTC)}) else CAST(${value} AS text) end`;
  }
  return value;
}

/**
 * PostgreSQL's SQL building blocks for core's diff and state SQL. `jsonObject` is `json_build_object`'s
 * text: entries in the order given, one fixed spacing, so equal values give equal text (it is a quarter
 * cheaper per row than building jsonb). A call takes at most 100 arguments, so objects wider than 50
 * entries join the texts of several calls. Names are escaped string literals.
 */
export const postgresFunctions: SqlFunctions = {
  jsonObject(entries) {
    const calls: RawBuilder<unknown>[] = [];
    for (let i = 0; i < entries.length; i += PAIRS_PER_CALL) {
      const pairs = entries.slice(i, i + PAIRS_PER_CALL).map((entry) => {
        // The entry's optional third item is the value's type, as describeQuery names it.
        const type = (entry as readonly unknown[])[2] as string | undefined;
        return sql`${sql.lit(entry[0])}, ${asSent(entry[1], type)}`;
      });
      calls.push(sql`json_build_object(${sql.join(pairs)})::text`);
    }
    if (calls.length === 0) return sql<string>`json_build_object()::text`;
    if (calls.length === 1) return calls[0] as RawBuilder<string>;
    // '{"a" : 1}' and '{"b" : 2}' -> '{"a" : 1, "b" : 2}'
    const inner = calls.map((call, i) =>
      i === 0 ? sql`left(${call}, -1)` : i === calls.length - 1 ? sql`substr(${call}, 2)` : sql`substr(left(${call}, -1), 2)`,
    );
    return sql<string>`(${sql.join(inner, sql` || ', ' || `)})`;
  },
  hash(text) {
    return sql<string>`md5(${text})`;
  },
  toText(value) {
    return sql<string>`CAST(${value} AS text)`;
  },
  inlineCte: true,
  indexSnapshots: true,
};
