import { sql, type DatabaseIntrospector, type DatabaseMetadata, type DatabaseMetadataOptions, type Kysely, type SchemaMetadata, type TableMetadata } from "kysely";

interface ColumnRow {
  TABLE_SCHEMA: string;
  TABLE_NAME: string;
  TABLE_TYPE: string;
  COLUMN_NAME: string;
  DATA_TYPE: string;
  IS_NULLABLE: string;
  COLUMN_DEFAULT: string | null;
}

/**
 * A row keyed by Snowflake's column names (`TABLE_NAME`): the connection spells result columns the statement
 * does not name as identifiers in lower case, as reverse-etl reads its own tables.
 */
function upperKeyed<T>(row: Record<string, unknown>): T {
  return Object.fromEntries(Object.entries(row).map(([key, value]) => [key.toUpperCase(), value])) as T;
}

/** Reads schemas and tables of the current database from Snowflake's `INFORMATION_SCHEMA`. */
export class SnowflakeIntrospector implements DatabaseIntrospector {
  readonly #db: Kysely<unknown>;

  constructor(db: Kysely<unknown>) {
    this.#db = db;
  }

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<Record<string, unknown>>`select SCHEMA_NAME from INFORMATION_SCHEMA.SCHEMATA order by 1`.execute(this.#db);
    return rows.map((row) => ({ name: upperKeyed<{ SCHEMA_NAME: string }>(row).SCHEMA_NAME }));
  }

  async getTables(options: DatabaseMetadataOptions = { withInternalKyselyTables: false }): Promise<TableMetadata[]> {
    const { rows } = await sql<Record<string, unknown>>`
      select c.TABLE_SCHEMA, c.TABLE_NAME, t.TABLE_TYPE, c.COLUMN_NAME, c.DATA_TYPE, c.IS_NULLABLE, c.COLUMN_DEFAULT
      from INFORMATION_SCHEMA.COLUMNS c
      join INFORMATION_SCHEMA.TABLES t on t.TABLE_SCHEMA = c.TABLE_SCHEMA and t.TABLE_NAME = c.TABLE_NAME
      where c.TABLE_SCHEMA <> 'INFORMATION_SCHEMA'
      order by c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION`.execute(this.#db);
    const tables = new Map<string, TableMetadata & { columns: TableMetadata["columns"][number][] }>();
    for (const raw of rows) {
      const row = upperKeyed<ColumnRow>(raw);
      if (!options.withInternalKyselyTables && row.TABLE_NAME.toLowerCase().startsWith("kysely_migration")) continue;
      const key = `${row.TABLE_SCHEMA}.${row.TABLE_NAME}`;
      let table = tables.get(key);
      if (!table) {
        table = { name: row.TABLE_NAME, schema: row.TABLE_SCHEMA, isView: row.TABLE_TYPE === "VIEW", columns: [] };
        tables.set(key, table);
      }
      table.columns.push({
        name: row.COLUMN_NAME,
        dataType: row.DATA_TYPE,
        isNullable: row.IS_NULLABLE === "YES",
        isAutoIncrementing: false,
        hasDefaultValue: row.COLUMN_DEFAULT !== null,
      });
    }
    return [...tables.values()];
  }

  async getMetadata(options?: DatabaseMetadataOptions): Promise<DatabaseMetadata> {
    return { tables: await this.getTables(options) };
  }
}
