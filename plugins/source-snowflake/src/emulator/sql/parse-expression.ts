import type { Expr, OrderItem, PathStep, Pos, Query, Window } from "./ast.js";
import { TokenCursor } from "./parser-base.js";
import { typeFromName, type SfType } from "./sf-types.js";

/** Functions Snowflake lets you call without parentheses. */
const NILADIC = new Set(["CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP", "LOCALTIME", "LOCALTIMESTAMP", "CURRENT_USER", "SYSDATE"]);

/** Multi-word type names, as `typeFromName` knows them. */
const MULTIWORD_TYPES: ReadonlyArray<readonly string[]> = [
  ["DOUBLE", "PRECISION"],
  ["CHAR", "VARYING"],
  ["CHARACTER", "VARYING"],
  ["NCHAR", "VARYING"],
  ["TIMESTAMP", "WITH", "LOCAL", "TIME", "ZONE"],
  ["TIMESTAMP", "WITH", "TIME", "ZONE"],
  ["TIMESTAMP", "WITHOUT", "TIME", "ZONE"],
];

/**
 * Parses Snowflake expressions by precedence
 * (https://docs.snowflake.com/en/sql-reference/operators#operator-precedence): `::` and path access,
 * unary signs, `* / %`, `+ - ||`, comparisons and predicates, NOT, AND, OR. Subqueries come from `query`,
 * which the statement parser provides.
 */
export abstract class ExpressionParser extends TokenCursor {
  abstract query(): Query;

  expression(): Expr {
    return this.or();
  }

  expressionList(): Expr[] {
    const list = [this.expression()];
    while (this.acceptOp(",")) list.push(this.expression());
    return list;
  }

  private or(): Expr {
    let e = this.and();
    while (this.isWord("OR")) {
      const pos = this.pos();
      this.next();
      e = { k: "bin", op: "or", l: e, r: this.and(), pos };
    }
    return e;
  }

  private and(): Expr {
    let e = this.not();
    while (this.isWord("AND")) {
      const pos = this.pos();
      this.next();
      e = { k: "bin", op: "and", l: e, r: this.not(), pos };
    }
    return e;
  }

  private not(): Expr {
    if (this.isWord("NOT")) {
      const pos = this.pos();
      this.next();
      return { k: "unary", op: "not", e: this.not(), pos };
    }
    return this.predicate();
  }

  private predicate(): Expr {
    let e = this.additive();
    for (;;) {
      const pos = this.pos();
      if (this.isOp("=", "!=", "<>", "<", ">", "<=", ">=")) {
        const written = this.next().text;
        const op = written === "<>" ? "!=" : written;
        e = { k: "bin", op, l: e, r: this.additive(), pos };
        continue;
      }
      if (this.isWord("IS")) {
        this.next();
        const not = this.acceptWord("NOT");
        if (this.acceptWord("NULL")) e = { k: "is", e, not, what: "null", pos };
        else if (this.acceptWord("TRUE")) e = { k: "is", e, not, what: "true", pos };
        else if (this.acceptWord("FALSE")) e = { k: "is", e, not, what: "false", pos };
        else if (this.acceptWord("DISTINCT")) {
          this.expectWord("FROM");
          e = { k: "distinct", l: e, r: this.additive(), not, pos };
        } else throw this.unexpected();
        continue;
      }
      const negated = this.isWord("NOT") && this.isWordAt(1, "IN", "BETWEEN", "LIKE", "ILIKE", "RLIKE", "REGEXP");
      if (negated) this.next();
      if (this.acceptWord("IN")) {
        this.expectOp("(");
        if (this.isWord("SELECT", "WITH")) {
          const query = this.query();
          this.expectOp(")");
          e = { k: "in", e, not: negated, query, pos };
        } else {
          const list = this.expressionList();
          this.expectOp(")");
          e = { k: "in", e, not: negated, list, pos };
        }
        continue;
      }
      if (this.acceptWord("BETWEEN")) {
        const lo = this.additive();
        this.expectWord("AND");
        const hi = this.additive();
        e = { k: "between", e, not: negated, lo, hi, pos };
        continue;
      }
      if (this.isWord("LIKE", "ILIKE", "RLIKE", "REGEXP")) {
        const word = this.next().text.toUpperCase();
        const op = word === "ILIKE" ? "ilike" : word === "LIKE" ? "like" : "rlike";
        if (this.isWord("ANY", "ALL")) throw this.unexpected();
        const pattern = this.additive();
        const escape = this.acceptWord("ESCAPE") ? this.additive() : undefined;
        e = { k: "like", e, not: negated, op, pattern, ...(escape ? { escape } : {}), pos };
        continue;
      }
      if (negated) throw this.unexpected();
      break;
    }
    return e;
  }

