import { unsupported } from "../emulator-errors.js";
import type { ColumnDef, Expr, Ident, MergeClause, Query, Statement } from "./ast.js";
import { tokenize } from "./lexer.js";
import { QueryParser } from "./parse-query.js";

/** One parsed statement and its text (Snowflake runs one statement per request unless MULTI_STATEMENT_COUNT says otherwise). */
export interface ParsedStatement {
  readonly statement: Statement;
  readonly text: string;
}

/** Parse one Snowflake statement; a trailing semicolon is allowed, a second statement is not. */
export function parseStatement(text: string): ParsedStatement {
  const parser = new StatementParser(text);
  const statement = parser.statement();
  while (parser.acceptOp(";"));
  if (parser.peek.kind !== "end") throw parser.unexpected();
  return { statement, text };
}

/** The statements of https://docs.snowflake.com/en/sql-reference-commands that the emulator runs. */
class StatementParser extends QueryParser {
  constructor(text: string) {
    super(tokenize(text), text);
  }

  statement(): Statement {
    if (this.isWord("SELECT", "WITH", "VALUES") || this.isOp("(")) return { k: "query", query: this.query() };
    const t = this.peek;
    if (t.kind !== "word") throw this.unexpected();
    const word = t.text.toUpperCase();
    switch (word) {
      case "INSERT":
        return this.insert();
      case "UPDATE":
        return this.update();
      case "DELETE":
        return this.delete();
      case "MERGE":
        return this.merge();
      case "CREATE":
        return this.create();
      case "DROP":
        return this.drop();
      case "ALTER":
        return this.alter();
      case "USE":
        return this.use();
      case "BEGIN":
      case "START":
        this.next();
        if (word === "START") this.expectWord("TRANSACTION");
        else this.acceptWord("TRANSACTION", "WORK");
        if (this.acceptWord("NAME")) this.identifier();
        return { k: "begin" };
      case "COMMIT":
        this.next();
        this.acceptWord("WORK");
        return { k: "commit" };
      case "ROLLBACK":
        this.next();
        this.acceptWord("WORK");
        return { k: "rollback" };
      case "TRUNCATE": {
        this.next();
        this.acceptWord("TABLE");
        const ifExists = this.ifExists();
        return { k: "truncate", table: this.qualifiedName(), ifExists };
      }
      case "SHOW":
        return this.show();
      case "DESCRIBE":
      case "DESC": {
        this.next();
        const what = this.expectWord("TABLE", "VIEW").toLowerCase() as "table" | "view";
        return { k: "describe", what, name: this.qualifiedName() };
      }
      default:
        throw unsupported(`statement ${word}`);
    }
  }

  private ifExists(): boolean {
    if (!this.isWord("IF")) return false;
    this.next();
    this.expectWord("EXISTS");
    return true;
  }

  private ifNotExists(): boolean {
    if (!this.isWord("IF")) return false;
    this.next();
    this.expectWord("NOT");
    this.expectWord("EXISTS");
    return true;
  }

  private insert(): Statement {
    this.expectWord("INSERT");
    const overwrite = this.acceptWord("OVERWRITE");
    if (this.isWord("ALL", "FIRST")) throw unsupported("multi-table INSERT");
    this.expectWord("INTO");
    const table = this.qualifiedName();
    const columns = this.isOp("(") && !this.isWordAt(1, "SELECT", "WITH") ? this.identifierList() : undefined;
    const source: Query = this.query();
    return { k: "insert", table, ...(columns ? { columns } : {}), source, overwrite };
  }

  private setList(): Array<{ col: Ident; e: Expr }> {
    const set: Array<{ col: Ident; e: Expr }> = [];
    do {
      const name = this.qualifiedName();
      this.expectOp("=");
      set.push({ col: name[name.length - 1]!, e: this.expression() });
    } while (this.acceptOp(","));
    return set;
  }

  private update(): Statement {
    this.expectWord("UPDATE");
    const table = this.qualifiedName();
    const alias = this.isWord("SET") ? undefined : this.optionalAlias();
    this.expectWord("SET");
    const set = this.setList();
    const from = this.acceptWord("FROM") ? this.fromList() : [];
    const where = this.acceptWord("WHERE") ? this.expression() : undefined;
    return { k: "update", table, ...(alias ? { alias } : {}), set, from, ...(where ? { where } : {}) };
  }

  private delete(): Statement {
    this.expectWord("DELETE");
    this.expectWord("FROM");
    const table = this.qualifiedName();
    const alias = this.isWord("USING", "WHERE") ? undefined : this.optionalAlias();
    const using = this.acceptWord("USING") ? this.fromList() : [];
    const where = this.acceptWord("WHERE") ? this.expression() : undefined;
    return { k: "delete", table, ...(alias ? { alias } : {}), using, ...(where ? { where } : {}) };
  }

