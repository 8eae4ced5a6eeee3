import { SourceAdapterBase } from "@reverse-etl/core";

/**
 * How the warehouse runs core's statements. `SourceAdapterBase` holds standard SQL (`INSERT ... ON
 * CONFLICT` upserts, `CREATE TABLE ... AS` snapshots, `position()` text search) and no planner hints;
 * override what differs. PostgreSQL and CockroachDB take the defaults; Redshift has no `ON CONFLICT`:
 * override `upsert(table, key, columns, rows)` with a `MERGE` (Snowflake and BigQuery do the same).
 */
export class __Name__SourceAdapter extends SourceAdapterBase {
  /** PostgreSQL's planner copies a subquery's expressions into every use: a fence (a `WITH` of the subquery's own) computes each row's key and fingerprint once. */
  override get fenceSubqueries(): boolean {
    return true;
  }

  /** PostgreSQL 12+ understands `WITH ... AS NOT MATERIALIZED`. Return false for a warehouse that does not (Redshift). */
  override get inlineCte(): boolean {
    return true;
  }

  /** A row store reads one range of each run's snapshot per commit: index it. Column stores (Redshift) return false. */
  override get indexSnapshots(): boolean {
    return true;
  }
}