  private additive(): Expr {
    let e = this.multiplicative();
    while (this.isOp("+", "-", "||")) {
      const pos = this.pos();
      const op = this.next().text;
      e = { k: "bin", op, l: e, r: this.multiplicative(), pos };
    }
    return e;
  }

  private multiplicative(): Expr {
    let e = this.unary();
    while (this.isOp("*", "/", "%")) {
      const pos = this.pos();
      const op = this.next().text;
      e = { k: "bin", op, l: e, r: this.unary(), pos };
    }
    return e;
  }

  private unary(): Expr {
    if (this.isOp("-", "+")) {
      const pos = this.pos();
      const op = this.next().text as "-" | "+";
      const e = this.unary();
      // A signed number literal stays a literal (so `-1` has the type of `1`).
      if (e.k === "lit" && e.type === "number" && op === "-") return { ...e, value: e.value.startsWith("-") ? e.value.slice(1) : `-${e.value}`, pos: this.span(pos) };
      return op === "+" ? e : { k: "unary", op, e, pos: this.span(pos) };
    }
    return this.postfix();
  }

  private postfix(): Expr {
    const start = this.pos();
    let e = this.primary();
    for (;;) {
      if (this.isOp("::")) {
        this.next();
        e = { k: "cast", e, type: this.dataType(), try: false, pos: this.span(start) };
        continue;
      }
      if (this.isOp(":") && (this.peekAt(1).kind === "word" || this.peekAt(1).kind === "quoted")) {
        this.next();
        const path: PathStep[] = [{ key: this.pathKey() }];
        this.pathRest(path);
        e = { k: "path", e, path, pos: this.span(start) };
        continue;
      }
      if (this.isOp("[")) {
        const path: PathStep[] = [];
        this.pathRest(path);
        e = { k: "path", e, path, pos: this.span(start) };
        continue;
      }
      break;
    }
    return e;
  }

  /** A path key after `:` or `.`: unquoted keys keep their case (they are JSON keys, not identifiers). */
  private pathKey(): string {
    const t = this.next();
    if (t.kind === "word" || t.kind === "quoted") return t.text;
    throw this.unexpected();
  }

  private pathRest(path: PathStep[]): void {
    for (;;) {
      if (this.isOp(".") && (this.peekAt(1).kind === "word" || this.peekAt(1).kind === "quoted")) {
        this.next();
        path.push({ key: this.pathKey() });
        continue;
      }
      if (this.isOp("[")) {
        this.next();
        const index = this.expression();
        this.expectOp("]");
        path.push(index.k === "lit" && index.type === "string" ? { key: index.value } : { index });
        continue;
      }
      return;
    }
  }

