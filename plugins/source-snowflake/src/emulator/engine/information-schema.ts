import { NUMBER_38_0, VARCHAR, type SfType } from "../sql/sf-types.js";
import { literal, quote, type CatalogColumn, type CatalogTable, type ObjectName } from "./catalog.js";

/** A stored column as the views list it. */
export interface ListedColumn {
  readonly schema: string;
  readonly table: string;
  readonly column: string;
  readonly position: number;
  readonly type: SfType;
  readonly nullable: boolean;
}

/** A stored table or view as the views list it. */
export interface ListedTable {
  readonly schema: string;
  readonly name: string;
  readonly kind: "permanent" | "transient" | "temporary" | "view";
}

/** What the views are computed from: the database's schemas, tables and columns, as the session sees them. */
export interface InformationSchemaSource {
  schemas(): Promise<string[]>;
  tables(): Promise<ListedTable[]>;
  columns(): Promise<ListedColumn[]>;
}

/** The views of a database's INFORMATION_SCHEMA that the emulator answers. */
export const INFORMATION_SCHEMA_VIEWS = new Set(["SCHEMATA", "TABLES", "COLUMNS"]);

type Cell = string | number | null;

/** `DATA_TYPE` as INFORMATION_SCHEMA.COLUMNS gives it: the type's name without arguments, VARCHAR as TEXT. */
function dataType(t: SfType): string {
  if (t.base === "VARCHAR" || t.base === "NULL") return "TEXT";
  return t.base;
}

/**
 * A view of INFORMATION_SCHEMA (https://docs.snowflake.com/en/sql-reference/info-schema) as a table the
 * binder reads: its rows, computed now, as a DuckDB VALUES list. The columns are those of Snowflake's
 * SCHEMATA (https://docs.snowflake.com/en/sql-reference/info-schema/schemata), TABLES
 * (https://docs.snowflake.com/en/sql-reference/info-schema/tables) and COLUMNS
 * (https://docs.snowflake.com/en/sql-reference/info-schema/columns) that name and type objects; the others
 * (owners, sizes, dates, comments) are left out, so a query naming one fails as `invalid identifier`.
 */
export async function informationSchemaView(o: ObjectName, source: InformationSchemaSource): Promise<CatalogTable | undefined> {
  const text = (name: string): CatalogColumn => ({ name, type: VARCHAR, nullable: true });
  const number = (name: string): CatalogColumn => ({ name, type: NUMBER_38_0, nullable: true });
  let columns: CatalogColumn[];
  let rows: Cell[][];
  switch (o.name) {
    case "SCHEMATA": {
      columns = [text("CATALOG_NAME"), text("SCHEMA_NAME")];
      const schemas = [...(await source.schemas()), "INFORMATION_SCHEMA"].sort();
      rows = schemas.map((schema) => [o.database, schema]);
      break;
    }
    case "TABLES": {
      columns = [text("TABLE_CATALOG"), text("TABLE_SCHEMA"), text("TABLE_NAME"), text("TABLE_TYPE"), text("IS_TRANSIENT")];
      const kinds = { permanent: "BASE TABLE", transient: "BASE TABLE", temporary: "TEMPORARY TABLE", view: "VIEW" } as const;
      rows = (await source.tables()).map((t) => [o.database, t.schema, t.name, kinds[t.kind], t.kind === "transient" ? "YES" : "NO"]);
      break;
    }
    case "COLUMNS": {
      columns = [
        text("TABLE_CATALOG"),
        text("TABLE_SCHEMA"),
        text("TABLE_NAME"),
        text("COLUMN_NAME"),
        number("ORDINAL_POSITION"),
        text("COLUMN_DEFAULT"),
        text("IS_NULLABLE"),
        text("DATA_TYPE"),
        number("CHARACTER_MAXIMUM_LENGTH"),
        number("NUMERIC_PRECISION"),
        number("NUMERIC_SCALE"),
      ];
      rows = (await source.columns()).map((c) => [
        o.database,
        c.schema,
        c.table,
        c.column,
        c.position,
        null,
        c.nullable ? "YES" : "NO",
        dataType(c.type),
        c.type.base === "VARCHAR" || c.type.base === "BINARY" ? c.type.length : null,
        c.type.base === "NUMBER" ? c.type.precision : null,
        c.type.base === "NUMBER" ? c.type.scale : null,
      ]);
      break;
    }
    default:
      return undefined;
  }
  const cell = (value: Cell, column: CatalogColumn) =>
    `CAST(${value === null ? "NULL" : typeof value === "number" ? String(value) : literal(value)} AS ${column.type.base === "NUMBER" ? "DECIMAL(38,0)" : "VARCHAR"})`;
  const select = (values: Cell[]) => `SELECT ${values.map((v, i) => `${cell(v, columns[i]!)} AS ${quote(columns[i]!.name)}`).join(", ")}`;
  const body = rows.length > 0 ? rows.map(select).join(" UNION ALL ") : `${select(columns.map(() => null))} WHERE false`;
  return { object: o, kind: "permanent", duckName: `(${body})`, columns };
}
