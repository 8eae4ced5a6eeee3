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
  bucket(text, buckets) {
    // hashtextextended (PostgreSQL 11+) is stable: hash partitioning relies on it.
    return sql<number>`((hashtextextended(${text}, 0) & 9223372036854775807) % ${sql.lit(Math.trunc(buckets))})`;
  },
  toText(value) {
    return sql<string>`CAST(${value} AS text)`;
  },
  textLength(text) {
    // char_length counts characters in the database's encoding; octet_length would count bytes.
    return sql<number>`char_length(${text})`;
  },
};

/** PostgreSQL 14 added `hash_record_extended`. */
const HASH_RECORD_SINCE = 140000;

/**
 * Types hashed by value with their own extended hash function: values that compare equal hash alike. For
 * numeric that means 3.0 and 3.00 (sent alike: the driver reads both as the number 3) and
 * 1.23456789012345678 and 1.234567890123456780 (sent as texts that differ by a trailing zero, the same value).
 */
const HASHED_AS_IS =
  /^(smallint|integer|bigint|numeric(\(\d+(,\s*-?\d+)?\))?|decimal(\(\d+(,\s*-?\d+)?\))?|boolean|date|uuid|bytea|jsonb|real|double precision|oid|timestamp(\(\d\))?( with(out)? time zone)?|timestamptz)$/i;
/** Text types: hashed by their bytes (collation "C"), so a case-insensitive collation never hides a change. */
const TEXT_TYPES = /^(text|character varying(\(\d+\))?|varchar(\(\d+\))?|character(\(\d+\))?|char(\(\d+\))?|bpchar|name)$/i;

/**
 * A value as its row fingerprint hashes it: by value for the types above; by its bytes for text (a
 * case-insensitive collation would hash 'a' and 'A' alike, but they are sent differently); as its text for
 * everything else: json (no hash function), interval ('1 day' and '24 hours' compare equal, are sent
 * differently), arrays, and types without a hash function.
 */
function hashable(value: Expression<unknown>, type: string | undefined): Expression<unknown> {
  if (type && HASHED_AS_IS.test(type)) return value;
  if (type && TEXT_TYPES.test(type)) return sql`${value} collate "C"`;
  return sql`CAST(${value} AS text)`;
}

/**
 * `postgresFunctions` for a server version (`server_version_num`). From PostgreSQL 14 a row's fingerprint
 * is `hash_record_extended` of its mapped values, seeded with the mapping's signature: a 64-bit hash that
 * costs about a tenth of an md5 over the values' JSON text, the diff's largest per-row cost. Like every
 * hash function a hash index or hash partition depends on, it is stable across releases. A 64-bit hash
 * misses a change only if the new values collide with the old ones: about 1 in 1.8e19 per changed row.
 */
export function postgresFunctionsFor(serverVersionNum: number): SqlFunctions {
  if (serverVersionNum < HASH_RECORD_SINCE) return postgresFunctions;
  return {
    ...postgresFunctions,
    fingerprint(signature, entries) {
      const seed = sql`hashtextextended(${sql.lit(signature)}, 0)`;
      if (entries.length === 0) return sql<string>`CAST(${seed} AS text)`;
      const values = entries.map((entry) => hashable(entry[1], (entry as readonly unknown[])[2] as string | undefined));
      return sql<string>`CAST(hash_record_extended(row(${sql.join(values)}), ${seed}) AS text)`;
    },
  };
}
