import type { Cte, Expr, FromItem, Pos, Query, QueryBody, Select, SelectItem } from "./ast.js";
import { ExpressionParser } from "./parse-expression.js";

/**
 * Parses Snowflake queries (https://docs.snowflake.com/en/sql-reference/constructs): WITH, SELECT with
 * FROM, joins, WHERE, GROUP BY (and GROUP BY ALL), HAVING, QUALIFY, set operators (MINUS is EXCEPT),
 * VALUES, ORDER BY, LIMIT/OFFSET and FETCH.
 */
export abstract class QueryParser extends ExpressionParser {
  query(): Query {
    const ctes: Cte[] = [];
    if (this.acceptWord("WITH")) {
      if (this.isWord("RECURSIVE")) throw this.unexpected();
      do {
        const name = this.identifier();
        const columns = this.isOp("(") ? this.identifierList() : undefined;
        this.expectWord("AS");
        this.expectOp("(");
        const query = this.query();
        this.expectOp(")");
        ctes.push({ name, ...(columns ? { columns } : {}), query });
      } while (this.acceptOp(","));
    }
    const body = this.setExpression();
    const q: Query = { with: ctes, body, orderBy: [] };
    if (this.acceptWord("ORDER")) {
      this.expectWord("BY");
      q.orderBy = this.orderList();
    }
    if (this.acceptWord("LIMIT")) {
      q.limit = this.expression();
      if (this.acceptWord("OFFSET")) q.offset = this.expression();
    } else if (this.isWord("OFFSET") || this.isWord("FETCH")) {
      if (this.acceptWord("OFFSET")) {
        q.offset = this.expression();
        this.acceptWord("ROWS", "ROW");
      }
      if (this.acceptWord("FETCH")) {
        this.expectWord("FIRST", "NEXT");
        q.limit = this.expression();
        this.expectWord("ROWS", "ROW");
        this.expectWord("ONLY");
      }
    }
    return q;
  }

  private setExpression(): QueryBody {
    let left = this.setTerm();
    for (;;) {
      const pos = this.pos();
      if (this.isWord("UNION", "EXCEPT", "MINUS")) {
        const word = this.next().text.toUpperCase();
        const all = this.acceptWord("ALL");
        if (!all) this.acceptWord("DISTINCT");
        if (this.isWord("BY")) throw this.unexpected();
        left = { k: "setop", op: word === "UNION" ? "union" : "except", all, l: left, r: this.setTerm(), pos };
        continue;
      }
      return left;
    }
  }

  // INTERSECT binds tighter than UNION and EXCEPT, as in the SQL standard.
  private setTerm(): QueryBody {
    let left = this.setPrimary();
    while (this.isWord("INTERSECT")) {
      const pos = this.pos();
      this.next();
      const all = this.acceptWord("ALL");
      left = { k: "setop", op: "intersect", all, l: left, r: this.setPrimary(), pos };
    }
    return left;
  }

  private setPrimary(): QueryBody {
    const pos = this.pos();
    if (this.isOp("(")) {
      this.next();
      const query = this.query();
      this.expectOp(")");
      return { k: "paren", query, pos };
    }
    if (this.isWord("VALUES")) {
      this.next();
      return { k: "values", rows: this.valuesRows(), pos };
    }
    return this.select();
  }

  valuesRows(): Expr[][] {
    const rows: Expr[][] = [];
    do {
      this.expectOp("(");
      rows.push(this.expressionList());
      this.expectOp(")");
    } while (this.acceptOp(","));
    return rows;
  }

  private select(): Select {
    const pos = this.pos();
    this.expectWord("SELECT");
    const distinct = this.acceptWord("DISTINCT");
    if (!distinct) this.acceptWord("ALL");
    if (this.isWord("TOP")) throw this.unexpected();
    const items: SelectItem[] = [];
    do {
      const e = this.expression();
      const alias = e.k === "star" ? undefined : this.optionalAlias();
      items.push({ e, ...(alias ? { alias } : {}) });
    } while (this.acceptOp(","));
    const select: Select = { k: "select", distinct, items, from: [], groupBy: [], groupByAll: false, pos };
    if (this.acceptWord("FROM")) select.from = this.fromList();
    if (this.acceptWord("WHERE")) select.where = this.expression();
    if (this.acceptWord("GROUP")) {
      this.expectWord("BY");
      if (this.acceptWord("ALL")) select.groupByAll = true;
      else {
        if (this.isWord("CUBE", "ROLLUP", "GROUPING")) throw this.unexpected();
        select.groupBy = this.expressionList();
      }
    }
    if (this.acceptWord("HAVING")) select.having = this.expression();
    if (this.acceptWord("QUALIFY")) select.qualify = this.expression();
    return select;
  }

