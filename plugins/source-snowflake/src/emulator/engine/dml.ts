import { compilationError, invalidIdentifier, SnowflakeError } from "../emulator-errors.js";
import type { FromItem, Ident, Statement } from "../sql/ast.js";
import { storageType } from "../sql/sf-types.js";
import { displayName, quote, resolveName, type CatalogTable } from "./catalog.js";
import { asBoolean, bindExpr, outputColumn, type ExprEnv } from "./bind-expression.js";
import { bindQuery } from "./bind-query.js";
import { Scope, tableKey, type BindContext, type Bound, type Relation } from "./bound.js";
import { castTo } from "./conversions.js";
import { countsResult, STATEMENT_TYPE, type StatementResult } from "./statement-result.js";

/** What DML needs from the session: run DuckDB SQL and read its rows, lock the target table. */
export interface DmlRunner {
  run(sql: string): Promise<Array<Record<string, unknown>>>;
  lockTable(key: string): Promise<void>;
}

function target(parts: readonly Ident[], ctx: BindContext, operation: string): CatalogTable {
  const o = resolveName(parts, ctx.session, operation);
  const table = ctx.tables.get(tableKey(o.database, o.schema, o.name));
  if (!table || table.kind === "view") {
    throw new SnowflakeError("002003", "42S02", `SQL compilation error:\nTable '${displayName(o)}' does not exist or not authorized.`);
  }
  return table;
}

function targetRelation(table: CatalogTable, alias: Ident | undefined, duckAlias: string): Relation {
  const o = table.object;
  return {
    qualifiers: alias ? [[alias.name]] : [[o.database, o.schema, o.name]],
    columns: table.columns.map((c) => ({ name: c.name, type: c.type, sql: `${quote(duckAlias)}.${quote(c.name)}` })),
  };
}

/** A value assigned to a column, converted with Snowflake's assignment rules. */
function assign(table: CatalogTable, column: Ident, value: Bound, ctx: BindContext): { name: string; sql: string } {
  const col = table.columns.find((c) => c.name === column.name);
  if (!col) throw invalidIdentifier(column.quoted ? `"${column.name}"` : column.name);
  const converted = castTo(value, col.type, ctx.session);
  return { name: col.name, sql: `CAST(${converted.sql} AS ${storageType(col.type)})` };
}

/** Columns an INSERT names, or every column. */
function insertColumns(table: CatalogTable, columns: readonly Ident[] | undefined) {
  if (!columns) return table.columns;
  return columns.map((c) => {
    const col = table.columns.find((x) => x.name === c.name);
    if (!col) throw invalidIdentifier(c.quoted ? `"${c.name}"` : c.name);
    return col;
  });
}

/** INSERT INTO ... VALUES | query (https://docs.snowflake.com/en/sql-reference/sql/insert). */
export async function runInsert(s: Statement & { k: "insert" }, ctx: BindContext, runner: DmlRunner): Promise<StatementResult> {
  const table = target(s.table, ctx, "INSERT");
  const columns = insertColumns(table, s.columns);
  const source = bindQuery(s.source, ctx);
  if (source.columns.length !== columns.length) {
    throw new SnowflakeError("002020", "21S01", `SQL compilation error:\nInsert value list does not match column list expecting ${columns.length} but got ${source.columns.length}`);
  }
  const values = columns.map((c, i) => {
    const converted = castTo({ sql: `"src".${outputColumn(i)}`, type: source.columns[i]!.type }, c.type, ctx.session);
    return `CAST(${converted.sql} AS ${storageType(c.type)})`;
  });
  await runner.lockTable(tableKey(table.object.database, table.object.schema, table.object.name));
  if (s.overwrite) await runner.run(`DELETE FROM ${table.duckName}`);
  const rows = await runner.run(
    `INSERT INTO ${table.duckName} (${columns.map((c) => quote(c.name)).join(", ")}) SELECT ${values.join(", ")} FROM (${source.sql}) AS "src"`,
  );
  return countsResult(STATEMENT_TYPE.insert, [["number of rows inserted", Number(rows[0]?.Count ?? 0)]]);
}

/** UPDATE ... SET ... [FROM ...] [WHERE ...] (https://docs.snowflake.com/en/sql-reference/sql/update). */
export async function runUpdate(s: Statement & { k: "update" }, ctx: BindContext, runner: DmlRunner): Promise<StatementResult> {
  const table = target(s.table, ctx, "UPDATE");
  const alias = ctx.nextAlias("t");
  const { froms, relations } = fromRelations(s.from, ctx);
  const scope = new Scope([targetRelation(table, s.alias, alias), ...relations]);
  const env: ExprEnv = { ctx, scope, bindQuery, allowAggregates: false };
  const set = s.set.map(({ col, e }) => assign(table, col, bindExpr(e, env), ctx));
  const where = s.where ? asBoolean(bindExpr(s.where, env), env).sql : undefined;
  await runner.lockTable(tableKey(table.object.database, table.object.schema, table.object.name));
  const rows = await runner.run(
    `UPDATE ${table.duckName} AS ${quote(alias)} SET ${set.map((a) => `${quote(a.name)} = ${a.sql}`).join(", ")}` +
      (froms.length ? ` FROM ${froms.join(", ")}` : "") +
      (where ? ` WHERE ${where}` : ""),
  );
  return countsResult(STATEMENT_TYPE.update, [
    ["number of rows updated", Number(rows[0]?.Count ?? 0)],
    ["number of multi-joined rows updated", 0],
  ]);
}