  private merge(): Statement {
    this.expectWord("MERGE");
    this.expectWord("INTO");
    const table = this.qualifiedName();
    const alias = this.isWord("USING") ? undefined : this.optionalAlias();
    this.expectWord("USING");
    const [source] = this.fromList();
    this.expectWord("ON");
    const on = this.expression();
    const clauses: MergeClause[] = [];
    while (this.acceptWord("WHEN")) {
      const matched = !this.acceptWord("NOT");
      this.expectWord("MATCHED");
      const and = this.acceptWord("AND") ? this.expression() : undefined;
      this.expectWord("THEN");
      if (matched && this.acceptWord("UPDATE")) {
        this.expectWord("SET");
        clauses.push({ matched, ...(and ? { and } : {}), action: { k: "update", set: this.setList() } });
      } else if (matched && this.acceptWord("DELETE")) {
        clauses.push({ matched, ...(and ? { and } : {}), action: { k: "delete" } });
      } else if (!matched && this.acceptWord("INSERT")) {
        const columns = this.isOp("(") ? this.identifierList() : undefined;
        this.expectWord("VALUES");
        this.expectOp("(");
        const values = this.expressionList();
        this.expectOp(")");
        clauses.push({ matched, ...(and ? { and } : {}), action: { k: "insert", ...(columns ? { columns } : {}), values } });
      } else throw this.unexpected();
    }
    if (clauses.length === 0) throw this.unexpected();
    return { k: "merge", table, ...(alias ? { alias } : {}), source: source!, on, clauses };
  }

  private create(): Statement {
    this.expectWord("CREATE");
    let orReplace = false;
    if (this.acceptWord("OR")) {
      this.expectWord("REPLACE");
      orReplace = true;
    }
    let kind: "permanent" | "transient" | "temporary" = "permanent";
    if (this.acceptWord("LOCAL", "GLOBAL")) {
      this.expectWord("TEMP", "TEMPORARY", "VOLATILE");
      kind = "temporary";
    } else if (this.acceptWord("TEMP", "TEMPORARY", "VOLATILE")) kind = "temporary";
    else if (this.acceptWord("TRANSIENT")) kind = "transient";
    this.acceptWord("SECURE");
    const what = this.expectWord("TABLE", "SCHEMA", "DATABASE", "VIEW", "WAREHOUSE");
    const ifNotExists = this.ifNotExists();
    if (what === "DATABASE") return { k: "createDatabase", name: this.identifier(), orReplace, ifNotExists, transient: kind === "transient" };
    if (what === "SCHEMA") return { k: "createSchema", name: this.qualifiedName(), orReplace, ifNotExists, transient: kind === "transient" };
    if (what === "WAREHOUSE") {
      const name = this.identifier();
      this.acceptWord("WITH");
      return { k: "createWarehouse", name, orReplace, ifNotExists, settings: this.settings() };
    }
    const name = this.qualifiedName();
    if (what === "VIEW") {
      this.expectWord("AS");
      const start = this.peek.start;
      const query = this.query();
      return { k: "createView", name, orReplace, ifNotExists, query, text: this.text.slice(start, this.peek.start).trim() };
    }
    if (this.acceptWord("AS")) return { k: "createTable", name, orReplace, ifNotExists, kind, as: this.query() };
    if (this.isWord("LIKE", "CLONE", "USING")) throw unsupported(`CREATE TABLE ... ${this.peek.text.toUpperCase()}`);
    this.expectOp("(");
    const columns: ColumnDef[] = [];
    let primaryKey: Ident[] | undefined;
    do {
      if (this.acceptWord("CONSTRAINT")) this.identifier();
      if (this.isWord("PRIMARY")) {
        this.next();
        this.expectWord("KEY");
        primaryKey = this.identifierList();
      } else if (this.isWord("UNIQUE")) {
        this.next();
        this.identifierList();
      } else if (this.isWord("FOREIGN")) {
        throw unsupported("FOREIGN KEY constraints");
      } else {
        columns.push(this.columnDefinition());
      }
    } while (this.acceptOp(","));
    this.expectOp(")");
    let comment: string | undefined;
    if (this.acceptWord("COMMENT")) {
      this.expectOp("=");
      comment = this.next().text;
    }
    if (this.acceptWord("AS")) return { k: "createTable", name, orReplace, ifNotExists, kind, columns, as: this.query() };
    return { k: "createTable", name, orReplace, ifNotExists, kind, columns, ...(primaryKey ? { primaryKey } : {}), ...(comment ? { comment } : {}) };
  }

  /** `name type [NOT NULL | NULL] [DEFAULT e] [PRIMARY KEY] [UNIQUE] [COMMENT 'x']`, constraints in any order. */
  private columnDefinition(): ColumnDef {
    const name = this.identifier();
    const type = this.dataType();
    const def: ColumnDef = { name, type, notNull: false, primaryKey: false, unique: false };
    for (;;) {
      if (this.acceptWord("NOT")) {
        this.expectWord("NULL");
        def.notNull = true;
      } else if (this.acceptWord("NULL")) def.notNull = false;
      else if (this.acceptWord("DEFAULT")) def.default = this.expression();
      else if (this.acceptWord("PRIMARY")) {
        this.expectWord("KEY");
        def.primaryKey = true;
      } else if (this.acceptWord("UNIQUE")) def.unique = true;
      else if (this.acceptWord("CONSTRAINT")) this.identifier();
      else if (this.acceptWord("COMMENT")) this.next();
      else if (this.acceptWord("COLLATE")) this.next();
      else if (this.isWord("AUTOINCREMENT", "IDENTITY", "REFERENCES", "AS", "WITH", "MASKING")) throw unsupported(`column option ${this.peek.text.toUpperCase()}`);
      else return def;
    }
  }

