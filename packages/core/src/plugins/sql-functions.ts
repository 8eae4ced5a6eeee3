import type { Expression, RawBuilder } from "kysely";

/** A named value of a JSON object or fingerprint, with the warehouse type `describeQuery` gave it, when known. */
export type NamedValue = readonly [name: string, value: Expression<unknown>, type?: string];

/**
 * SQL expressions that differ between warehouses: the building blocks core composes its diff from. Each
 * returns an expression; statements and planner hints live in the source's `SourceAdapter`.
 */
export interface SqlFunctions {
  /**
   * A deterministic JSON object text built from named expressions, e.g. DuckDB `json_object('a', x)`,
   * Postgres `json_build_object('a', x)::text`. Equal values must give equal text within one warehouse.
   * `type` is the value's warehouse type (as `describeQuery` names it) when known: render values the way
   * the driver hands them to destinations where the two differ (timestamps as ISO 8601 UTC), so plans show
   * "from" and "to" alike.
   */
  jsonObject(entries: readonly NamedValue[]): RawBuilder<string>;
  /** Hex digest of a text expression, e.g. `md5(x)`. */
  hash(text: Expression<string>): RawBuilder<string>;
  /**
   * Optional: a row's fingerprint, as text: a digest of the mapping's `signature` and the named values
   * (typed as in `jsonObject`) that changes whenever one of the values does, and never between runs when
   * none does. Default: `hash(signature || jsonObject(entries))`. A warehouse with a cheaper stable digest
   * than a JSON text's hash gives it here (PostgreSQL's `hash_record_extended`): it is computed for every
   * model row on every run. Changing it makes every row look changed once.
   */
  fingerprint?(signature: string, entries: readonly NamedValue[]): RawBuilder<string>;
  /**
   * Optional: a whole number from 0 to `buckets` - 1 for a text, spreading texts evenly and equal for
   * equal texts within one statement. The plan counts rows and picks its samples in one pass by taking the
   * smallest key of each bucket. Without it, a plan shows one sample per class.
   */
  bucket?(text: Expression<string>, buckets: number): RawBuilder<number>;
  /** An expression cast to the warehouse's text type. */
  toText(value: Expression<unknown>): RawBuilder<string>;
  /**
   * Optional: the length of a text in characters (not bytes), null for null: DuckDB `length(x)`, Postgres
   * `char_length(x)`. Core measures the model's values with it before any write, against the length a
   * destination field takes (`FieldDescription.length`). Without it, that check is skipped and the check's
   * output says so.
   */
  textLength?(text: Expression<string>): RawBuilder<number>;
}
