import { SnowflakeError, compilationError, objectExists, unsupported } from "../emulator-errors.js";
import type { ColumnDef, Statement } from "../sql/ast.js";
import { storageType, typeName, type SfType } from "../sql/sf-types.js";
import {
  Catalog,
  displayName,
  literal,
  permanentDuckName,
  quote,
  resolveName,
  resolveSchemaName,
  tableKindComment,
  temporaryDuckName,
  viewComment,
  type ObjectName,
} from "./catalog.js";
import { bindExpr } from "./bind-expression.js";
import { bindQuery } from "./bind-query.js";
import { Scope, type BindContext } from "./bound.js";
import { castTo } from "./conversions.js";
import { statusResult, type StatementResult } from "./statement-result.js";

/** What DDL needs from the session. */
export interface DdlRunner {
  run(sql: string): Promise<unknown>;
  readonly catalog: Catalog;
  /** The session's current database and schema. */
  readonly names: { database: string | undefined; schema: string | undefined };
}

function columnSql(def: ColumnDef, ctx: BindContext): string {
  const parts = [quote(def.name.name), storageType(def.type)];
  if (def.default) {
    const b = bindExpr(def.default, { ctx, scope: new Scope([]), bindQuery, allowAggregates: false });
    parts.push(`DEFAULT (CAST(${castTo(b, def.type, ctx.session).sql} AS ${storageType(def.type)}))`);
  }
  if (def.notNull || def.primaryKey) parts.push("NOT NULL");
  return parts.join(" ");
}

/** Keep each column's Snowflake type in its DuckDB comment: the catalog reads it back. */
async function commentColumns(runner: DdlRunner, duckName: string, columns: ReadonlyArray<{ name: string; type: SfType }>): Promise<void> {
  for (const c of columns) await runner.run(`COMMENT ON COLUMN ${duckName}.${quote(c.name)} IS ${literal(`sf:${typeName(c.type)}`)}`);
}

async function requireSchema(runner: DdlRunner, o: { database: string; schema: string }): Promise<void> {
  if (!(await runner.catalog.databaseExists(o.database))) {
    throw new SnowflakeError("002003", "02000", `SQL compilation error:\nDatabase '${o.database}' does not exist or not authorized.`);
  }
  if (!(await runner.catalog.schemaExists(o.database, o.schema))) {
    throw new SnowflakeError("002003", "02000", `SQL compilation error:\nSchema '${o.database}.${o.schema}' does not exist or not authorized.`);
  }
}

function duplicateCheck(names: readonly string[]): void {
  const seen = new Set<string>();
  const folded = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new SnowflakeError("002025", "42S21", `SQL compilation error:\nduplicate column name '${n}'`);
    if (folded.has(n.toLowerCase())) throw unsupported(`two columns whose names differ only in case ('${n}')`);
    seen.add(n);
    folded.add(n.toLowerCase());
  }
}

/**
 * CREATE [OR REPLACE] [TRANSIENT | TEMPORARY] TABLE [IF NOT EXISTS] (https://docs.snowflake.com/en/sql-reference/sql/create-table).
 * PRIMARY KEY and UNIQUE are recorded by Snowflake but not enforced; the emulator does not enforce them either.
 */
