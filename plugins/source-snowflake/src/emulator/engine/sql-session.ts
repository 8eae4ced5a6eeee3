import type { DuckDBConnection } from "@duckdb/node-api";
import { SnowflakeError, compilationError, noWarehouse, statementCanceled, statementTimeout, unsupported } from "../emulator-errors.js";
import type { Ident, Statement } from "../sql/ast.js";
import { parseStatement } from "../sql/parse-statement.js";
import { NUMBER_38_0, VARCHAR, typeName } from "../sql/sf-types.js";
import { bindExpr } from "./bind-expression.js";
import { bindQuery } from "./bind-query.js";
import { Scope, type BindSession, type BindValue } from "./bound.js";
import { Catalog, literal, resolveName, resolveSchemaName } from "./catalog.js";
import { toText } from "./conversions.js";
import { alterTableAdd, alterTableRename, createDatabase, createSchema, createTable, createView, drop, type DdlRunner } from "./ddl.js";
import { runDelete, runInsert, runMerge, runUpdate, type DmlRunner } from "./dml.js";
import { fromDuckDbError } from "./duckdb-errors.js";
import { prepareBind } from "./prepare-bind.js";
import { encoderFor } from "./result-values.js";
import { rowsResult, STATEMENT_TYPE, statusResult, type ResultColumn, type StatementResult } from "./statement-result.js";
import type { TableLocks } from "./table-locks.js";

/** A virtual warehouse: only its state matters to the emulator (it computes nothing). */
export interface Warehouse {
  suspended: boolean;
  autoResume: boolean;
}

/** What every session of one emulator shares. */
export interface EngineShared {
  readonly account: string;
  readonly locks: TableLocks;
  readonly warehouses: Map<string, Warehouse>;
  /** Register the emulator's scalar functions on a new connection. */
  prepareConnection(connection: DuckDBConnection): Promise<void>;
}

/** A statement to run, as a query request carries it. */
export interface StatementRequest {
  readonly sqlText: string;
  readonly binds: readonly BindValue[];
  /** Statement-level parameters (QUERY_TAG, STATEMENT_TIMEOUT_IN_SECONDS, ...), over the session's. */
  readonly parameters?: Readonly<Record<string, string>>;
  readonly describeOnly?: boolean;
  /** Aborted by an abort request or the session's end. */
  readonly signal?: AbortSignal;
}

const SUCCESS = "Statement executed successfully.";
const DEFAULT_STATEMENT_TIMEOUT = 172_800;
const DEFAULT_LOCK_TIMEOUT = 43_200;

/**
 * One Snowflake session's SQL side: its DuckDB connection (so its temporary tables and transaction are its
 * own), its current database, schema, warehouse and role, and its parameters. Statements of a session run
 * one at a time, in arrival order, as Snowflake runs a session's synchronous statements.
 */
export class SqlSession implements BindSession {
  database: string | undefined;
  schema: string | undefined;
  warehouse: string | undefined;
  role: string;
  readonly parameters = new Map<string, string>();
  #statementParameters: Readonly<Record<string, string>> = {};
  #inTransaction = false;
  #queue: Promise<unknown> = Promise.resolve();
  #lastActivity = Date.now();
  readonly #catalog: Catalog;

  constructor(
    readonly sessionId: string,
    readonly user: string,
    role: string,
    private readonly connection: DuckDBConnection,
    private readonly shared: EngineShared,
  ) {
    this.role = role;
    this.#catalog = new Catalog(connection);
  }

  get account(): string {
    return this.shared.account;
  }

  parameter(name: string): string | undefined {
    return this.#statementParameters[name] ?? this.parameters.get(name);
  }

