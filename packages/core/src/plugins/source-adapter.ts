import { sql, type Kysely, type Expression, type RawBuilder } from "kysely";

/** A table of the state schema, e.g. `{ schema: "reverse_etl", name: "sync_state" }`. */
export interface TableName {
  readonly schema: string;
  readonly name: string;
}

/** Options of `SourceAdapter.upsert`. */
export interface UpsertOptions {
  /** Columns a matching row gets from the new row. Default: every column but the key; `[]`: none (insert if new). */
  readonly update?: readonly string[];
}

/**
 * How a warehouse runs core's statements: the planner hints it gains from, and the few statements whose
 * SQL differs between warehouses (state upserts, snapshot tables, text search). Extend
 * `SourceAdapterBase`, which holds the defaults DuckDB and PostgreSQL use, and override what differs: a new
 * member added to this contract later gets a default there, so an adapter keeps compiling.
 */
export interface SourceAdapter {
  /**
   * The planner copies a subquery's expressions into every place that uses them, so the plan's count fences
   * the subquery that computes each row's key and fingerprint to compute them once, in the scan
   * (PostgreSQL): the subquery gets a `WITH` of its own, which PostgreSQL never pulls up into the query
   * around it, and which, unlike `OFFSET 0`, leaves the join above it free to run in parallel. Leave false
   * where a fence costs more than it saves (DuckDB: `OFFSET 0` stopped the subquery from running in parallel).
   */
  readonly fenceSubqueries: boolean;
  /**
   * The warehouse understands `WITH name AS NOT MATERIALIZED (...)` (PostgreSQL 12+, DuckDB), so a CTE read
   * several times is inlined and pruned to the columns each reader needs.
   */
  readonly inlineCte: boolean;
  /**
   * Index each run's snapshot table on its send order. Row stores (PostgreSQL) need it, as every commit
   * reads one range of the snapshot; column stores (DuckDB, Snowflake) skip ranges without one.
   */
  readonly indexSnapshots: boolean;
  /**
   * The snapshot joins the whole state on its keys and fingerprints alone, then looks the last delivered
   * values up by key for the changed rows only, in the state's primary key (a row store: PostgreSQL). Without
   * it (column stores) the one join carries every state row's values: a scan a column store does anyway.
   * With it PostgreSQL's hash of the state holds 26 bytes a row instead of ~180 (the values' JSON).
   */
  readonly lookUpStateValues?: boolean;
  /**
   * The snapshot leaves out each row's mapped values as JSON text (`_retl_values`); a state commit builds it
   * from the snapshot's columns for the rows it commits, and the plan's samples for the changed rows they
   * show. PostgreSQL numbers the snapshot with a window function that runs in one process, which built every
   * row's JSON there, serially, before the first row went out (2 s of a 1e6-row first sync); the commits run
   * while the destination is written to. Without it (column stores) the snapshot computes the JSON in parallel.
   */
  readonly valuesAtCommit?: boolean;
  /**
   * A commit replaces the state of rows that had state (changed rows) with a delete and an insert, instead
   * of updating them in place. DuckDB's `UPDATE` (and `ON CONFLICT DO UPDATE`) keeps undo copies of the
   * columns it touches across the row groups it reaches: 1 % of a 1e6-row state updated took 114-144 MB of
   * transaction memory and 1.56 s to commit, where a delete and an insert took none and 1.1 s (bench/README.md).
   */
  readonly replaceChangedState?: boolean;
  /**
   * Insert the rows of `rows` (a SELECT whose columns are `columns`, in that order) into `table`, updating
   * the rows whose `key` columns match an existing row. Default: `INSERT ... ON CONFLICT (key) DO UPDATE`
   * (PostgreSQL, DuckDB, SQLite); Snowflake, BigQuery and SQL Server use `MERGE`. `options.update` names the
   * columns a match updates (default: every column but the key); `[]` inserts only the rows whose key is new.
   */
  upsert(table: TableName, key: readonly string[], columns: readonly string[], rows: RawBuilder<unknown>, options?: UpsertOptions): RawBuilder<unknown>;
  /**
   * Create `table` with the rows of `query`. Snapshots of a run are made this way; they are dropped when
   * the run ends, or by the next run after a crash. Default: `CREATE TABLE ... AS`. A warehouse with a
   * cheaper kind of table for data that can be recomputed says so here (Snowflake's `TRANSIENT`).
   */
  createTableAs(table: TableName, query: RawBuilder<unknown>): RawBuilder<unknown>;
  /**
   * Create a table that lives as long as the session, with the rows of `query`. Default:
   * `CREATE TEMPORARY TABLE ... AS`, with the name unqualified (temporary tables have their own schema).
   */
  createTemporaryTableAs(name: string, query: RawBuilder<unknown>): RawBuilder<unknown>;
  /** A boolean expression: `text` contains `search`. Default: SQL's `position(search in text) > 0`. */
  contains(text: Expression<string>, search: Expression<string>): RawBuilder<boolean>;
  /**
   * Optional: a SELECT of one text column `name` holding `values`, sent in bulk (PostgreSQL:
   * `unnest($1::text[])`, one parameter for any number of values). Core stages the keys it commits by key
   * (a bulk job's per-record answers at `flush()`) into a temporary table this way, then commits them in one
   * set-based statement; without it, it binds one parameter per key, a few thousand keys a statement, and
   * each statement scans the run's snapshot.
   */
  textValues?(name: string, values: readonly string[]): RawBuilder<unknown>;
  /**
   * Optional: commit keys sent with `textValues` this many at a time, each statement joining its own slice
   * (no temporary table), rather than all of them in one statement after staging them. DuckDB's
   * `INSERT ... ON CONFLICT` of 1e6 keys at once does not fit its memory limit (256MB); slices do.
   */
  readonly textValuesPerCommit?: number;
  /**
   * Optional: a statement that brings a table a run has just rewritten in bulk up to date for the next
   * queries, run outside any transaction: PostgreSQL's `VACUUM (ANALYZE)` marks its pages all-visible (counts
   * from the index alone, no hint bits left to set) and refreshes the planner's row estimates. Core runs it
   * on `sync_state` after a run that wrote at least a tenth of it.
   */
  refreshTable?(table: TableName): RawBuilder<unknown>;
  /**
   * Optional: true when the warehouse itself proves that no two rows of the model share a (non-null) key,
   * from what it knows of the model's SQL (a unique index or constraint on the key columns, a `GROUP BY`
   * or `DISTINCT` on them). Core then skips its check that no key repeats, a grouping of every model row.
   * False (or an error) when it cannot tell: the check runs.
   */
  keysUnique?(db: Kysely<unknown>, modelSql: string, keyColumns: readonly string[]): Promise<boolean>;
  /**
   * Optional: a statement that makes schema changes durable beyond the write-ahead log, run outside any
   * transaction after core has migrated the state tables. DuckDB's `CHECKPOINT`: DuckDB 1.5 cannot replay
   * an `ALTER TABLE ... ADD COLUMN` from its WAL after the process was killed, so the database would not
   * open again.
   */
  persistSchemaChanges?(): RawBuilder<unknown>;
}