  private primary(): Expr {
    const pos = this.pos();
    const t = this.peek;
    if (t.kind === "number") {
      this.next();
      return { k: "lit", type: "number", value: t.text, pos: this.span(pos) };
    }
    if (t.kind === "string") {
      this.next();
      return { k: "lit", type: "string", value: t.text, pos: this.span(pos) };
    }
    if (t.kind === "param") {
      this.next();
      return { k: "param", index: Number(t.text), pos: this.span(pos) };
    }
    if (t.kind === "op" && t.text === "(") {
      this.next();
      if (this.isWord("SELECT", "WITH")) {
        const query = this.query();
        this.expectOp(")");
        return { k: "subquery", query, pos: this.span(pos) };
      }
      const e = this.expression();
      this.expectOp(")");
      return e;
    }
    if (t.kind === "op" && t.text === "*") {
      this.next();
      return { k: "star", pos: this.span(pos), ...this.starModifiers() };
    }
    if (t.kind === "quoted") return this.columnOrStar(pos);
    if (t.kind !== "word") throw this.unexpected();
    const word = t.text.toUpperCase();
    switch (word) {
      case "NULL":
        this.next();
        return { k: "lit", type: "null", value: "", pos: this.span(pos) };
      case "TRUE":
      case "FALSE":
        this.next();
        return { k: "lit", type: "bool", value: word, pos: this.span(pos) };
      case "CASE":
        return this.caseExpression(pos);
      case "CAST":
      case "TRY_CAST": {
        this.next();
        this.expectOp("(");
        const e = this.expression();
        this.expectWord("AS");
        const type = this.dataType();
        this.expectOp(")");
        return { k: "cast", e, type, try: word === "TRY_CAST", pos: this.span(pos) };
      }
      case "EXISTS": {
        this.next();
        this.expectOp("(");
        const query = this.query();
        this.expectOp(")");
        return { k: "exists", query, pos: this.span(pos) };
      }
      case "INTERVAL": {
        if (this.peekAt(1).kind !== "string") break;
        this.next();
        return { k: "interval", text: this.next().text, pos: this.span(pos) };
      }
      case "DATE":
      case "TIME":
      case "TIMESTAMP":
      case "TIMESTAMP_NTZ":
      case "TIMESTAMP_LTZ":
      case "TIMESTAMP_TZ": {
        // Typed literals: DATE '2024-01-01' is '2024-01-01'::DATE.
        if (this.peekAt(1).kind !== "string") break;
        this.next();
        const text = this.next().text;
        return { k: "cast", e: { k: "lit", type: "string", value: text, pos }, type: typeFromName(word, []), try: false, pos: this.span(pos) };
      }
      default:
        break;
    }
    if (this.peekAt(1).kind === "op" && this.peekAt(1).text === "(" && !["SELECT", "WITH"].includes(word)) return this.call(pos);
    if (NILADIC.has(word) && !(this.peekAt(1).kind === "op" && this.peekAt(1).text === ".")) {
      this.next();
      return { k: "call", name: word, args: [], distinct: false, star: false, pos: this.span(pos) };
    }
    return this.columnOrStar(pos);
  }

  /** `EXCLUDE (a, b)` after a star. */
  private starModifiers(): { exclude?: import("./ast.js").Ident[] } {
    if (!this.acceptWord("EXCLUDE")) return {};
    if (this.isOp("(")) return { exclude: this.identifierList() };
    return { exclude: [this.identifier()] };
  }

  private columnOrStar(pos: Pos): Expr {
    const parts = [this.identifier()];
    while (this.isOp(".")) {
      this.next();
      if (this.isOp("*")) {
        this.next();
        return { k: "star", qualifier: parts, pos: this.span(pos), ...this.starModifiers() };
      }
      parts.push(this.anyIdentifier());
    }
    return { k: "col", parts, pos: this.span(pos) };
  }

  private caseExpression(pos: Pos): Expr {
    this.expectWord("CASE");
    const operand = this.isWord("WHEN") ? undefined : this.expression();
    const whens: Array<{ when: Expr; then: Expr }> = [];
    while (this.acceptWord("WHEN")) {
      const when = this.expression();
      this.expectWord("THEN");
      whens.push({ when, then: this.expression() });
    }
    if (whens.length === 0) throw this.unexpected();
    const otherwise = this.acceptWord("ELSE") ? this.expression() : undefined;
    this.expectWord("END");
    return { k: "case", ...(operand ? { operand } : {}), whens, ...(otherwise ? { else: otherwise } : {}), pos: this.span(pos) };
  }