  /** Run a statement and hand its result to `consume`, holding the session until `consume` is done. */
  execute<T>(request: StatementRequest, consume: (result: StatementResult) => Promise<T>): Promise<T> {
    const run = this.#queue.then(() => this.#run(request, consume));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Milliseconds since the session last began or finished a statement. */
  get idleMs(): number {
    return Date.now() - this.#lastActivity;
  }

  /**
   * Roll back the open transaction of a session gone quiet while it blocks another, as Snowflake aborts a
   * detached transaction (its client died before COMMIT). The session itself lives on.
   */
  abortIdleTransaction(): Promise<void> {
    const run = this.#queue.then(async () => {
      if (!this.#inTransaction) return;
      this.#inTransaction = false;
      await this.connection.run("ROLLBACK").catch(() => undefined);
      this.shared.locks.releaseAll(this.sessionId);
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** End the session: roll back what it left open, release its locks and its connection. */
  async close(): Promise<void> {
    await this.#queue;
    if (this.#inTransaction) await this.connection.run("ROLLBACK").catch(() => undefined);
    this.#inTransaction = false;
    this.shared.locks.releaseAll(this.sessionId);
    this.connection.closeSync();
  }

  async #run<T>(request: StatementRequest, consume: (result: StatementResult) => Promise<T>): Promise<T> {
    this.#lastActivity = Date.now();
    this.#statementParameters = Object.fromEntries(Object.entries(request.parameters ?? {}).map(([k, v]) => [k.toUpperCase(), String(v)]));
    const timeout = Number(this.parameter("STATEMENT_TIMEOUT_IN_SECONDS") ?? DEFAULT_STATEMENT_TIMEOUT) || DEFAULT_STATEMENT_TIMEOUT;
    let timedOut = false;
    let aborted = false;
    const interrupt = () => this.connection.interrupt();
    const timer = setTimeout(() => {
      timedOut = true;
      interrupt();
    }, timeout * 1000);
    const onAbort = () => {
      aborted = true;
      interrupt();
    };
    request.signal?.addEventListener("abort", onAbort);
    const sleeper = { timer: undefined as NodeJS.Timeout | undefined, wake: () => {} };
    try {
      const result = await this.#statement(request, () => timedOut || aborted, sleeper);
      return await consume(result);
    } catch (error) {
      if (timedOut) throw statementTimeout(timeout);
      if (aborted) throw statementCanceled();
      throw fromDuckDbError(error);
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener("abort", onAbort);
      if (!this.#inTransaction) this.shared.locks.releaseAll(this.sessionId);
      this.#statementParameters = {};
      this.#lastActivity = Date.now();
    }
  }

  async #statement(request: StatementRequest, stopped: () => boolean, sleeper: { timer: NodeJS.Timeout | undefined; wake: () => void }): Promise<StatementResult> {
    const { statement } = parseStatement(request.sqlText);
    const targets = "table" in statement && Array.isArray(statement.table) ? [statement.table] : [];
    const ctx = await prepareBind(statement, targets, this, this.#catalog, request.binds, request.sqlText);
    const needsWarehouse = ctx.tables.size > 0 || ["insert", "update", "delete", "merge"].includes(statement.k) || (statement.k === "createTable" && !!statement.as);
    if (needsWarehouse) this.#requireWarehouse();
    const dml: DmlRunner = {
      run: (sql) => this.#rows(sql),
      lockTable: (key) => this.shared.locks.acquire(key, this.sessionId, Number(this.parameter("LOCK_TIMEOUT") ?? DEFAULT_LOCK_TIMEOUT), request.sqlText.slice(0, 80)),
    };
    const ddl: DdlRunner = { run: (sql) => this.connection.run(sql), catalog: this.#catalog, names: { database: this.database, schema: this.schema } };
    switch (statement.k) {
      case "query": {
        const wait = waitCall(statement);
        if (wait) return this.#wait(wait, ctx, stopped, sleeper);
        const bound = bindQuery(statement.query, ctx);
        const columns: ResultColumn[] = bound.columns.map((c) => ({ name: c.name, type: c.type, nullable: true }));
        if (request.describeOnly) return { columns, statementTypeId: STATEMENT_TYPE.select, rows: empty() };
        return { columns, statementTypeId: STATEMENT_TYPE.select, rows: this.#stream(bound.sql, columns) };
      }
      case "insert":
        return runInsert(statement, ctx, dml);
      case "update":
        return runUpdate(statement, ctx, dml);
      case "delete":
        return runDelete(statement, ctx, dml);
      case "merge":
        return runMerge(statement, ctx, dml);
      case "truncate": {
        const table = await this.#catalog.table(resolveName(statement.table, this, "TRUNCATE"));
        if (!table) return statement.ifExists ? statusResult(SUCCESS) : (() => { throw compilationError(`Table '${statement.table.map((p) => p.name).join(".")}' does not exist or not authorized.`); })();
        return this.#ddl(async () => {
          await this.connection.run(`DELETE FROM ${table.duckName}`);
          return statusResult(SUCCESS);
        });
      }
      case "createTable":
        return this.#ddl(() => createTable(statement, ctx, ddl));
      case "createView":
        return this.#ddl(() => createView(statement, ctx, ddl));
      case "createSchema":
        return this.#ddl(() => createSchema(statement, ddl));
      case "createDatabase": {
        await this.#commitImplicitly();
        const result = await createDatabase(statement.name.name, ddl, statement);
        // Snowflake makes the new database and its PUBLIC schema current.
        this.database = statement.name.name;
        this.schema = "PUBLIC";
        return result;
      }
      case "drop":
        if (statement.what === "database") {
          await this.#commitImplicitly();
          const result = await drop(statement, ctx, ddl);
          if (this.database === statement.name[0]!.name) {
            this.database = undefined;
            this.schema = undefined;
          }
          return result;
        }
        return this.#ddl(() => drop(statement, ctx, ddl));
      case "alterTableAdd":
        return this.#ddl(() => alterTableAdd(statement, ctx, ddl));
      case "alterTableRename":
        return this.#ddl(() => alterTableRename(statement, ctx, ddl));
      case "alterSession":
        return this.#alterSession(statement, ctx);
      case "use":
        return this.#use(statement);
      case "createWarehouse":
      case "alterWarehouse":
        return this.#warehouseStatement(statement, ctx);
      case "begin":
        if (!this.#inTransaction) {
          await this.connection.run("BEGIN TRANSACTION");
          this.#inTransaction = true;
        }
        return statusResult(SUCCESS, STATEMENT_TYPE.transaction);
      case "commit":
      case "rollback":
        if (this.#inTransaction) {
          this.#inTransaction = false;
          try {
            await this.connection.run(statement.k === "commit" ? "COMMIT" : "ROLLBACK");
          } finally {
            this.shared.locks.releaseAll(this.sessionId);
          }
        }
        return statusResult(SUCCESS, STATEMENT_TYPE.transaction);
      case "show":
        return this.#show(statement);
      case "describe":
        return this.#describe(statement.name);
    }
  }

  /**
   * DDL commits an open transaction first and runs in a transaction of its own
   * (https://docs.snowflake.com/en/sql-reference/transactions#ddl).
   */
  async #ddl(run: () => Promise<StatementResult>): Promise<StatementResult> {
    await this.#commitImplicitly();
    await this.connection.run("BEGIN TRANSACTION");
    try {
      const result = await run();
      await this.connection.run("COMMIT");
      return result;
    } catch (error) {
      await this.connection.run("ROLLBACK").catch(() => undefined);
      throw error;
    }
  }

  async #commitImplicitly(): Promise<void> {
    if (!this.#inTransaction) return;
    this.#inTransaction = false;
    try {
      await this.connection.run("COMMIT");
    } finally {
      this.shared.locks.releaseAll(this.sessionId);
    }
  }

  #requireWarehouse(): void {
    const name = this.warehouse;
    const warehouse = name ? this.shared.warehouses.get(name) : undefined;
    if (!warehouse) throw noWarehouse();
    if (warehouse.suspended) {
      if (!warehouse.autoResume) throw noWarehouse();
      warehouse.suspended = false;
    }
  }

  async #rows(sql: string): Promise<Array<Record<string, unknown>>> {
    const reader = await this.connection.runAndReadAll(sql);
    return reader.getRowObjectsJS() as Array<Record<string, unknown>>;
  }

  /**
   * The rows of a query, encoded batch by batch. The query runs to completion first, as in Snowflake, whose
   * result is complete before a client reads any of it
   * (https://docs.snowflake.com/en/developer-guide/sql-api/handling-responses): a value that fails to
   * convert in its last rows fails the statement. A DuckDB stream cannot be used here: a failure part-way
   * ends it exactly as its end does (its fetch gives no chunk, the error is not surfaced), so it would
   * answer a silently short result.
   */
  async *#stream(sql: string, columns: readonly ResultColumn[]): AsyncIterable<Array<Array<string | null>>> {
    const timeZone = this.parameter("TIMEZONE") ?? "America/Los_Angeles";
    const encoders = columns.map((c) => encoderFor(c.type, timeZone));
    const result = await this.connection.run(sql);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) return;
      const n = chunk.rowCount;
      const rows: Array<Array<string | null>> = Array.from({ length: n }, () => new Array<string | null>(columns.length));
      for (let c = 0; c < columns.length; c++) {
        const vector = chunk.getColumnVector(c);
        const encode = encoders[c]!;
        for (let i = 0; i < n; i++) rows[i]![c] = encode(vector.getItem(i));
      }
      yield rows;
    }
  }

  async #alterSession(s: Statement & { k: "alterSession" }, ctx: Awaited<ReturnType<typeof prepareBind>>): Promise<StatementResult> {
    for (const { name, value } of s.set) {
      const b = bindExpr(value, { ctx, scope: new Scope([]), bindQuery, allowAggregates: false });
      const rows = await this.#rows(`SELECT ${toText(b, this)} AS v`);
      const text = String(rows[0]?.v ?? "");
      if (name === "TIMEZONE") await this.#setTimeZone(text);
      this.parameters.set(name, text);
    }
    for (const name of s.unset) {
      this.parameters.delete(name);
      if (name === "TIMEZONE") await this.#setTimeZone("America/Los_Angeles");
    }
    return statusResult(SUCCESS, STATEMENT_TYPE.session);
  }

  /** TIMEZONE is DuckDB's TimeZone too, so TIMESTAMP_LTZ conversions read the session's zone. */
  async #setTimeZone(zone: string): Promise<void> {
    try {
      await this.connection.run(`SET TimeZone = ${literal(zone)}`);
    } catch {
      throw new SnowflakeError("002037", "22023", `SQL compilation error:\ninvalid value [${zone}] for parameter 'TIMEZONE'`);
    }
  }

  /** Apply the session's initial parameters (login `SESSION_PARAMETERS`, the user's defaults). */
  async initialize(parameters: Readonly<Record<string, string>>): Promise<void> {
    await this.shared.prepareConnection(this.connection);
    for (const [name, value] of Object.entries(parameters)) this.parameters.set(name.toUpperCase(), value);
    await this.#setTimeZone(this.parameters.get("TIMEZONE") ?? "America/Los_Angeles");
  }

  async #use(s: Statement & { k: "use" }): Promise<StatementResult> {
    const doesNotExist = () => new SnowflakeError("002043", "02000", "SQL compilation error:\nObject does not exist, or operation cannot be performed.");
    switch (s.what) {
      case "database": {
        const name = s.name[0]!.name;
        if (!(await this.#catalog.databaseExists(name))) throw doesNotExist();
        this.database = name;
        this.schema = (await this.#catalog.schemaExists(name, "PUBLIC")) ? "PUBLIC" : undefined;
        break;
      }
      case "schema": {
        const o = resolveSchemaName(s.name, this, "USE SCHEMA");
        if (!(await this.#catalog.schemaExists(o.database, o.schema))) throw doesNotExist();
        this.database = o.database;
        this.schema = o.schema;
        break;
      }
      case "warehouse":
        if (!this.shared.warehouses.has(s.name[0]!.name)) throw doesNotExist();
        this.warehouse = s.name[0]!.name;
        break;
      case "role":
        if (s.name[0]!.name !== this.role) throw new SnowflakeError("003013", "42501", `SQL compilation error:\nRole '${s.name[0]!.name}' specified in the connect string is not granted to this user.`);
        break;
    }
    return statusResult(SUCCESS, STATEMENT_TYPE.session);
  }

  async #warehouseStatement(s: Statement & { k: "createWarehouse" | "alterWarehouse" }, ctx: Awaited<ReturnType<typeof prepareBind>>): Promise<StatementResult> {
    const name = s.name.name;
    const settings = new Map<string, string>();
    for (const { name: key, value } of s.settings) {
      const b = bindExpr(value, { ctx, scope: new Scope([]), bindQuery, allowAggregates: false });
      const rows = await this.#rows(`SELECT ${toText(b, this)} AS v`);
      settings.set(key, String(rows[0]?.v ?? "").toUpperCase());
    }
    if (s.k === "createWarehouse") {
      if (this.shared.warehouses.has(name) && s.ifNotExists) return statusResult(`${name} already exists, statement succeeded.`);
      if (this.shared.warehouses.has(name) && !s.orReplace) throw new SnowflakeError("002002", "42710", `SQL compilation error:\nObject '${name}' already exists.`);
      this.shared.warehouses.set(name, { suspended: settings.get("INITIALLY_SUSPENDED") === "TRUE", autoResume: settings.get("AUTO_RESUME") !== "FALSE" });
      this.warehouse = name;
      return statusResult(`Warehouse ${name} successfully created.`);
    }
    const warehouse = this.shared.warehouses.get(name);
    if (!warehouse) throw new SnowflakeError("002003", "02000", `SQL compilation error:\nWarehouse '${name}' does not exist or not authorized.`);
    if (s.action === "suspend") warehouse.suspended = true;
    if (s.action === "resume") warehouse.suspended = false;
    if (settings.has("AUTO_RESUME")) warehouse.autoResume = settings.get("AUTO_RESUME") === "TRUE";
    return statusResult(SUCCESS, STATEMENT_TYPE.ddl);
  }

  async #show(s: Statement & { k: "show" }): Promise<StatementResult> {
    const text = (name: string): ResultColumn => ({ name, type: VARCHAR, nullable: true });
    const like = s.like ? new RegExp(`^${s.like.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/%/g, ".*").replace(/_/g, ".")}$`, "i") : undefined;
    const keep = (name: string) => !like || like.test(name);
    switch (s.what) {
      case "databases": {
        const rows = (await this.#catalog.databases()).filter(keep).map((d) => [d]);
        return rowsResult([text("name")], rows);
      }
      case "schemas": {
        const database = s.in?.[0]?.name ?? this.database;
        if (!database) throw new SnowflakeError("090105", "22000", "Cannot perform SHOW SCHEMAS. This session does not have a current database. Call 'USE DATABASE', or use a qualified name.");
        const rows = (await this.#catalog.schemas(database)).filter(keep).map((name) => [name, database]);
        return rowsResult([text("name"), text("database_name")], rows);
      }
      case "tables": {
        const database = s.in && s.in.length === 2 ? s.in[0]!.name : s.in && s.in.length === 1 && !this.database ? s.in[0]!.name : this.database;
        const schema = s.in && s.in.length === 2 ? s.in[1]!.name : s.in && s.in.length === 1 && this.database ? s.in[0]!.name : this.schema;
        if (!database) throw new SnowflakeError("090105", "22000", "Cannot perform SHOW TABLES. This session does not have a current database. Call 'USE DATABASE', or use a qualified name.");
        const tables = (await this.#catalog.tablesOf(database, schema)).filter((t) => keep(t.name));
        return rowsResult(
          [text("name"), text("database_name"), text("schema_name"), text("kind"), { name: "rows", type: NUMBER_38_0, nullable: true }],
          tables.map((t) => [t.name, database, t.schema, t.kind, String(t.rows)]),
        );
      }
      case "warehouses": {
        const rows = [...this.shared.warehouses].filter(([name]) => keep(name)).map(([name, w]) => [name, w.suspended ? "SUSPENDED" : "STARTED", w.autoResume ? "true" : "false"]);
        return rowsResult([text("name"), text("state"), text("auto_resume")], rows);
      }
    }
  }

  async #describe(name: Ident[]): Promise<StatementResult> {
    const table = await this.#catalog.requireTable(resolveName(name, this, "DESCRIBE"));
    return rowsResult(
      [{ name: "name", type: VARCHAR, nullable: true }, { name: "type", type: VARCHAR, nullable: true }, { name: "kind", type: VARCHAR, nullable: true }, { name: "null?", type: VARCHAR, nullable: true }],
      table.columns.map((c) => [c.name, typeName(c.type), "COLUMN", c.nullable ? "Y" : "N"]),
    );
  }

  /**
   * `SELECT SYSTEM$WAIT(n [, unit])` (https://docs.snowflake.com/en/sql-reference/functions/system_wait):
   * waits, abortably, so clients can exercise statement timeouts and cancellation.
   */
  async #wait(call: { amount: Parameters<typeof bindExpr>[0]; unit?: Parameters<typeof bindExpr>[0] }, ctx: Awaited<ReturnType<typeof prepareBind>>, stopped: () => boolean, sleeper: { timer: NodeJS.Timeout | undefined }): Promise<StatementResult> {
    const env = { ctx, scope: new Scope([]), bindQuery, allowAggregates: false };
    const amount = Number((await this.#rows(`SELECT CAST(${bindExpr(call.amount, env).sql} AS DOUBLE) AS v`))[0]?.v ?? 0);
    const unit = call.unit ? String((await this.#rows(`SELECT ${bindExpr(call.unit, env).sql} AS v`))[0]?.v ?? "SECONDS").toUpperCase() : "SECONDS";
    const factor = unit.startsWith("MILLI") ? 1 : unit.startsWith("MIN") ? 60_000 : unit.startsWith("HOUR") ? 3_600_000 : 1000;
    const until = Date.now() + amount * factor;
    while (Date.now() < until) {
      if (stopped()) throw new Error("Interrupted");
      await new Promise<void>((resolve) => {
        sleeper.timer = setTimeout(resolve, Math.min(50, until - Date.now()));
      });
    }
    if (stopped()) throw new Error("Interrupted");
    return rowsResult([{ name: "SYSTEM$WAIT", type: VARCHAR, nullable: true }], [[`waited ${amount} ${unit.toLowerCase()}`]]);
  }
}

async function* empty(): AsyncIterable<Array<Array<string | null>>> {}

/** `SELECT SYSTEM$WAIT(...)` alone, without FROM. */
function waitCall(s: Statement & { k: "query" }): { amount: Parameters<typeof bindExpr>[0]; unit?: Parameters<typeof bindExpr>[0] } | undefined {
  const body = s.query.body;
  if (body.k !== "select" || body.from.length > 0 || body.items.length !== 1) return undefined;
  const e = body.items[0]!.e;
  if (e.k !== "call" || e.name !== "SYSTEM$WAIT") return undefined;
  if (e.args.length < 1 || e.args.length > 2) throw unsupported("SYSTEM$WAIT with these arguments");
  return { amount: e.args[0]!, ...(e.args[1] ? { unit: e.args[1] } : {}) };
}

