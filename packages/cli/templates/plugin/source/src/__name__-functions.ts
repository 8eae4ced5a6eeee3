import type { SqlFunctions } from "@reverse-etl/core";
import { sql, type Expression, type RawBuilder } from "kysely";

/** A function call takes at most 100 arguments in PostgreSQL: 50 name/value pairs. */
const PAIRS_PER_CALL = 50;

const TIMESTAMPTZ = /^timestamp(\(\d\))? with time zone$|^timestamptz$/i;
const TIMESTAMP = /^timestamp(\(\d\))?( without time zone)?$/i;
const ISO_UTC = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/**
 * A value of type `type` (as `describeQuery` names it, when core knows it) as the connection's type parsers
 * hand it to destinations: timestamps as ISO 8601 UTC. json_build_object would write them in the session's
 * time zone, and a fingerprint that follows the session's time zone changes when the time zone does.
 */
function asSent(value: Expression<unknown>, type: string | undefined): Expression<unknown> {
  if (type !== undefined && TIMESTAMPTZ.test(type)) {
    return sql`case when isfinite(${value}) then to_char(${value} at time zone 'UTC', ${sql.raw(ISO_UTC)}) else cast(${value} as text) end`;
  }
  if (type !== undefined && TIMESTAMP.test(type)) {
    return sql`case when isfinite(${value}) then to_char(${value}, ${sql.raw(ISO_UTC)}) else cast(${value} as text) end`;
  }
  return value;
}

/**
 * The SQL building blocks core composes its diff from, in PostgreSQL's dialect. Check each against your
 * warehouse: Redshift has no `json_build_object` (`json_serialize(object(...))` builds the text from its SUPER
 * type), and its `text` is a `varchar(256)` (cast to `varchar(max)` so long values are not cut).
 *
 * Optional members make the diff cheaper where the warehouse can: `fingerprint` (a cheaper stable row
 * digest than `hash` of `jsonObject`, e.g. PostgreSQL 14's `hash_record_extended`) and `bucket` (so a plan
 * picks its samples in the pass that counts).
 */
export const __nameCamel__Functions: SqlFunctions = {
  // Equal values must give equal text: json_build_object writes entries in the order given, with fixed spacing.
  jsonObject(entries) {
    const calls: RawBuilder<string>[] = [];
    for (let i = 0; i < entries.length; i += PAIRS_PER_CALL) {
      const pairs = entries.slice(i, i + PAIRS_PER_CALL).map(([name, value, type]) => sql`${sql.lit(name)}, ${asSent(value, type)}`);
      calls.push(sql<string>`json_build_object(${sql.join(pairs)})::text`);
    }
    if (calls.length === 0) return sql<string>`json_build_object()::text`;
    if (calls.length === 1) return calls[0]!;
    // Wider objects: '{"a" : 1}' and '{"b" : 2}' become '{"a" : 1, "b" : 2}'.
    const parts = calls.map((call, i) =>
      i === 0 ? sql`left(${call}, -1)` : i === calls.length - 1 ? sql`substr(${call}, 2)` : sql`substr(left(${call}, -1), 2)`,
    );
    return sql<string>`(${sql.join(parts, sql` || ', ' || `)})`;
  },
  hash(text) {
    return sql<string>`md5(${text})`;
  },
  toText(value) {
    return sql<string>`cast(${value} as text)`;
  },
  // Characters, not bytes: validate measures model texts against destination field lengths with it.
  textLength(text) {
    return sql<number>`char_length(${text})`;
  },
};