/** DELETE FROM ... [USING ...] [WHERE ...] (https://docs.snowflake.com/en/sql-reference/sql/delete). */
export async function runDelete(s: Statement & { k: "delete" }, ctx: BindContext, runner: DmlRunner): Promise<StatementResult> {
  const table = target(s.table, ctx, "DELETE");
  const alias = ctx.nextAlias("t");
  const { froms, relations } = fromRelations(s.using, ctx);
  const scope = new Scope([targetRelation(table, s.alias, alias), ...relations]);
  const env: ExprEnv = { ctx, scope, bindQuery, allowAggregates: false };
  const where = s.where ? asBoolean(bindExpr(s.where, env), env).sql : undefined;
  await runner.lockTable(tableKey(table.object.database, table.object.schema, table.object.name));
  const rows = await runner.run(
    `DELETE FROM ${table.duckName} AS ${quote(alias)}` + (froms.length ? ` USING ${froms.join(", ")}` : "") + (where ? ` WHERE ${where}` : ""),
  );
  return countsResult(STATEMENT_TYPE.delete, [["number of rows deleted", Number(rows[0]?.Count ?? 0)]]);
}

function fromRelations(items: readonly FromItem[], ctx: BindContext): { froms: string[]; relations: Relation[] } {
  if (items.length === 0) return { froms: [], relations: [] };
  // Bind the FROM list as a query's FROM: `SELECT * FROM <items>` gives the relations in scope.
  const froms: string[] = [];
  const relations: Relation[] = [];
  for (const item of items) {
    const bound = bindFromItem(item, ctx);
    froms.push(bound.sql);
    relations.push(...bound.relations);
  }
  return { froms, relations };
}

/** One FROM item of a DML statement, as a derived table. */
function bindFromItem(item: FromItem, ctx: BindContext): { sql: string; relations: Relation[] } {
  const q = bindQuery({ with: [], body: { k: "select", distinct: false, items: [{ e: { k: "star", pos: item.pos } }], from: [item], groupBy: [], groupByAll: false, pos: item.pos }, orderBy: [] }, ctx);
  const duck = ctx.nextAlias("u");
  const qualifiers: string[][] = [];
  if (item.k === "table") {
    if (item.alias) qualifiers.push([item.alias.name]);
    else {
      const o = resolveName(item.name, ctx.session, "SELECT");
      qualifiers.push(item.name.length === 1 && ctx.ctes.some((m) => m.has(item.name[0]!.name)) ? [item.name[0]!.name] : [o.database, o.schema, o.name]);
    }
  } else if ((item.k === "derived" || item.k === "values") && item.alias) qualifiers.push([item.alias.name]);
  else if (item.k === "join") throw compilationError("a join in the USING or FROM of a DML statement: write it as a subquery");
  return {
    sql: `(${q.sql}) AS ${quote(duck)}`,
    relations: [{ qualifiers, columns: q.columns.map((c, i) => ({ name: c.name, type: c.type, sql: `${quote(duck)}.${outputColumn(i)}` })) }],
  };
}

/**
 * MERGE (https://docs.snowflake.com/en/sql-reference/sql/merge): DuckDB's MERGE with the same clauses;
 * its RETURNING merge_action gives the counts Snowflake reports per action.
 */
export async function runMerge(s: Statement & { k: "merge" }, ctx: BindContext, runner: DmlRunner): Promise<StatementResult> {
  const table = target(s.table, ctx, "MERGE");
  const alias = ctx.nextAlias("t");
  const source = bindFromItem(s.source, ctx);
  const targetRel = targetRelation(table, s.alias, alias);
  const env: ExprEnv = { ctx, scope: new Scope([targetRel, ...source.relations]), bindQuery, allowAggregates: false };
  const sourceEnv: ExprEnv = { ctx, scope: new Scope(source.relations), bindQuery, allowAggregates: false };
  const on = asBoolean(bindExpr(s.on, env), env).sql;
  const clauses = s.clauses.map((c) => {
    const and = c.and ? ` AND ${asBoolean(bindExpr(c.and, c.matched ? env : sourceEnv), env).sql}` : "";
    const head = `WHEN ${c.matched ? "MATCHED" : "NOT MATCHED"}${and} THEN`;
    switch (c.action.k) {
      case "update": {
        const set = c.action.set.map(({ col, e }) => assign(table, col, bindExpr(e, env), ctx));
        return `${head} UPDATE SET ${set.map((a) => `${quote(a.name)} = ${a.sql}`).join(", ")}`;
      }
      case "delete":
        return `${head} DELETE`;
      case "insert": {
        const columns = insertColumns(table, c.action.columns);
        if (columns.length !== c.action.values.length) {
          throw new SnowflakeError("002020", "21S01", `SQL compilation error:\nInsert value list does not match column list expecting ${columns.length} but got ${c.action.values.length}`);
        }
        const values = c.action.values.map((e, i) => assign(table, { name: columns[i]!.name, quoted: true }, bindExpr(e, sourceEnv), ctx).sql);
        return `${head} INSERT (${columns.map((col) => quote(col.name)).join(", ")}) VALUES (${values.join(", ")})`;
      }
    }
  });
  await runner.lockTable(tableKey(table.object.database, table.object.schema, table.object.name));
  const rows = await runner.run(`MERGE INTO ${table.duckName} AS ${quote(alias)} USING ${source.sql} ON ${on} ${clauses.join(" ")} RETURNING merge_action`);
  const count = (action: string) => rows.filter((r) => r.merge_action === action).length;
  const counts: Array<[string, number]> = [];
  if (s.clauses.some((c) => c.action.k === "insert")) counts.push(["number of rows inserted", count("INSERT")]);
  if (s.clauses.some((c) => c.action.k === "update")) counts.push(["number of rows updated", count("UPDATE")]);
  if (s.clauses.some((c) => c.action.k === "delete")) counts.push(["number of rows deleted", count("DELETE")]);
  return countsResult(STATEMENT_TYPE.merge, counts);
}
