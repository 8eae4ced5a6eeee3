import type { DuckDBConnection } from "@duckdb/node-api";
import { noCurrentDatabase, noCurrentSchema, objectNotFound } from "../emulator-errors.js";
import type { Ident } from "../sql/ast.js";
import { typeFromComment, type SfType } from "../sql/sf-types.js";
import { informationSchemaView, INFORMATION_SCHEMA_VIEWS, type ListedColumn, type ListedTable } from "./information-schema.js";

/** A name as DuckDB must see it: always quoted, so that Snowflake's exact-case names pass unchanged. */
export function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A string constant for DuckDB. */
export function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** A table, schema or database name resolved against the session's current database and schema. */
export interface ObjectName {
  readonly database: string;
  readonly schema: string;
  readonly name: string;
}

/** A column of a stored table, with its Snowflake type. */
export interface CatalogColumn {
  readonly name: string;
  readonly type: SfType;
  readonly nullable: boolean;
}

/** A stored table or view. */
export interface CatalogTable {
  readonly object: ObjectName;
  readonly kind: "permanent" | "transient" | "temporary" | "view";
  /** How DuckDB names it: `"DB"."SCHEMA"."T"`, or the session's temporary table. */
  readonly duckName: string;
  readonly columns: readonly CatalogColumn[];
  /** A view's Snowflake query text. */
  readonly viewText?: string;
}

/** What the session knows that names resolve against. */
export interface NameContext {
  readonly database: string | undefined;
  readonly schema: string | undefined;
}

/** Table comments that carry the Snowflake table kind (DuckDB has no transient tables). */
const TRANSIENT_COMMENT = "sf:transient";
const VIEW_COMMENT_PREFIX = "sf:view:";

/**
 * Resolve a 1-, 2- or 3-part object name: `t` is in the current schema, `s.t` in the current database
 * (https://docs.snowflake.com/en/sql-reference/name-resolution).
 */
export function resolveName(parts: readonly Ident[], ctx: NameContext, operation: string): ObjectName {
  const names = parts.map((p) => p.name);
  if (names.length === 3) return { database: names[0]!, schema: names[1]!, name: names[2]! };
  if (!ctx.database) throw noCurrentDatabase(operation);
  if (names.length === 2) return { database: ctx.database, schema: names[0]!, name: names[1]! };
  if (!ctx.schema) throw noCurrentSchema(operation);
  return { database: ctx.database, schema: ctx.schema, name: names[0]! };
}

/** A schema name `s` or `db.s`. */
export function resolveSchemaName(parts: readonly Ident[], ctx: NameContext, operation: string): { database: string; schema: string } {
  if (parts.length === 2) return { database: parts[0]!.name, schema: parts[1]!.name };
  if (!ctx.database) throw noCurrentDatabase(operation);
  return { database: ctx.database, schema: parts[0]!.name };
}

export function displayName(o: ObjectName): string {
  return `${o.database}.${o.schema}.${o.name}`;
}

/** The DuckDB name of a session's temporary table: temporary tables live in DuckDB's per-connection `temp` catalog. */
export function temporaryDuckName(o: ObjectName): string {
  return `temp.main.${quote(`${o.database}|${o.schema}|${o.name}`)}`;
}

export function permanentDuckName(o: ObjectName): string {
  return `${quote(o.database)}.${quote(o.schema)}.${quote(o.name)}`;
}

interface ColumnRow {
  table_name: string;
  column_name: string;
  data_type: string;
  comment: string | null;
  is_nullable: boolean;
}

/**
 * The emulator's catalog: Snowflake databases are DuckDB in-memory catalogs, schemas are DuckDB schemas,
 * each column's Snowflake type is kept in its DuckDB column comment. Reads go through the session's own
 * connection, so its temporary tables and its open transaction's DDL are seen.
 */
export class Catalog {
  constructor(private readonly connection: DuckDBConnection) {}

  async databaseExists(name: string): Promise<boolean> {
    const rows = await this.#rows<{ n: number }>(`select count(*)::int as n from duckdb_databases() where database_name = ${literal(name)}`);
    return Number(rows[0]?.n ?? 0) > 0;
  }

