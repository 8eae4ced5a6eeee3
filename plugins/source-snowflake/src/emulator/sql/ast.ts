import type { SfType } from "./sf-types.js";

/**
 * The syntax tree of the Snowflake SQL the emulator understands. Identifiers are stored resolved the
 * way Snowflake resolves them: unquoted ones folded to upper case, quoted ones exactly as written
 * (https://docs.snowflake.com/en/sql-reference/identifiers-syntax#identifier-resolution).
 */
export interface Ident {
  readonly name: string;
  readonly quoted: boolean;
}

/** Where a node starts in the statement text, for error messages. */
export interface Pos {
  readonly line: number;
  readonly column: number;
  /** Offsets in the statement text, to name an unaliased select item by its text as Snowflake does. */
  readonly start: number;
  readonly end: number;
}

export type Expr =
  | { k: "lit"; type: "number" | "string" | "bool" | "null"; value: string; pos: Pos }
  | { k: "col"; parts: Ident[]; pos: Pos }
  | { k: "star"; qualifier?: Ident[]; exclude?: Ident[]; pos: Pos }
  | { k: "param"; index: number; pos: Pos }
  | { k: "unary"; op: "-" | "+" | "not"; e: Expr; pos: Pos }
  | { k: "bin"; op: string; l: Expr; r: Expr; pos: Pos }
  | { k: "is"; e: Expr; not: boolean; what: "null" | "true" | "false"; pos: Pos }
  | { k: "distinct"; l: Expr; r: Expr; not: boolean; pos: Pos }
  | { k: "in"; e: Expr; not: boolean; list?: Expr[]; query?: Query; pos: Pos }
  | { k: "between"; e: Expr; not: boolean; lo: Expr; hi: Expr; pos: Pos }
  | { k: "like"; e: Expr; not: boolean; op: "like" | "ilike" | "rlike"; pattern: Expr; escape?: Expr; pos: Pos }
  | { k: "exists"; query: Query; pos: Pos }
  | { k: "case"; operand?: Expr; whens: Array<{ when: Expr; then: Expr }>; else?: Expr; pos: Pos }
  | { k: "cast"; e: Expr; type: SfType; try: boolean; pos: Pos }
  | { k: "call"; name: string; args: Expr[]; named?: Record<string, Expr>; distinct: boolean; star: boolean; over?: Window; within?: OrderItem[]; ignoreNulls?: boolean; pos: Pos }
  | { k: "subquery"; query: Query; pos: Pos }
  | { k: "path"; e: Expr; path: PathStep[]; pos: Pos }
  | { k: "interval"; text: string; pos: Pos };

/** One step of a semi-structured path: `:name`, `.name`, `['name']` or `[0]`. */
export type PathStep = { key: string } | { index: Expr };

export interface Window {
  partitionBy: Expr[];
  orderBy: OrderItem[];
  frame?: string;
}

export interface OrderItem {
  e: Expr;
  desc: boolean;
  nulls?: "first" | "last";
}

export interface SelectItem {
  e: Expr;
  alias?: Ident;
}

export type FromItem =
  | { k: "table"; name: Ident[]; alias?: Ident; pos: Pos }
  | { k: "derived"; query: Query; alias?: Ident; columns?: Ident[]; lateral: boolean; pos: Pos }
  | { k: "values"; rows: Expr[][]; alias?: Ident; columns?: Ident[]; pos: Pos }
  | { k: "tablefn"; name: string; args: Expr[]; named: Record<string, Expr>; alias?: Ident; columns?: Ident[]; lateral: boolean; pos: Pos }
  | { k: "join"; type: "inner" | "left" | "right" | "full" | "cross"; l: FromItem; r: FromItem; on?: Expr; using?: Ident[]; pos: Pos };

export interface Cte {
  name: Ident;
  columns?: Ident[];
  query: Query;
}

export interface Select {
  k: "select";
  distinct: boolean;
  items: SelectItem[];
  from: FromItem[];
  where?: Expr;
  groupBy: Expr[];
  groupByAll: boolean;
  having?: Expr;
  qualify?: Expr;
  pos: Pos;
}

export type QueryBody = Select | { k: "setop"; op: "union" | "except" | "intersect"; all: boolean; l: QueryBody; r: QueryBody; pos: Pos } | { k: "values"; rows: Expr[][]; pos: Pos } | { k: "paren"; query: Query; pos: Pos };

/** A query: a body with its WITH, ORDER BY and LIMIT. */
export interface Query {
  with: Cte[];
  body: QueryBody;
  orderBy: OrderItem[];
  limit?: Expr;
  offset?: Expr;
}

export interface ColumnDef {
  name: Ident;
  type: SfType;
  notNull: boolean;
  default?: Expr;
  primaryKey: boolean;
  unique: boolean;
}

export interface MergeClause {
  matched: boolean;
  and?: Expr;
  action: { k: "update"; set: Array<{ col: Ident; e: Expr }> } | { k: "delete" } | { k: "insert"; columns?: Ident[]; values: Expr[] };
}

export type Statement =
  | { k: "query"; query: Query }
  | { k: "insert"; table: Ident[]; columns?: Ident[]; source: Query; overwrite: boolean }
  | { k: "update"; table: Ident[]; alias?: Ident; set: Array<{ col: Ident; e: Expr }>; from: FromItem[]; where?: Expr }
  | { k: "delete"; table: Ident[]; alias?: Ident; using: FromItem[]; where?: Expr }
  | { k: "merge"; table: Ident[]; alias?: Ident; source: FromItem; on: Expr; clauses: MergeClause[] }
  | {
      k: "createTable";
      name: Ident[];
      orReplace: boolean;
      ifNotExists: boolean;
      kind: "permanent" | "transient" | "temporary";
      columns?: ColumnDef[];
      primaryKey?: Ident[];
      as?: Query;
      comment?: string;
    }
  | { k: "createView"; name: Ident[]; orReplace: boolean; ifNotExists: boolean; query: Query; text: string }
  | { k: "createSchema"; name: Ident[]; orReplace: boolean; ifNotExists: boolean; transient: boolean }
  | { k: "createDatabase"; name: Ident; orReplace: boolean; ifNotExists: boolean; transient: boolean }
  | { k: "drop"; what: "table" | "view" | "schema" | "database"; name: Ident[]; ifExists: boolean }
  | { k: "alterTableAdd"; table: Ident[]; ifExists: boolean; columns: ColumnDef[] }
  | { k: "alterTableRename"; table: Ident[]; to: Ident[] }
  | { k: "alterSession"; set: Array<{ name: string; value: Expr }>; unset: string[] }
  | { k: "alterWarehouse"; name: Ident; action: "suspend" | "resume" | "set"; settings: Array<{ name: string; value: Expr }> }
  | { k: "createWarehouse"; name: Ident; orReplace: boolean; ifNotExists: boolean; settings: Array<{ name: string; value: Expr }> }
  | { k: "use"; what: "database" | "schema" | "warehouse" | "role"; name: Ident[] }
  | { k: "begin" }
  | { k: "commit" }
  | { k: "rollback" }
  | { k: "truncate"; table: Ident[]; ifExists: boolean }
  | { k: "show"; what: "tables" | "schemas" | "databases" | "warehouses"; like?: string; in?: Ident[] }
  | { k: "describe"; what: "table" | "view"; name: Ident[] };