  private drop(): Statement {
    this.expectWord("DROP");
    const what = this.expectWord("TABLE", "VIEW", "SCHEMA", "DATABASE").toLowerCase() as "table" | "view" | "schema" | "database";
    const ifExists = this.ifExists();
    const name = this.qualifiedName();
    this.acceptWord("CASCADE", "RESTRICT");
    return { k: "drop", what, name, ifExists };
  }

  private alter(): Statement {
    this.expectWord("ALTER");
    const what = this.expectWord("TABLE", "SESSION", "WAREHOUSE");
    if (what === "SESSION") {
      if (this.acceptWord("SET")) return { k: "alterSession", set: this.settings(), unset: [] };
      this.expectWord("UNSET");
      const names: string[] = [];
      do names.push(this.next().text.toUpperCase());
      while (this.acceptOp(","));
      return { k: "alterSession", set: [], unset: names };
    }
    if (what === "WAREHOUSE") {
      this.ifExists();
      const name = this.identifier();
      if (this.acceptWord("SUSPEND")) return { k: "alterWarehouse", name, action: "suspend", settings: [] };
      if (this.acceptWord("RESUME")) {
        if (this.acceptWord("IF")) this.expectWord("SUSPENDED");
        return { k: "alterWarehouse", name, action: "resume", settings: [] };
      }
      this.expectWord("SET");
      return { k: "alterWarehouse", name, action: "set", settings: this.settings() };
    }
    const ifExists = this.ifExists();
    const table = this.qualifiedName();
    if (this.acceptWord("RENAME")) {
      this.expectWord("TO");
      return { k: "alterTableRename", table, to: this.qualifiedName() };
    }
    if (!this.acceptWord("ADD")) throw unsupported(`ALTER TABLE ${this.peek.text.toUpperCase()}`);
    this.acceptWord("COLUMN");
    const columns: ColumnDef[] = [];
    do columns.push(this.columnDefinition());
    while (this.acceptOp(","));
    return { k: "alterTableAdd", table, ifExists, columns };
  }

  /** `NAME = value [,] NAME = value ...` (parameters of ALTER SESSION, warehouse properties). */
  private settings(): Array<{ name: string; value: Expr }> {
    const settings: Array<{ name: string; value: Expr }> = [];
    while (this.peek.kind === "word" && this.peekAt(1).kind === "op" && this.peekAt(1).text === "=") {
      const name = this.next().text.toUpperCase();
      this.next();
      const t = this.peek;
      // Unquoted words are enumeration values (WAREHOUSE_SIZE = XSMALL): keep them as text.
      const value: Expr = t.kind === "word" && !["TRUE", "FALSE", "NULL"].includes(t.text.toUpperCase())
        ? (this.next(), { k: "lit", type: "string", value: t.text.toUpperCase(), pos: { line: t.line, column: t.column, start: t.start, end: t.end } })
        : this.expression();
      settings.push({ name, value });
      this.acceptOp(",");
    }
    return settings;
  }

  private use(): Statement {
    this.expectWord("USE");
    if (this.acceptWord("WAREHOUSE")) return { k: "use", what: "warehouse", name: [this.identifier()] };
    if (this.acceptWord("ROLE")) return { k: "use", what: "role", name: [this.identifier()] };
    if (this.acceptWord("SECONDARY")) throw unsupported("USE SECONDARY ROLES");
    if (this.acceptWord("SCHEMA")) return { k: "use", what: "schema", name: this.qualifiedName() };
    this.acceptWord("DATABASE");
    const name = this.qualifiedName();
    return name.length === 1 ? { k: "use", what: "database", name } : { k: "use", what: "schema", name };
  }

  private show(): Statement {
    this.expectWord("SHOW");
    this.acceptWord("TERSE");
    const word = this.expectWord("TABLES", "SCHEMAS", "DATABASES", "WAREHOUSES");
    const what = word.toLowerCase() as "tables" | "schemas" | "databases" | "warehouses";
    let like: string | undefined;
    if (this.acceptWord("LIKE")) like = this.next().text;
    let scope: Ident[] | undefined;
    if (this.acceptWord("IN")) {
      this.acceptWord("SCHEMA", "DATABASE", "ACCOUNT");
      if (this.isIdentifier()) scope = this.qualifiedName();
    }
    return { k: "show", what, ...(like !== undefined ? { like } : {}), ...(scope ? { in: scope } : {}) };
  }
}
