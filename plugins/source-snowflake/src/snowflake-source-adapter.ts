import { SourceAdapterBase, type TableName, type UpsertOptions } from "@reverse-etl/core";
import { sql, type Expression, type RawBuilder } from "kysely";

/**
 * How Snowflake runs core's statements: state upserts with MERGE (Snowflake has no ON CONFLICT and does not
 * enforce keys), snapshots as TRANSIENT tables (no Fail-safe to pay for data a run can recompute), no
 * planner hints (no `NOT MATERIALIZED`, and a column store needs no index on the send order).
 */
export class SnowflakeSourceAdapter extends SourceAdapterBase {
  /** https://docs.snowflake.com/en/sql-reference/sql/merge */
  override upsert(table: TableName, key: readonly string[], columns: readonly string[], rows: RawBuilder<unknown>, options?: UpsertOptions): RawBuilder<unknown> {
    const updated = options?.update ?? columns.filter((c) => !key.includes(c));
    const on = sql.join(key.map((c) => sql`t.${sql.id(c)} = s.${sql.id(c)}`), sql` and `);
    const set = sql.join(updated.map((c) => sql`${sql.id(c)} = s.${sql.id(c)}`));
    const list = sql.join(columns.map((c) => sql.id(c)));
    const values = sql.join(columns.map((c) => sql`s.${sql.id(c)}`));
    return sql`
      merge into ${sql.id(table.schema, table.name)} as t
      using (${rows}) as s
      on ${on}
      ${updated.length > 0 ? sql`when matched then update set ${set}` : sql``}
      when not matched then insert (${list}) values (${values})`;
  }

  /** https://docs.snowflake.com/en/user-guide/tables-temp-transient#transient-tables */
  override createTableAs(table: TableName, query: RawBuilder<unknown>): RawBuilder<unknown> {
    return sql`create transient table ${sql.id(table.schema, table.name)} as ${query}`;
  }

  override createTemporaryTableAs(name: string, query: RawBuilder<unknown>): RawBuilder<unknown> {
    return sql`create temporary table ${sql.id(name)} as ${query}`;
  }

  /** https://docs.snowflake.com/en/sql-reference/functions/contains */
  override contains(text: Expression<string>, search: Expression<string>): RawBuilder<boolean> {
    return sql<boolean>`CONTAINS(${text}, ${search})`;
  }
}
