import { SnowflakeError, compilationError, invalidIdentifier, objectNotFound, unsupported } from "../emulator-errors.js";
import type { Expr, FromItem, Ident, OrderItem, Query, QueryBody, Select } from "../sql/ast.js";
import { commonType, storageType, typeName, type SfType } from "../sql/sf-types.js";
import { displayName, quote, resolveName } from "./catalog.js";
import { bindExpr, coerce, orderSql, outputColumn, type ExprEnv } from "./bind-expression.js";
import { Scope, tableKey, type BindContext, type Bound, type BoundQuery, type Relation, type RelationColumn } from "./bound.js";

type Columns = BoundQuery["columns"];

/**
 * Translate a query to DuckDB. Every relation gets a fresh DuckDB alias and every output column is named
 * `c1`, `c2`, ... in DuckDB: Snowflake's exact-case names live in the result metadata only, so names that
 * differ by case alone never meet DuckDB's case-insensitive resolver.
 */
export function bindQuery(q: Query, ctx: BindContext, outer?: Scope): BoundQuery {
  const ctes = new Map<string, { duck: string; columns: Columns }>();
  ctx.ctes.push(ctes);
  try {
    const withParts: string[] = [];
    for (const cte of q.with) {
      const bound = bindQuery(cte.query, ctx, outer);
      const columns = renameColumns(bound.columns, cte.columns, cte.name.name);
      const duck = quote(ctx.nextAlias("w"));
      withParts.push(`${duck} AS (${bound.sql})`);
      ctes.set(cte.name.name, { duck, columns });
    }
    const body = bindBody(q.body, ctx, outer, q.orderBy, q);
    const tail = limitSql(q, ctx);
    const prefix = withParts.length > 0 ? `WITH ${withParts.join(", ")} ` : "";
    return { sql: `${prefix}${body.sql}${body.ordered ? "" : orderOutput(q.orderBy, body.columns)}${tail}`, columns: body.columns };
  } finally {
    ctx.ctes.pop();
  }
}

function renameColumns(columns: Columns, names: readonly Ident[] | undefined, what: string): Columns {
  if (!names) return columns;
  if (names.length !== columns.length) {
    throw compilationError(`Insert value list does not match column list expecting ${names.length} but got ${columns.length}`.replace("Insert value list", `Column list of ${what}`));
  }
  return columns.map((c, i) => ({ name: names[i]!.name, type: c.type }));
}

function limitSql(q: Query, ctx: BindContext): string {
  const constant = (e: Expr | undefined, what: string): string => {
    if (!e) return "";
    const b = bindExpr(e, { ctx, scope: new Scope([]), bindQuery, allowAggregates: false });
    if (b.type.base !== "NUMBER" && b.type.base !== "NULL") throw compilationError(`Invalid ${what}: must be an integer constant`);
    return `CAST(${b.sql} AS BIGINT)`;
  };
  const limit = constant(q.limit, "row count");
  const offset = constant(q.offset, "offset");
  return `${limit ? ` LIMIT ${limit}` : ""}${offset ? ` OFFSET ${offset}` : ""}`;
}

/** ORDER BY over a query's output: by output name or position. */
function orderOutput(items: readonly OrderItem[], columns: Columns): string {
  if (items.length === 0) return "";
  const sql = orderSql(items, (e) => {
    const index = outputIndex(e, columns);
    if (index === undefined) throw invalidIdentifier(e.k === "col" ? e.parts.map((p) => p.name).join(".") : "expression");
    return { sql: outputColumn(index), type: columns[index]!.type };
  });
  return ` ORDER BY ${sql}`;
}

/** The output column an ORDER BY or GROUP BY item names: a position `1` or an output name. */
function outputIndex(e: Expr, columns: Columns): number | undefined {
  if (e.k === "lit" && e.type === "number" && /^\d+$/.test(e.value)) {
    const n = Number(e.value);
    if (n < 1 || n > columns.length) throw compilationError(`Position ${n} is not in the select list`);
    return n - 1;
  }
  if (e.k === "col" && e.parts.length === 1) {
    const index = columns.findIndex((c) => c.name === e.parts[0]!.name);
    return index < 0 ? undefined : index;
  }
  return undefined;
}

interface BoundBody extends BoundQuery {
  /** ORDER BY was applied inside (a simple SELECT can order by columns it does not return). */
  readonly ordered: boolean;
}