  async schemaExists(database: string, schema: string): Promise<boolean> {
    const rows = await this.#rows<{ n: number }>(
      `select count(*)::int as n from duckdb_schemas() where database_name = ${literal(database)} and schema_name = ${literal(schema)}`,
    );
    return Number(rows[0]?.n ?? 0) > 0;
  }

  async databases(): Promise<string[]> {
    const rows = await this.#rows<{ database_name: string }>(
      "select database_name from duckdb_databases() where not internal and database_name not in ('memory', 'temp', 'system') order by 1",
    );
    return rows.map((r) => r.database_name);
  }

  async schemas(database: string): Promise<string[]> {
    const rows = await this.#rows<{ schema_name: string }>(
      `select schema_name from duckdb_schemas() where database_name = ${literal(database)} and schema_name <> 'main' order by 1`,
    );
    return rows.map((r) => r.schema_name);
  }

  /** A table or view by its resolved name; a temporary table of the session hides a permanent one. */
  async table(o: ObjectName): Promise<CatalogTable | undefined> {
    if (o.schema === "INFORMATION_SCHEMA" && INFORMATION_SCHEMA_VIEWS.has(o.name) && (await this.databaseExists(o.database))) {
      return informationSchemaView(o, {
        schemas: () => this.schemas(o.database),
        tables: () => this.#listedTables(o.database),
        columns: () => this.#listedColumns(o.database),
      });
    }
    const temp = await this.#columns("temp", "main", `${o.database}|${o.schema}|${o.name}`);
    if (temp.length > 0) return { object: o, kind: "temporary", duckName: temporaryDuckName(o), columns: temp };
    const tables = await this.#rows<{ comment: string | null; kind: string }>(
      `select comment, 'table' as kind from duckdb_tables() where database_name = ${literal(o.database)} and schema_name = ${literal(o.schema)} and table_name = ${literal(o.name)}
       union all
       select comment, 'view' from duckdb_views() where database_name = ${literal(o.database)} and schema_name = ${literal(o.schema)} and view_name = ${literal(o.name)}`,
    );
    const found = tables[0];
    if (!found) return undefined;
    const columns = await this.#columns(o.database, o.schema, o.name);
    if (found.kind === "view") {
      const text = found.comment?.startsWith(VIEW_COMMENT_PREFIX) ? found.comment.slice(VIEW_COMMENT_PREFIX.length) : undefined;
      return { object: o, kind: "view", duckName: permanentDuckName(o), columns, ...(text ? { viewText: text } : {}) };
    }
    return { object: o, kind: found.comment === TRANSIENT_COMMENT ? "transient" : "permanent", duckName: permanentDuckName(o), columns };
  }

  /** The table, or Snowflake's "does not exist or not authorized". */
  async requireTable(o: ObjectName): Promise<CatalogTable> {
    const table = await this.table(o);
    if (!table) throw objectNotFound("Object", displayName(o));
    return table;
  }

  /** Tables of a schema, for SHOW TABLES. */
  async tablesOf(database: string, schema: string | undefined): Promise<Array<{ schema: string; name: string; kind: string; rows: number }>> {
    const rows = await this.#rows<{ schema_name: string; table_name: string; comment: string | null; estimated_size: number }>(
      `select schema_name, table_name, comment, estimated_size::bigint as estimated_size from duckdb_tables()
       where database_name = ${literal(database)} ${schema ? `and schema_name = ${literal(schema)}` : ""} order by 1, 2`,
    );
    return rows.map((r) => ({ schema: r.schema_name, name: r.table_name, kind: r.comment === TRANSIENT_COMMENT ? "TRANSIENT" : "TABLE", rows: Number(r.estimated_size) }));
  }

  /** Every table and view of a database, the session's temporary tables included. */
  async #listedTables(database: string): Promise<ListedTable[]> {
    const rows = await this.#rows<{ database_name: string; schema_name: string; table_name: string; comment: string | null; kind: string }>(
      `select database_name, schema_name, table_name, comment, 'table' as kind from duckdb_tables()
       where database_name = ${literal(database)} or (database_name = 'temp' and split_part(table_name, '|', 1) = ${literal(database)})
       union all
       select database_name, schema_name, view_name, comment, 'view' from duckdb_views() where database_name = ${literal(database)} and not internal
       order by 2, 3`,
    );
    return rows.map((r) => {
      if (r.database_name === "temp") {
        const [, schema, name] = r.table_name.split("|");
        return { schema: schema!, name: name!, kind: "temporary" as const };
      }
      const kind = r.kind === "view" ? ("view" as const) : r.comment === TRANSIENT_COMMENT ? ("transient" as const) : ("permanent" as const);
      return { schema: r.schema_name, name: r.table_name, kind };
    });
  }

  /** Every column of a database's tables and views, the session's temporary tables included. */
  async #listedColumns(database: string): Promise<ListedColumn[]> {
    const rows = await this.#rows<ColumnRow & { database_name: string; schema_name: string; column_index: number }>(
      `select database_name, schema_name, table_name, column_name, column_index, data_type, comment, is_nullable from duckdb_columns()
       where database_name = ${literal(database)} or (database_name = 'temp' and split_part(table_name, '|', 1) = ${literal(database)})
       order by 2, 3, column_index`,
    );
    return rows.map((r) => {
      const [schema, table] = r.database_name === "temp" ? r.table_name.split("|").slice(1) : [r.schema_name, r.table_name];
      return { schema: schema!, table: table!, column: r.column_name, position: Number(r.column_index), type: typeFromComment(r.comment, r.data_type), nullable: r.is_nullable };
    });
  }

  async #columns(database: string, schema: string, table: string): Promise<CatalogColumn[]> {
    const rows = await this.#rows<ColumnRow>(
      `select table_name, column_name, data_type, comment, is_nullable from duckdb_columns()
       where database_name = ${literal(database)} and schema_name = ${literal(schema)} and table_name = ${literal(table)}
       order by column_index`,
    );
    return rows.map((r) => ({ name: r.column_name, type: typeFromComment(r.comment, r.data_type), nullable: r.is_nullable }));
  }

  async #rows<T>(sql: string): Promise<T[]> {
    const reader = await this.connection.runAndReadAll(sql);
    return reader.getRowObjectsJS() as unknown as T[];
  }
}

/** The comment that marks a transient table. */
export function tableKindComment(kind: "permanent" | "transient" | "temporary"): string | undefined {
  return kind === "transient" ? TRANSIENT_COMMENT : undefined;
}

/** The comment that keeps a view's Snowflake text. */
export function viewComment(text: string): string {
  return `${VIEW_COMMENT_PREFIX}${text}`;
}