export async function createTable(s: Statement & { k: "createTable" }, ctx: BindContext, runner: DdlRunner): Promise<StatementResult> {
  const o = resolveName(s.name, ctx.session, "CREATE TABLE");
  await requireSchema(runner, o);
  const existing = await runner.catalog.table(o);
  // A temporary table may share the name of a permanent one: it hides it for the session.
  const clash = existing && (s.kind === "temporary") === (existing.kind === "temporary") ? existing : undefined;
  if (clash && s.ifNotExists) return statusResult(`${o.name} already exists, statement succeeded.`);
  if (clash && !s.orReplace) throw objectExists("Object", o.name);
  const duckName = s.kind === "temporary" ? temporaryDuckName(o) : permanentDuckName(o);
  let columns: Array<{ name: string; type: SfType }>;
  let columnSqls: string[];
  let fill: string | undefined;
  if (s.as) {
    const q = bindQuery(s.as, ctx);
    if (s.columns && s.columns.length !== q.columns.length) throw compilationError("Column list of CREATE TABLE does not match the query's columns");
    columns = q.columns.map((c, i) => ({ name: s.columns?.[i]?.name.name ?? c.name, type: s.columns?.[i]?.type ?? c.type }));
    columnSqls = columns.map((c) => `${quote(c.name)} ${storageType(c.type)}`);
    const casts = columns.map((c, i) => `CAST(${castTo({ sql: `"q"."c${i + 1}"`, type: q.columns[i]!.type }, c.type, ctx.session).sql} AS ${storageType(c.type)})`);
    fill = `INSERT INTO ${duckName} SELECT ${casts.join(", ")} FROM (${q.sql}) AS "q"`;
  } else {
    columns = (s.columns ?? []).map((c) => ({ name: c.name.name, type: c.type }));
    columnSqls = (s.columns ?? []).map((c) => columnSql(c, ctx));
  }
  if (columns.length === 0) throw compilationError("A table needs at least one column");
  duplicateCheck(columns.map((c) => c.name));
  if (clash) await runner.run(`DROP TABLE ${clash.duckName}`);
  await runner.run(`CREATE ${s.kind === "temporary" ? "TEMPORARY " : ""}TABLE ${duckName} (${columnSqls.join(", ")})`);
  await commentColumns(runner, duckName, columns);
  const comment = tableKindComment(s.kind);
  if (comment) await runner.run(`COMMENT ON TABLE ${duckName} IS ${literal(comment)}`);
  if (fill) await runner.run(fill);
  return statusResult(`Table ${o.name} successfully created.`);
}

/** CREATE [OR REPLACE] VIEW: kept as its Snowflake text, bound afresh on every read. */
export async function createView(s: Statement & { k: "createView" }, ctx: BindContext, runner: DdlRunner): Promise<StatementResult> {
  const o = resolveName(s.name, ctx.session, "CREATE VIEW");
  await requireSchema(runner, o);
  const q = bindQuery(s.query, ctx);
  duplicateCheck(q.columns.map((c) => c.name));
  const existing = await runner.catalog.table(o);
  if (existing && existing.kind !== "temporary") {
    if (s.ifNotExists) return statusResult(`${o.name} already exists, statement succeeded.`);
    if (!s.orReplace) throw objectExists("Object", o.name);
    await runner.run(`DROP ${existing.kind === "view" ? "VIEW" : "TABLE"} ${existing.duckName}`);
  }
  const duckName = permanentDuckName(o);
  // The DuckDB view gives the catalog its columns; reads bind the Snowflake text kept in the comment.
  await runner.run(`CREATE VIEW ${duckName} (${q.columns.map((c) => quote(c.name)).join(", ")}) AS ${q.sql}`);
  await runner.run(`COMMENT ON VIEW ${duckName} IS ${literal(viewComment(s.text))}`);
  return statusResult(`View ${o.name} successfully created.`);
}

export async function createSchema(s: Statement & { k: "createSchema" }, runner: DdlRunner): Promise<StatementResult> {
  const o = resolveSchemaName(s.name, runner.names, "CREATE SCHEMA");
  if (!(await runner.catalog.databaseExists(o.database))) {
    throw new SnowflakeError("002003", "02000", `SQL compilation error:\nDatabase '${o.database}' does not exist or not authorized.`);
  }
  if (await runner.catalog.schemaExists(o.database, o.schema)) {
    if (s.ifNotExists) return statusResult(`${o.schema} already exists, statement succeeded.`);
    if (!s.orReplace) throw objectExists("Object", o.schema);
    await runner.run(`DROP SCHEMA ${quote(o.database)}.${quote(o.schema)} CASCADE`);
  }
  await runner.run(`CREATE SCHEMA ${quote(o.database)}.${quote(o.schema)}`);
  return statusResult(`Schema ${o.schema} successfully created.`);
}