function bindBody(body: QueryBody, ctx: BindContext, outer: Scope | undefined, orderBy: readonly OrderItem[], q: Query): BoundBody {
  switch (body.k) {
    case "select":
      return bindSelect(body, ctx, outer, orderBy);
    case "paren": {
      const inner = bindQuery(body.query, ctx, outer);
      return { sql: `SELECT * FROM (${inner.sql}) AS ${quote(ctx.nextAlias("p"))}`, columns: inner.columns, ordered: false };
    }
    case "values": {
      const v = bindValues(body.rows, ctx, outer);
      return { sql: `SELECT * FROM (${v.sql}) AS ${quote(ctx.nextAlias("v"))}(${v.columns.map((_, i) => outputColumn(i)).join(", ")})`, columns: v.columns, ordered: false };
    }
    case "setop": {
      const l = bindBody(body.l, ctx, outer, [], q);
      const r = bindBody(body.r, ctx, outer, [], q);
      if (l.columns.length !== r.columns.length) {
        throw new SnowflakeError(
          "001789",
          "42601",
          `SQL compilation error:\ninvalid number of result columns for set operator input branches, expected ${l.columns.length}, got ${r.columns.length} in branch 2`,
        );
      }
      const types = l.columns.map((c, i) => commonType(c.type, r.columns[i]!.type));
      const side = (b: BoundBody) => {
        const casts = b.columns.map((c, i) => `${castSql(outputColumn(i), c.type, types[i]!)} AS ${outputColumn(i)}`);
        return `SELECT ${casts.join(", ")} FROM (${b.sql}) AS ${quote(ctx.nextAlias("s"))}`;
      };
      const op = body.op === "union" ? "UNION" : body.op === "except" ? "EXCEPT" : "INTERSECT";
      return {
        sql: `(${side(l)}) ${op}${body.all ? " ALL" : ""} (${side(r)})`,
        columns: l.columns.map((c, i) => ({ name: c.name, type: types[i]! })),
        ordered: false,
      };
    }
  }
}

/** A cast between two types of the same storage is free; otherwise CAST to the wider storage. */
function castSql(sql: string, from: SfType, to: SfType): string {
  return typeName(from) === typeName(to) ? sql : `CAST(${sql} AS ${storageType(to)})`;
}

/** VALUES rows: each column takes the common type of its values; columns are COLUMN1, COLUMN2, ... */
function bindValues(rows: readonly Expr[][], ctx: BindContext, outer: Scope | undefined): BoundQuery {
  const env: ExprEnv = { ctx, scope: outer ?? new Scope([]), bindQuery, allowAggregates: false };
  const width = rows[0]!.length;
  const bound = rows.map((row) => {
    if (row.length !== width) throw compilationError(`Different number of values in rows of VALUES: expected ${width}, got ${row.length}`);
    return row.map((e) => bindExpr(e, env));
  });
  const types = Array.from({ length: width }, (_, i) => bound.map((r) => r[i]!.type).reduce(commonType));
  const finalTypes = types.map((t) => (t.base === "NULL" ? { base: "VARCHAR", length: 16_777_216 } as SfType : t));
  const sqlRows = bound.map((r) => `(${r.map((b, i) => `CAST(${coerce(b, finalTypes[i]!, env).sql} AS ${storageType(finalTypes[i]!)})`).join(", ")})`);
  return { sql: `VALUES ${sqlRows.join(", ")}`, columns: finalTypes.map((type, i) => ({ name: `COLUMN${i + 1}`, type })) };
}

interface BoundFrom {
  readonly sql: string;
  readonly relations: Relation[];
}

