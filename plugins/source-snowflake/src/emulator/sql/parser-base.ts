import { syntaxError, type SnowflakeError } from "../emulator-errors.js";
import type { Ident, Pos } from "./ast.js";
import type { Token } from "./lexer.js";

/**
 * Snowflake's reserved keywords: never an unquoted identifier or an implicit alias
 * (https://docs.snowflake.com/en/sql-reference/reserved-keywords).
 */
export const RESERVED = new Set(
  (
    "ACCOUNT ALL ALTER AND ANY AS BETWEEN BY CASE CAST CHECK COLUMN CONNECT CONNECTION CONSTRAINT CREATE CROSS " +
    "CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER DATABASE DELETE DISTINCT DROP ELSE EXISTS " +
    "FALSE FOLLOWING FOR FROM FULL GRANT GROUP GSCLUSTER HAVING ILIKE IN INCREMENT INNER INSERT INTERSECT INTO IS " +
    "ISSUE JOIN LATERAL LEFT LIKE LOCALTIME LOCALTIMESTAMP MINUS NATURAL NOT NULL OF ON OR ORDER ORGANIZATION " +
    "QUALIFY REGEXP REVOKE RIGHT RLIKE ROW ROWS SAMPLE SCHEMA SELECT SET SOME START TABLE TABLESAMPLE THEN TO " +
    "TRIGGER TRUE TRY_CAST UNION UNIQUE UPDATE USING VALUES VIEW WHEN WHENEVER WHERE WITH"
  ).split(" "),
);

/** Words that end an expression where an implicit alias could stand. */
const NOT_ALIAS = new Set([...RESERVED, "LIMIT", "OFFSET", "FETCH", "WINDOW", "EXCEPT", "ASOF", "MATCH_CONDITION", "CHANGES", "AT", "BEFORE", "PIVOT", "UNPIVOT"]);

/** A cursor over a statement's tokens with the small helpers every parser part shares. */
export class TokenCursor {
  #i = 0;

  constructor(
    readonly tokens: readonly Token[],
    readonly text: string,
  ) {}

  get peek(): Token {
    return this.tokens[this.#i]!;
  }

  peekAt(offset: number): Token {
    return this.tokens[Math.min(this.#i + offset, this.tokens.length - 1)]!;
  }

  get index(): number {
    return this.#i;
  }

  reset(index: number): void {
    this.#i = index;
  }

  next(): Token {
    const t = this.tokens[this.#i]!;
    if (t.kind !== "end") this.#i++;
    return t;
  }

  /** The position of the current token. */
  pos(): Pos {
    const t = this.peek;
    return { line: t.line, column: t.column, start: t.start, end: t.end };
  }

  /** The position from `start` to the end of the previous token. */
  span(start: Pos): Pos {
    const last = this.tokens[Math.max(0, this.#i - 1)]!;
    return { ...start, end: Math.max(start.start, last.end) };
  }

  isWord(...words: string[]): boolean {
    const t = this.peek;
    return t.kind === "word" && words.includes(t.text.toUpperCase());
  }

  isWordAt(offset: number, ...words: string[]): boolean {
    const t = this.peekAt(offset);
    return t.kind === "word" && words.includes(t.text.toUpperCase());
  }

  isOp(...ops: string[]): boolean {
    const t = this.peek;
    return t.kind === "op" && ops.includes(t.text);
  }

  acceptWord(...words: string[]): boolean {
    if (!this.isWord(...words)) return false;
    this.next();
    return true;
  }

  acceptOp(op: string): boolean {
    if (!this.isOp(op)) return false;
    this.next();
    return true;
  }

  expectWord(...words: string[]): string {
    if (!this.isWord(...words)) throw this.unexpected();
    return this.next().text.toUpperCase();
  }

  expectOp(op: string): void {
    if (!this.acceptOp(op)) throw this.unexpected();
  }

  /** Snowflake's `syntax error line L at position P unexpected 'X'.` */
  unexpected(): SnowflakeError {
    const t = this.peek;
    return syntaxError(t, t.kind === "end" ? "unexpected '<EOF>'" : `unexpected '${t.kind === "quoted" ? `"${t.text}"` : t.kind === "string" ? `'${t.text}'` : t.text}'`);
  }

  /** Whether the current token can start an identifier (a non-reserved word or a quoted name). */
  isIdentifier(): boolean {
    const t = this.peek;
    return t.kind === "quoted" || (t.kind === "word" && !RESERVED.has(t.text.toUpperCase()));
  }

  /** An identifier, resolved as Snowflake resolves it: unquoted folds to upper case, quoted is exact. */
  identifier(): Ident {
    const t = this.peek;
    if (t.kind === "quoted") {
      this.next();
      return { name: t.text, quoted: true };
    }
    if (t.kind === "word" && !RESERVED.has(t.text.toUpperCase())) {
      this.next();
      return { name: t.text.toUpperCase(), quoted: false };
    }
    throw this.unexpected();
  }

  /** An identifier in a position where Snowflake also accepts keywords (a column name after `.`). */
  anyIdentifier(): Ident {
    const t = this.peek;
    if (t.kind === "word") {
      this.next();
      return { name: t.text.toUpperCase(), quoted: false };
    }
    return this.identifier();
  }

  /** `a`, `a.b` or `a.b.c`. */
  qualifiedName(): Ident[] {
    const parts = [this.identifier()];
    while (this.isOp(".")) {
      this.next();
      parts.push(this.anyIdentifier());
    }
    if (parts.length > 3) throw this.unexpected();
    return parts;
  }

  /** `[AS] alias` after a table or select item, if one follows. */
  optionalAlias(): Ident | undefined {
    if (this.acceptWord("AS")) return this.identifier();
    const t = this.peek;
    if (t.kind === "quoted") return this.identifier();
    if (t.kind === "word" && !NOT_ALIAS.has(t.text.toUpperCase())) return this.identifier();
    return undefined;
  }

  /** `(a, b, c)`. */
  identifierList(): Ident[] {
    this.expectOp("(");
    const list = [this.identifier()];
    while (this.acceptOp(",")) list.push(this.identifier());
    this.expectOp(")");
    return list;
  }
}