  private call(pos: Pos): Expr {
    const name = this.next().text.toUpperCase();
    this.expectOp("(");
    const args: Expr[] = [];
    const named: Record<string, Expr> = {};
    let distinct = false;
    let star = false;
    if (name === "EXTRACT" || name === "DATE_PART") {
      // EXTRACT(part FROM e): the part is a keyword, kept as a string literal.
      const partPos = this.pos();
      const part = this.next();
      if (this.acceptWord("FROM") || this.acceptOp(",")) {
        args.push({ k: "lit", type: "string", value: part.text.toUpperCase(), pos: partPos }, this.expression());
        this.expectOp(")");
        return { k: "call", name, args, distinct, star, pos: this.span(pos) };
      }
      throw this.unexpected();
    }
    if (name === "POSITION" && !this.isOp(")")) {
      const first = this.additive();
      if (this.acceptWord("IN")) {
        args.push(first, this.expression());
        this.expectOp(")");
        return { k: "call", name, args, distinct, star, pos: this.span(pos) };
      }
      args.push(first);
      if (this.acceptOp(",")) args.push(...this.expressionList());
      this.expectOp(")");
      return { k: "call", name, args, distinct, star, pos: this.span(pos) };
    }
    if (this.isOp("*") && this.peekAt(1).kind === "op" && this.peekAt(1).text === ")") {
      this.next();
      star = true;
    } else if (!this.isOp(")")) {
      if (this.acceptWord("DISTINCT")) distinct = true;
      else this.acceptWord("ALL");
      for (;;) {
        if ((this.peek.kind === "word" || this.peek.kind === "quoted") && this.peekAt(1).kind === "op" && this.peekAt(1).text === "=>") {
          const key = this.next().text.toUpperCase();
          this.next();
          named[key] = this.expression();
        } else {
          args.push(this.expression());
        }
        if (!this.acceptOp(",")) break;
      }
    }
    this.expectOp(")");
    const call: Expr & { k: "call" } = { k: "call", name, args, distinct, star, pos, ...(Object.keys(named).length > 0 ? { named } : {}) };
    if (this.isWord("IGNORE", "RESPECT") && this.isWordAt(1, "NULLS")) {
      call.ignoreNulls = this.next().text.toUpperCase() === "IGNORE";
      this.next();
    }
    if (this.acceptWord("WITHIN")) {
      this.expectWord("GROUP");
      this.expectOp("(");
      this.expectWord("ORDER");
      this.expectWord("BY");
      call.within = this.orderList();
      this.expectOp(")");
    }
    if (this.acceptWord("OVER")) call.over = this.window();
    call.pos = this.span(pos);
    return call;
  }

  private window(): Window {
    this.expectOp("(");
    const partitionBy = this.isWord("PARTITION") ? (this.next(), this.expectWord("BY"), this.expressionList()) : [];
    const orderBy = this.isWord("ORDER") ? (this.next(), this.expectWord("BY"), this.orderList()) : [];
    let frame: string | undefined;
    if (this.isWord("ROWS", "RANGE")) {
      const from = this.peek.start;
      let depth = 0;
      while (!(depth === 0 && this.isOp(")")) && this.peek.kind !== "end") {
        if (this.isOp("(")) depth++;
        if (this.isOp(")")) depth--;
        this.next();
      }
      frame = this.text.slice(from, this.peek.start).trim();
    }
    this.expectOp(")");
    return { partitionBy, orderBy, ...(frame ? { frame } : {}) };
  }

  orderList(): OrderItem[] {
    const items: OrderItem[] = [];
    do {
      const e = this.expression();
      const desc = this.acceptWord("DESC") ? true : (this.acceptWord("ASC"), false);
      let nulls: "first" | "last" | undefined;
      if (this.acceptWord("NULLS")) nulls = this.expectWord("FIRST", "LAST") === "FIRST" ? "first" : "last";
      items.push({ e, desc, ...(nulls ? { nulls } : {}) });
    } while (this.acceptOp(","));
    return items;
  }

  /** A data type with its arguments: `NUMBER(10,2)`, `VARCHAR`, `TIMESTAMP WITH TIME ZONE`. */
  dataType(): SfType {
    const t = this.peek;
    if (t.kind !== "word") throw this.unexpected();
    let name = t.text.toUpperCase();
    this.next();
    for (const words of MULTIWORD_TYPES) {
      if (words[0] !== name) continue;
      if (words.slice(1).every((w, i) => this.isWordAt(i, w))) {
        for (let i = 1; i < words.length; i++) this.next();
        name = words.join(" ");
        break;
      }
    }
    const args: number[] = [];
    if (this.isOp("(")) {
      this.next();
      do {
        const n = this.next();
        if (n.kind !== "number") throw this.unexpected();
        args.push(Number(n.text));
      } while (this.acceptOp(","));
      this.expectOp(")");
    }
    return typeFromName(name, args);
  }
}