function bindFrom(item: FromItem, ctx: BindContext, outer: Scope | undefined, left: Relation[]): BoundFrom {
  switch (item.k) {
    case "table":
      return bindTable(item, ctx, outer);
    case "derived": {
      const inner = bindQuery(item.query, ctx, item.lateral ? new Scope(left, outer) : outer);
      return derived(inner, item.alias, item.columns, ctx, "(" + inner.sql + ")");
    }
    case "values": {
      const v = bindValues(item.rows, ctx, outer);
      const alias = ctx.nextAlias("r");
      const columns = renameColumns(v.columns, item.columns, item.alias?.name ?? "VALUES");
      return {
        sql: `(${v.sql}) AS ${quote(alias)}(${columns.map((_, i) => outputColumn(i)).join(", ")})`,
        relations: [{ qualifiers: item.alias ? [[item.alias.name]] : [], columns: columns.map((c, i) => ({ name: c.name, type: c.type, sql: `${quote(alias)}.${outputColumn(i)}` })) }],
      };
    }
    case "tablefn": {
      if (item.name !== "GENERATOR") throw unsupported(`table function ${item.name}`);
      // TABLE(GENERATOR(ROWCOUNT => n)): n rows and no columns (https://docs.snowflake.com/en/sql-reference/functions/generator).
      const count = item.named.ROWCOUNT;
      if (!count || Object.keys(item.named).some((k) => k !== "ROWCOUNT")) throw unsupported("GENERATOR without ROWCOUNT, or with TIMELIMIT");
      const n = bindExpr(count, { ctx, scope: new Scope([]), bindQuery, allowAggregates: false });
      const alias = ctx.nextAlias("r");
      return { sql: `range(CAST(${n.sql} AS BIGINT)) AS ${quote(alias)}("g")`, relations: [{ qualifiers: item.alias ? [[item.alias.name]] : [], columns: [] }] };
    }
    case "join": {
      const l = bindFrom(item.l, ctx, outer, left);
      const r = bindFrom(item.r, ctx, outer, [...left, ...l.relations]);
      const relations = [...l.relations, ...r.relations];
      const type = { inner: "INNER", left: "LEFT", right: "RIGHT", full: "FULL", cross: "CROSS" }[item.type];
      if (item.type === "cross") return { sql: `${l.sql} CROSS JOIN ${r.sql}`, relations };
      let on: string;
      if (item.using) {
        on = item.using
          .map((u) => {
            const a = findColumn(l.relations, u.name);
            const b = findColumn(r.relations, u.name);
            return `${a.sql} = ${b.sql}`;
          })
          .join(" AND ");
      } else {
        const env: ExprEnv = { ctx, scope: new Scope([...left, ...relations], outer), bindQuery, allowAggregates: false };
        const cond = bindExpr(item.on!, env);
        on = cond.type.base === "BOOLEAN" || cond.type.base === "NULL" ? cond.sql : `CAST(${cond.sql} AS BOOLEAN)`;
      }
      return { sql: `${l.sql} ${type} JOIN ${r.sql} ON ${on}`, relations };
    }
  }
}

function findColumn(relations: readonly Relation[], name: string): RelationColumn {
  const found = relations.flatMap((r) => r.columns.filter((c) => c.name === name));
  if (found.length !== 1) throw found.length === 0 ? invalidIdentifier(name) : compilationError(`ambiguous column name '${name}'`);
  return found[0]!;
}

function derived(inner: BoundQuery, alias: Ident | undefined, names: readonly Ident[] | undefined, ctx: BindContext, from: string): BoundFrom {
  const duck = ctx.nextAlias("r");
  const columns = renameColumns(inner.columns, names, alias?.name ?? "subquery");
  return {
    sql: `${from} AS ${quote(duck)}`,
    relations: [{ qualifiers: alias ? [[alias.name]] : [], columns: columns.map((c, i) => ({ name: c.name, type: c.type, sql: `${quote(duck)}.${outputColumn(i)}` })) }],
  };
}

function bindTable(item: FromItem & { k: "table" }, ctx: BindContext, outer: Scope | undefined): BoundFrom {
  if (item.name.length === 1) {
    for (let i = ctx.ctes.length - 1; i >= 0; i--) {
      const cte = ctx.ctes[i]!.get(item.name[0]!.name);
      if (!cte) continue;
      const duck = ctx.nextAlias("r");
      const qualifier = item.alias?.name ?? item.name[0]!.name;
      return {
        sql: `${cte.duck} AS ${quote(duck)}`,
        relations: [{ qualifiers: [[qualifier]], columns: cte.columns.map((c, j) => ({ name: c.name, type: c.type, sql: `${quote(duck)}.${outputColumn(j)}` })) }],
      };
    }
  }
  const o = resolveName(item.name, ctx.session, "SELECT");
  const key = tableKey(o.database, o.schema, o.name);
  const table = ctx.tables.get(key);
  if (!table) throw objectNotFound("Object", displayName(o));
  const qualifiers = item.alias ? [[item.alias.name]] : [[o.database, o.schema, o.name]];
  if (table.kind === "view") {
    const body = ctx.views.get(key);
    if (!body) throw unsupported(`view ${displayName(o)} (made outside the emulator)`);
    // A view's own names resolve in the view's database and schema, not the reader's.
    const session = Object.create(ctx.session, { database: { value: o.database }, schema: { value: o.schema } }) as BindContext["session"];
    const inner = bindQuery(body, { ...ctx, session, ctes: [] }, undefined);
    const d = derived(inner, item.alias ?? { name: o.name, quoted: true }, undefined, ctx, `(${inner.sql})`);
    return { sql: d.sql, relations: d.relations.map((r) => ({ ...r, qualifiers })) };
  }
  const duck = ctx.nextAlias("r");
  void outer;
  return {
    sql: `${table.duckName} AS ${quote(duck)}`,
    relations: [{ qualifiers, columns: table.columns.map((c) => ({ name: c.name, type: c.type, sql: `${quote(duck)}.${quote(c.name)}` })) }],
  };
}

