import type { Dialect, Expression, RawBuilder } from "kysely";
import type { JsonSchema, PluginContext } from "./plugin-context.js";

/** Version of the source plugin contract. Bumped on breaking changes; core refuses other versions. */
export const SOURCE_API_VERSION = 1;

/** A column a query returns. */
export interface ColumnInfo {
  /** Column name as the query returns it. */
  name: string;
  /** The warehouse's own type name, e.g. `BIGINT`, `VARCHAR`, `TIMESTAMP WITH TIME ZONE`. */
  type: string;
}

/**
 * SQL expressions that differ between warehouses. Core generates the diff and state SQL through Kysely
 * and asks the source only for these few building blocks.
 */
export interface SqlFunctions {
  /**
   * A deterministic JSON object text built from named expressions, e.g. DuckDB `json_object('a', x)`,
   * Postgres `json_build_object('a', x)::text`. Equal values must give equal text within one warehouse.
   * `type` is the value's warehouse type (as `describeQuery` names it) when known: render values the way
   * the driver hands them to destinations where the two differ (timestamps as ISO 8601 UTC), so plans show
   * "from" and "to" alike.
   */
  jsonObject(entries: ReadonlyArray<readonly [name: string, value: Expression<unknown>, type?: string]>): RawBuilder<string>;
  /** Hex digest of a text expression, e.g. `md5(x)`. */
  hash(text: Expression<string>): RawBuilder<string>;
  /**
   * Optional: a row's fingerprint, as text: a digest of the mapping's `signature` and the named values
   * (typed as in `jsonObject`) that changes whenever one of the values does, and never between runs when
   * none does. Default: `hash(signature || jsonObject(entries))`. A warehouse with a cheaper stable digest
   * than a JSON text's hash gives it here (PostgreSQL's `hash_record_extended`): it is computed for every
   * model row on every run. Changing it makes every row look changed once.
   */
  fingerprint?(
    signature: string,
    entries: ReadonlyArray<readonly [name: string, value: Expression<unknown>, type?: string]>,
  ): RawBuilder<string>;
  /**
   * Optional: a whole number from 0 to `buckets` - 1 for a text, spreading texts evenly and equal for
   * equal texts within one statement. The plan counts rows and picks its samples in one pass by taking the
   * smallest key of each bucket. Without it, a plan shows one sample per class.
   */
  bucket?(text: Expression<string>, buckets: number): RawBuilder<number>;
  /** An expression cast to the warehouse's text type. */
  toText(value: Expression<unknown>): RawBuilder<string>;
  /**
   * Optional: a statement that brings a table a run has just rewritten in bulk up to date for the next
   * queries, run outside any transaction: PostgreSQL's `VACUUM (ANALYZE)` marks its pages all-visible (counts
   * from the index alone, no hint bits left to set) and refreshes the planner's row estimates. Core runs it
   * on `sync_state` after a run that wrote at least a tenth of it.
   */
  refreshTable?(table: Expression<unknown>): RawBuilder<unknown>;
  /**
   * Optional: the planner copies a subquery's expressions into every place that uses them, so the diff
   * fences the subquery that computes each row's key and fingerprint with `OFFSET 0` to compute them once,
   * in the scan (PostgreSQL). Leave unset where `OFFSET 0` costs more than it saves (DuckDB: it stops the
   * subquery from running in parallel).
   */
  readonly fenceSubqueries?: boolean;
  /**
   * Optional: the warehouse understands `WITH name AS NOT MATERIALIZED (...)` (PostgreSQL 12+, DuckDB), so
   * a CTE read several times is inlined and pruned to the columns each reader needs.
   */
  readonly inlineCte?: boolean;
  /**
   * Optional: index each run's snapshot table on its send order. Row stores (PostgreSQL) need it, as every
   * commit reads one range of the snapshot; column stores (DuckDB, Snowflake) skip ranges without one.
   */
  readonly indexSnapshots?: boolean;
}

/**
 * An open connection to a warehouse. Rows are read and statements run through the Kysely `dialect`:
 * its driver must implement `streamQuery` so a model streams in bounded memory.
 */
export interface SourceConnection {
  /** Kysely dialect over this connection; core builds every query with it. */
  readonly dialect: Dialect;
  /** Warehouse-specific SQL building blocks. */
  readonly functions: SqlFunctions;
  /** Columns (and their warehouse types) that a SELECT returns, without reading its rows. */
  describeQuery(sql: string): Promise<ColumnInfo[]>;
  /**
   * Optional: take a session-scoped lock that the warehouse releases if the process dies (e.g. a
   * Postgres advisory lock). Returns a release function, or `undefined` when another session holds it.
   * Without it, core locks with a row in its state schema.
   */
  tryLock?(name: string): Promise<(() => Promise<void>) | undefined>;
  /** Release the connection. Safe to call twice. */
  close(): Promise<void>;
}

/** A warehouse plugin: the default export of a source package, made with `defineSourcePlugin`. */
export interface SourcePlugin<Options = Record<string, unknown>> {
  readonly kind: "source";
  /** Short name used in messages, e.g. `duckdb`. */
  readonly name: string;
  /** The contract version the plugin was built against: `SOURCE_API_VERSION` of its core. */
  readonly apiVersion: number;
  /** JSON schema of the plugin's own options (everything beside `plugin`). */
  readonly optionsSchema: JsonSchema;
  /** Open a connection. Options have been validated against `optionsSchema`, env references resolved. */
  connect(options: Options, context: PluginContext): Promise<SourceConnection>;
}

/** Declare a source plugin; the package's default export. */
export function defineSourcePlugin<Options>(
  plugin: Omit<SourcePlugin<Options>, "kind" | "apiVersion"> & { apiVersion?: number },
): SourcePlugin<Options> {
  return { apiVersion: SOURCE_API_VERSION, ...plugin, kind: "source" };
}
