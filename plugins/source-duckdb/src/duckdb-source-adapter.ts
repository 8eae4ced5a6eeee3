import { SourceAdapterBase } from "@reverse-etl/core";
import { sql, type RawBuilder } from "kysely";

/**
 * How DuckDB runs core's statements: the standard ones (`INSERT ... ON CONFLICT`, `CREATE TABLE AS`) and
 * one planner hint. No subquery fence (an `OFFSET 0` one stops a subquery from running in parallel) and no snapshot
 * index (a column store skips the ranges it does not need by its zone maps).
 */
export class DuckDbSourceAdapter extends SourceAdapterBase {
  /** DuckDB inlines `WITH ... AS NOT MATERIALIZED` and prunes the columns each reader needs. */
  override get inlineCte(): boolean {
    return true;
  }

  /** A changed row's state is deleted and inserted again: DuckDB's updates keep undo copies of every column. */
  override get replaceChangedState(): boolean {
    return true;
  }

  /**
   * One LIST parameter (the driver binds an array as a DuckDB LIST): core commits a bulk job's 1e6
   * acknowledged keys in 10 slices of 100,000 instead of 200 of 5,000 keys bound one parameter each, and each
   * slice scans the snapshot once.
   */
  textValues(name: string, values: readonly string[]): RawBuilder<unknown> {
    return sql`select unnest(${values}::varchar[]) as ${sql.id(name)}`;
  }

  /**
   * All 1e6 keys in one upsert run out of the default 256MB (`Out of Memory Error: failed to allocate`).
   * Slices of 100,000 fit and were the fastest measured (bench/README.md: 25,000 and 50,000 a slice took
   * twice the time, for 100-130 MB less peak RSS).
   */
  get textValuesPerCommit(): number {
    return 100_000;
  }

  /** Write migrated state tables into the database file, so a kill cannot leave an ALTER in the WAL. */
  persistSchemaChanges(): RawBuilder<unknown> {
    return sql`CHECKPOINT`;
  }
}
