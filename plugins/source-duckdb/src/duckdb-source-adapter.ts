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

  /** Write migrated state tables into the database file, so a kill cannot leave an ALTER in the WAL. */
  persistSchemaChanges(): RawBuilder<unknown> {
    return sql`CHECKPOINT`;
  }
}