/** The defaults of `SourceAdapter`: standard SQL as DuckDB and PostgreSQL run it, no planner hints. */
export class SourceAdapterBase implements SourceAdapter {
  get fenceSubqueries(): boolean {
    return false;
  }

  get inlineCte(): boolean {
    return false;
  }

  get indexSnapshots(): boolean {
    return false;
  }

  get lookUpStateValues(): boolean {
    return false;
  }

  get replaceChangedState(): boolean {
    return false;
  }

  get valuesAtCommit(): boolean {
    return false;
  }

  upsert(table: TableName, key: readonly string[], columns: readonly string[], rows: RawBuilder<unknown>, options?: UpsertOptions): RawBuilder<unknown> {
    const updated = options?.update ?? columns.filter((c) => !key.includes(c));
    const set = sql.join(updated.map((c) => sql`${sql.id(c)} = excluded.${sql.id(c)}`));
    return sql`
      insert into ${sql.id(table.schema, table.name)} (${sql.join(columns.map((c) => sql.id(c)))})
      ${rows}
      on conflict (${sql.join(key.map((c) => sql.id(c)))}) do ${updated.length > 0 ? sql`update set ${set}` : sql`nothing`}`;
  }

  createTableAs(table: TableName, query: RawBuilder<unknown>): RawBuilder<unknown> {
    return sql`create table ${sql.id(table.schema, table.name)} as ${query}`;
  }

  createTemporaryTableAs(name: string, query: RawBuilder<unknown>): RawBuilder<unknown> {
    return sql`create temporary table ${sql.id(name)} as ${query}`;
  }

  contains(text: Expression<string>, search: Expression<string>): RawBuilder<boolean> {
    return sql<boolean>`position(${search} in ${text}) > 0`;
  }
}