  fromList(): FromItem[] {
    const items = [this.joined()];
    while (this.acceptOp(",")) items.push(this.joined());
    return items;
  }

  private joined(): FromItem {
    let left = this.fromPrimary();
    for (;;) {
      const pos = this.pos();
      let type: "inner" | "left" | "right" | "full" | "cross" | undefined;
      if (this.isWord("NATURAL") || this.isWord("ASOF")) throw this.unexpected();
      if (this.acceptWord("JOIN")) type = "inner";
      else if (this.isWord("INNER") && this.isWordAt(1, "JOIN")) {
        this.next();
        this.next();
        type = "inner";
      } else if (this.isWord("CROSS") && this.isWordAt(1, "JOIN")) {
        this.next();
        this.next();
        type = "cross";
      } else if (this.isWord("LEFT", "RIGHT", "FULL")) {
        type = this.next().text.toLowerCase() as "left" | "right" | "full";
        this.acceptWord("OUTER");
        this.expectWord("JOIN");
      }
      if (!type) return left;
      const right = this.fromPrimary();
      if (type === "cross") {
        left = { k: "join", type, l: left, r: right, pos };
        continue;
      }
      if (this.acceptWord("ON")) left = { k: "join", type, l: left, r: right, on: this.expression(), pos };
      else if (this.acceptWord("USING")) left = { k: "join", type, l: left, r: right, using: this.identifierList(), pos };
      else if (type === "inner") left = { k: "join", type: "cross", l: left, r: right, pos };
      else throw this.unexpected();
    }
  }

  private fromPrimary(): FromItem {
    const pos: Pos = this.pos();
    const lateral = this.acceptWord("LATERAL");
    if (this.isOp("(")) {
      this.next();
      if (this.isWord("VALUES")) {
        this.next();
        const rows = this.valuesRows();
        this.expectOp(")");
        return { k: "values", rows, pos, ...this.aliasWithColumns() };
      }
      if (!this.isWord("SELECT", "WITH")) {
        // A parenthesised query, `((select ...)) as s`, or a parenthesised join.
        const start = this.index;
        if (this.isOp("(")) {
          try {
            const query = this.query();
            this.expectOp(")");
            return { k: "derived", query, lateral, pos, ...this.aliasWithColumns() };
          } catch {
            this.reset(start);
          }
        }
        const inner = this.joined();
        this.expectOp(")");
        return inner;
      }
      const query = this.query();
      this.expectOp(")");
      return { k: "derived", query, lateral, pos, ...this.aliasWithColumns() };
    }
    if (this.isWord("VALUES")) {
      this.next();
      const rows = this.valuesRows();
      return { k: "values", rows, pos, ...this.aliasWithColumns() };
    }
    if (this.isWord("TABLE") && this.peekAt(1).kind === "op" && this.peekAt(1).text === "(") {
      this.next();
      this.next();
      const fn = this.tableFunction(lateral, pos);
      this.expectOp(")");
      return { ...fn, ...this.aliasWithColumns() };
    }
    if (this.isWord("FLATTEN") && this.peekAt(1).kind === "op" && this.peekAt(1).text === "(") {
      return { ...this.tableFunction(lateral, pos), ...this.aliasWithColumns() };
    }
    if (lateral) throw this.unexpected();
    const name = this.qualifiedName();
    if (this.isWord("AT", "BEFORE", "CHANGES", "SAMPLE", "TABLESAMPLE", "PIVOT", "UNPIVOT", "MATCH_RECOGNIZE")) throw this.unexpected();
    const alias = this.optionalAlias();
    return { k: "table", name, pos, ...(alias ? { alias } : {}) };
  }

  private tableFunction(lateral: boolean, pos: Pos): FromItem & { k: "tablefn" } {
    const t = this.next();
    if (t.kind !== "word") throw this.unexpected();
    const name = t.text.toUpperCase();
    this.expectOp("(");
    const args: Expr[] = [];
    const named: Record<string, Expr> = {};
    if (!this.isOp(")")) {
      do {
        if (this.peek.kind === "word" && this.peekAt(1).kind === "op" && this.peekAt(1).text === "=>") {
          const key = this.next().text.toUpperCase();
          this.next();
          named[key] = this.expression();
        } else args.push(this.expression());
      } while (this.acceptOp(","));
    }
    this.expectOp(")");
    return { k: "tablefn", name, args, named, lateral, pos };
  }

  /** `[AS] alias [(c1, c2)]`. */
  private aliasWithColumns(): { alias?: import("./ast.js").Ident; columns?: import("./ast.js").Ident[] } {
    const alias = this.optionalAlias();
    if (!alias) return {};
    const columns = this.isOp("(") ? this.identifierList() : undefined;
    return { alias, ...(columns ? { columns } : {}) };
  }
}