/** Snowflake names an unaliased item after its column, or its text in upper case. */
function itemName(e: Expr, text: string): string {
  if (e.k === "col") return e.parts[e.parts.length - 1]!.name;
  if (e.k === "cast" && e.e.k === "col" && text.slice(e.pos.start, e.pos.end).includes("::")) return text.slice(e.pos.start, e.pos.end).toUpperCase();
  return text.slice(e.pos.start, e.pos.end).replace(/\s+/g, " ").toUpperCase();
}

function bindSelect(s: Select, ctx: BindContext, outer: Scope | undefined, orderBy: readonly OrderItem[]): BoundBody {
  const froms: string[] = [];
  const relations: Relation[] = [];
  for (const item of s.from) {
    const f = bindFrom(item, ctx, outer, relations);
    froms.push(f.sql);
    relations.push(...f.relations);
  }
  const scope = new Scope(relations, outer);
  scope.aliases = new Map();
  const env = (allowAggregates: boolean): ExprEnv => ({ ctx, scope, bindQuery, allowAggregates });

  // Select list first: WHERE, GROUP BY, HAVING and QUALIFY may name its aliases.
  const items: Array<{ name: string; bound: Bound }> = [];
  for (const item of s.items) {
    if (item.e.k === "star") {
      const star = item.e;
      const sources = star.qualifier
        ? relations.filter((r) => r.qualifiers.some((q) => q.slice(-star.qualifier!.length).join("\0") === star.qualifier!.map((p) => p.name).join("\0")))
        : relations;
      if (star.qualifier && sources.length === 0) throw invalidIdentifier(star.qualifier.map((p) => p.name).join("."));
      if (!star.qualifier && relations.length === 0) throw compilationError("SELECT with no columns");
      const excluded = new Set((star.exclude ?? []).map((x) => x.name));
      for (const r of sources) for (const c of r.columns) if (!excluded.has(c.name)) items.push({ name: c.name, bound: { sql: c.sql, type: c.type } });
      continue;
    }
    const bound = bindExpr(item.e, env(true));
    const name = item.alias?.name ?? itemName(item.e, ctx.text);
    items.push({ name, bound });
    if (item.alias) scope.aliases.set(item.alias.name, bound);
  }
  const columns = items.map((i) => ({ name: i.name, type: i.bound.type.base === "NULL" ? ({ base: "VARCHAR", length: 16_777_216 } as SfType) : i.bound.type }));

  const where = s.where ? bindExpr(s.where, env(false)) : undefined;
  if (where?.aggregate) throw compilationError("Invalid aggregate function in where clause [" + ctx.text.slice(s.where!.pos.start, s.where!.pos.end) + "]");
  let groupBy: string[] = [];
  const grouped = s.groupByAll || s.groupBy.length > 0 || items.some((i) => i.bound.aggregate);
  if (s.groupByAll) groupBy = items.filter((i) => !i.bound.aggregate).map((i) => i.bound.sql);
  else {
    groupBy = s.groupBy.map((e) => {
      const index = e.k === "lit" && e.type === "number" ? outputIndex(e, columns) : undefined;
      if (index !== undefined) return items[index]!.bound.sql;
      return bindExpr(e, env(false)).sql;
    });
  }
  const having = s.having ? bindExpr(s.having, env(true)) : undefined;
  const qualify = s.qualify ? bindExpr(s.qualify, env(true)) : undefined;

  let order = "";
  if (orderBy.length > 0) {
    order = ` ORDER BY ${orderSql(orderBy, (e) => {
      const index = outputIndex(e, columns);
      if (index !== undefined) return { sql: outputColumn(index), type: columns[index]!.type };
      if (s.distinct) throw compilationError("For SELECT DISTINCT, ORDER BY expressions must appear in select list");
      return bindExpr(e, env(grouped));
    })}`;
  }
  const select = items.map((i, n) => `${i.bound.type.base === "NULL" ? "CAST(NULL AS VARCHAR)" : i.bound.sql} AS ${outputColumn(n)}`);
  const sql =
    `SELECT ${s.distinct ? "DISTINCT " : ""}${select.join(", ")}` +
    (froms.length > 0 ? ` FROM ${froms.join(", ")}` : "") +
    (where ? ` WHERE ${where.sql}` : "") +
    (groupBy.length > 0 ? ` GROUP BY ${groupBy.join(", ")}` : "") +
    (having ? ` HAVING ${having.sql}` : "") +
    (qualify ? ` QUALIFY ${qualify.sql}` : "") +
    order;
  return { sql, columns, ordered: true };
}

