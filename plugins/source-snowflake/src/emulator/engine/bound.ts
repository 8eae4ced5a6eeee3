import { SnowflakeError, invalidIdentifier } from "../emulator-errors.js";
import type { Ident, Query } from "../sql/ast.js";
import type { SfType } from "../sql/sf-types.js";
import type { CatalogTable, NameContext } from "./catalog.js";

/** An expression translated to DuckDB SQL, with its Snowflake type. */
export interface Bound {
  readonly sql: string;
  readonly type: SfType;
  /** Contains an aggregate call (outside any window). */
  readonly aggregate?: boolean;
  /** An INTERVAL constant: only valid beside `+` and `-`. */
  readonly interval?: boolean;
}

/** A column a relation exposes to the query that reads it. */
export interface RelationColumn {
  /** Snowflake name, exact. */
  readonly name: string;
  readonly type: SfType;
  /** DuckDB expression that reads it, e.g. `"r1"."ID"` or `"r2"."c3"`. */
  readonly sql: string;
}

/** A FROM item in scope: a table, view, subquery, CTE or VALUES list, under its alias. */
export interface Relation {
  /** Names that qualify its columns: the alias, or the table's name (and its schema and database). */
  readonly qualifiers: readonly string[][];
  readonly columns: readonly RelationColumn[];
}

/** The columns of a bound query: DuckDB names them `c1`, `c2`, ... so Snowflake's exact-case names never clash in DuckDB. */
export interface BoundQuery {
  readonly sql: string;
  readonly columns: ReadonlyArray<{ readonly name: string; readonly type: SfType }>;
}

/** The DuckDB name of a bound query's n-th column (0-based). */
export function outputName(index: number): string {
  return `"c${index + 1}"`;
}

/** A bind value as the driver sends it: Snowflake type name and text (or null). */
export interface BindValue {
  readonly type: string;
  readonly value: string | null;
}

/** Session facts the binder reads. */
export interface BindSession extends NameContext {
  readonly warehouse: string | undefined;
  readonly role: string;
  readonly user: string;
  readonly sessionId: string;
  readonly account: string;
  parameter(name: string): string | undefined;
}

/** Everything binding one statement needs, gathered before binding starts (binding itself is synchronous). */
export interface BindContext {
  readonly session: BindSession;
  /** Tables and views the statement names, by `db\0schema\0name`; absent when they do not exist. */
  readonly tables: ReadonlyMap<string, CatalogTable>;
  readonly binds: readonly BindValue[];
  /** Parsed view bodies, by the same key. */
  readonly views: ReadonlyMap<string, Query>;
  /** The statement's text, to name unaliased select items after their text as Snowflake does. */
  readonly text: string;
  /** WITH clauses in scope, innermost last: name -> the CTE's DuckDB name and columns. */
  readonly ctes: Array<Map<string, { readonly duck: string; readonly columns: BoundQuery["columns"] }>>;
  /** A fresh DuckDB alias: r1, r2, ... */
  nextAlias(prefix: string): string;
  /** Counts `?` binds in order. */
  nextBind(): number;
}

export function tableKey(database: string, schema: string, name: string): string {
  return `${database}\0${schema}\0${name}`;
}

/**
 * Names visible to an expression: the relations of its FROM, the select list's aliases (Snowflake lets
 * WHERE, GROUP BY, HAVING and QUALIFY name them), and the enclosing query's scope for correlated subqueries.
 */
export class Scope {
  aliases: Map<string, Bound> | undefined;

  constructor(
    readonly relations: readonly Relation[],
    readonly parent?: Scope,
  ) {}

  /** Resolve a column reference `c`, `t.c`, `s.t.c` or `d.s.t.c` (exact names, as Snowflake resolves them). */
  resolve(parts: readonly Ident[], display: string): RelationColumn | Bound {
    const column = parts[parts.length - 1]!.name;
    const qualifier = parts.slice(0, -1).map((p) => p.name);
    const matches: RelationColumn[] = [];
    for (const relation of this.relations) {
      if (qualifier.length > 0 && !relation.qualifiers.some((q) => endsWith(q, qualifier))) continue;
      for (const c of relation.columns) if (c.name === column) matches.push(c);
    }
    if (matches.length > 1) throw new SnowflakeError("002028", "42601", `SQL compilation error:\nambiguous column name '${column}'`);
    if (matches.length === 1) return matches[0]!;
    if (qualifier.length === 0) {
      const alias = this.aliases?.get(column);
      if (alias) return alias;
    }
    if (this.parent) return this.parent.resolve(parts, display);
    throw invalidIdentifier(display);
  }
}

function endsWith(qualifier: readonly string[], wanted: readonly string[]): boolean {
  if (wanted.length > qualifier.length) return false;
  const offset = qualifier.length - wanted.length;
  return wanted.every((w, i) => qualifier[offset + i] === w);
}

/** An identifier as Snowflake shows it in messages: quoted when it needs to be. */
export function displayIdent(parts: readonly Ident[]): string {
  return parts.map((p) => (p.quoted && !/^[A-Z_][A-Z0-9_$]*$/.test(p.name) ? `"${p.name}"` : p.name)).join(".");
}
