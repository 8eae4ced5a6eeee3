import { SourceAdapterBase, type TableName } from "@reverse-etl/core";
import { sql, type Kysely, type RawBuilder } from "kysely";

/**
 * How PostgreSQL runs core's statements: the standard ones (`INSERT ... ON CONFLICT`, `CREATE TABLE AS`),
 * with the planner hints a row store gains from and a vacuum after bulk state writes.
 */
export class PostgresSourceAdapter extends SourceAdapterBase {
  /** The planner copies a subquery's expressions into each use: a fenced subquery computes key and fingerprint once. */
  override get fenceSubqueries(): boolean {
    return true;
  }

  /** PostgreSQL 12+ inlines `WITH ... AS NOT MATERIALIZED`. */
  override get inlineCte(): boolean {
    return true;
  }

  /** Every commit reads one range of the snapshot: a row store scans it all without an index. */
  override get indexSnapshots(): boolean {
    return true;
  }

  /** The snapshot's hash of the state holds keys and fingerprints; changed rows' values come from the primary key. */
  override get lookUpStateValues(): boolean {
    return true;
  }

  /** The snapshot's window function runs in the leader alone: the values' JSON is built by each commit instead. */
  override get valuesAtCommit(): boolean {
    return true;
  }

  /**
   * A run's snapshot is `UNLOGGED`: it is dropped when the run ends (or by the next run after a crash) and
   * never read again, so writing it to the WAL bought nothing: at 1e6 rows that was 360 MB of WAL (table and
   * index) before the first row went out. A server crash empties it, and the run that held it fails with its
   * connection; the next run diffs again. The state itself (`sync_state`) stays logged.
   */
  override createTableAs(table: TableName, query: RawBuilder<unknown>): RawBuilder<unknown> {
    return sql`create unlogged table ${sql.id(table.schema, table.name)} as ${query}`;
  }

  /** One text[] parameter: 100,000 keys are one statement with one parameter, not 20 of 5,000. */
  textValues(name: string, values: readonly string[]): RawBuilder<unknown> {
    return sql`select unnest(${values}::text[]) as ${sql.id(name)}`;
  }

  /**
   * PostgreSQL's own proof that the model's keys do not repeat: its planner removes a left join whose inner
   * side is unique on the join columns (a unique, non-deferrable index or constraint on them, or a
   * `GROUP BY`/`DISTINCT` on them), so the model left-joined to itself on its keys plans exactly as the model
   * alone. Two EXPLAINs (planning only, a few ms) instead of grouping every row (0.6 s at 1e6 rows, twice per
   * run). Any other plan, or an error, answers false and core groups the rows.
   */
  async keysUnique(db: Kysely<unknown>, modelSql: string, keyColumns: readonly string[]): Promise<boolean> {
    if (keyColumns.length === 0) return false;
    const model = sql.raw(modelSql);
    const on = sql.join(
      keyColumns.map((c) => sql`${sql.id("a", c)} = ${sql.id("b", c)}`),
      sql` and `,
    );
    const plan = async (query: RawBuilder<unknown>) => JSON.stringify((await sql`explain (costs off, format json) ${query}`.execute(db)).rows);
    const [alone, joined] = await Promise.all([
      plan(sql`select 1 from (${model}) as a`),
      plan(sql`select 1 from (${model}) as a left join (${model}) as b on ${on}`),
    ]);
    return alone === joined;
  }

  /** `VACUUM (ANALYZE)` marks the pages all-visible (index-only counts) and refreshes row estimates. */
  refreshTable(table: TableName): RawBuilder<unknown> {
    return sql`vacuum (analyze) ${sql.id(table.schema, table.name)}`;
  }
}
