import type { Ident, Query, Statement } from "../sql/ast.js";
import { parseStatement } from "../sql/parse-statement.js";
import { Catalog, resolveName, type CatalogTable, type NameContext } from "./catalog.js";
import { tableKey, type BindContext, type BindSession, type BindValue } from "./bound.js";

/** Every table name a statement (or a view it reads) mentions, as written. */
function tableNames(node: unknown, out: Ident[][]): void {
  if (Array.isArray(node)) {
    for (const n of node) tableNames(n, out);
    return;
  }
  if (!node || typeof node !== "object") return;
  const o = node as Record<string, unknown>;
  if (o.k === "table" && Array.isArray(o.name)) out.push(o.name as Ident[]);
  for (const [key, value] of Object.entries(o)) {
    if (key === "pos") continue;
    tableNames(value, out);
  }
}

/**
 * Load the catalog entries of every table and view a statement names (views' bodies too, recursively),
 * so that binding runs synchronously afterwards. Names that do not resolve are left out: binding raises
 * Snowflake's error where the name is actually used as a table.
 */
export async function prepareBind(
  statement: Statement,
  extraTables: readonly Ident[][],
  session: BindSession,
  catalog: Catalog,
  binds: readonly BindValue[],
  text: string,
): Promise<BindContext> {
  const tables = new Map<string, CatalogTable>();
  const views = new Map<string, Query>();
  const pending: Array<{ names: Ident[][]; ctx: NameContext }> = [];
  const names: Ident[][] = [...extraTables];
  tableNames(statement, names);
  pending.push({ names, ctx: session });
  while (pending.length > 0) {
    const { names: batch, ctx } = pending.pop()!;
    for (const parts of batch) {
      let o;
      try {
        o = resolveName(parts, ctx, "SELECT");
      } catch {
        continue;
      }
      const key = tableKey(o.database, o.schema, o.name);
      if (tables.has(key)) continue;
      const table = await catalog.table(o);
      if (!table) continue;
      tables.set(key, table);
      if (table.kind === "view" && table.viewText) {
        const parsed = parseStatement(table.viewText).statement;
        if (parsed.k === "query") {
          views.set(key, parsed.query);
          const inner: Ident[][] = [];
          tableNames(parsed, inner);
          // A view's names resolve in the view's own database and schema.
          pending.push({ names: inner, ctx: { database: o.database, schema: o.schema } });
        }
      }
    }
  }
  let alias = 0;
  let bind = 0;
  return {
    session,
    tables,
    views,
    binds,
    text,
    ctes: [],
    nextAlias: (prefix) => `${prefix}${++alias}`,
    nextBind: () => ++bind,
  };
}