/** A database is a DuckDB in-memory catalog with Snowflake's PUBLIC schema. */
export async function createDatabase(name: string, runner: DdlRunner, options: { orReplace: boolean; ifNotExists: boolean }): Promise<StatementResult> {
  if (await runner.catalog.databaseExists(name)) {
    if (options.ifNotExists) return statusResult(`${name} already exists, statement succeeded.`);
    if (!options.orReplace) throw objectExists("Object", name);
    await runner.run(`DETACH ${quote(name)}`);
  }
  await runner.run(`ATTACH ':memory:' AS ${quote(name)}`);
  await runner.run(`CREATE SCHEMA ${quote(name)}."PUBLIC"`);
  return statusResult(`Database ${name} successfully created.`);
}

export async function drop(s: Statement & { k: "drop" }, ctx: BindContext, runner: DdlRunner): Promise<StatementResult> {
  if (s.what === "database") {
    const name = s.name[0]!.name;
    if (!(await runner.catalog.databaseExists(name))) return missing(s.ifExists, "Database", name);
    await runner.run(`DETACH ${quote(name)}`);
    return statusResult(`${name} successfully dropped.`);
  }
  if (s.what === "schema") {
    const o = resolveSchemaName(s.name, runner.names, "DROP SCHEMA");
    if (!(await runner.catalog.schemaExists(o.database, o.schema))) return missing(s.ifExists, "Schema", `${o.database}.${o.schema}`);
    await runner.run(`DROP SCHEMA ${quote(o.database)}.${quote(o.schema)} CASCADE`);
    return statusResult(`${o.schema} successfully dropped.`);
  }
  const o: ObjectName = resolveName(s.name, ctx.session, s.what === "view" ? "DROP VIEW" : "DROP TABLE");
  const table = await runner.catalog.table(o);
  const kind = s.what === "view" ? "View" : "Table";
  if (!table || (s.what === "view") !== (table.kind === "view")) return missing(s.ifExists, kind, displayName(o));
  await runner.run(`DROP ${table.kind === "view" ? "VIEW" : "TABLE"} ${table.duckName}`);
  return statusResult(`${o.name} successfully dropped.`);
}

function missing(ifExists: boolean, kind: string, name: string): StatementResult {
  if (ifExists) return statusResult(`Drop statement executed successfully (${name.split(".").pop()} already dropped).`);
  throw new SnowflakeError("002003", "02000", `SQL compilation error:\n${kind} '${name}' does not exist or not authorized.`);
}

/** ALTER TABLE ... ADD COLUMN (https://docs.snowflake.com/en/sql-reference/sql/alter-table-column). */
export async function alterTableAdd(s: Statement & { k: "alterTableAdd" }, ctx: BindContext, runner: DdlRunner): Promise<StatementResult> {
  const o = resolveName(s.table, ctx.session, "ALTER TABLE");
  const table = await runner.catalog.table(o);
  if (!table || table.kind === "view") {
    if (s.ifExists) return statusResult("Statement executed successfully.");
    throw new SnowflakeError("002003", "02000", `SQL compilation error:\nTable '${displayName(o)}' does not exist or not authorized.`);
  }
  duplicateCheck([...table.columns.map((c) => c.name), ...s.columns.map((c) => c.name.name)]);
  for (const c of s.columns) {
    await runner.run(`ALTER TABLE ${table.duckName} ADD COLUMN ${columnSql(c, ctx)}`);
    await commentColumns(runner, table.duckName, [{ name: c.name.name, type: c.type }]);
  }
  return statusResult("Statement executed successfully.");
}

export async function alterTableRename(s: Statement & { k: "alterTableRename" }, ctx: BindContext, runner: DdlRunner): Promise<StatementResult> {
  const o = resolveName(s.table, ctx.session, "ALTER TABLE");
  const to = resolveName(s.to, ctx.session, "ALTER TABLE");
  const table = await runner.catalog.requireTable(o);
  if (table.kind === "temporary" || to.database !== o.database || to.schema !== o.schema) throw unsupported("renaming a table into another schema, or a temporary table");
  if (await runner.catalog.table(to)) throw objectExists("Object", to.name);
  await runner.run(`ALTER TABLE ${table.duckName} RENAME TO ${quote(to.name)}`);
  return statusResult("Statement executed successfully.");
}
