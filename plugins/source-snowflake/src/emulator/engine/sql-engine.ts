import { DuckDBInstance, DuckDBScalarFunction, VARCHAR, type DuckDBConnection } from "@duckdb/node-api";
import { quote } from "./catalog.js";
import { canonicalJson } from "./json-text.js";
import { SqlSession, type EngineShared, type Warehouse } from "./sql-session.js";
import { TableLocks } from "./table-locks.js";

/** How the engine starts: the account's first database and warehouse. */
export interface SqlEngineOptions {
  readonly account: string;
  readonly database: string;
  readonly warehouse: string;
  /** DuckDB's memory limit for the emulator, e.g. `1GB`. */
  readonly memoryLimit?: string;
  /** Idle time after which a transaction that blocks another is aborted. Default 300 s, as Snowflake. */
  readonly detachedTransactionAbortSeconds?: number;
}

/**
 * The emulator's SQL engine: one in-process DuckDB holding every database of the account, a DuckDB
 * connection per Snowflake session, the account's warehouses and its table locks.
 */
export class SqlEngine implements EngineShared {
  readonly locks: TableLocks;
  readonly warehouses = new Map<string, Warehouse>();
  readonly account: string;
  #instance: DuckDBInstance | undefined;
  readonly #sessions = new Set<SqlSession>();

  private constructor(readonly options: SqlEngineOptions) {
    this.account = options.account;
    const byId = (id: string) => [...this.#sessions].find((s) => s.sessionId === id);
    this.locks = new TableLocks({
      abortAfterMs: (options.detachedTransactionAbortSeconds ?? 300) * 1000,
      idleMs: (id) => byId(id)?.idleMs ?? 0,
      abort: async (id) => byId(id)?.abortIdleTransaction(),
    });
  }

  static async start(options: SqlEngineOptions): Promise<SqlEngine> {
    const engine = new SqlEngine(options);
    engine.#instance = await DuckDBInstance.create(":memory:", { memory_limit: options.memoryLimit ?? "1GB" });
    const setup = await engine.#instance.connect();
    try {
      await setup.run(`ATTACH ':memory:' AS ${quote(options.database)}`);
      await setup.run(`CREATE SCHEMA ${quote(options.database)}."PUBLIC"`);
    } finally {
      setup.closeSync();
    }
    engine.warehouses.set(options.warehouse, { suspended: false, autoResume: true });
    return engine;
  }

  /** A new session with its own DuckDB connection. */
  async openSession(init: {
    sessionId: string;
    user: string;
    role: string;
    database?: string | undefined;
    schema?: string | undefined;
    warehouse?: string | undefined;
    parameters: Readonly<Record<string, string>>;
  }): Promise<SqlSession> {
    if (!this.#instance) throw new Error("[reverse-etl] [snowflake-emulator] the engine is closed");
    const connection = await this.#instance.connect();
    const session = new SqlSession(init.sessionId, init.user, init.role, connection, this);
    await session.initialize(init.parameters);
    // Login names that do not exist leave the session without a current database, schema or warehouse,
    // as Snowflake does (the login itself succeeds).
    const probe = await this.#instance.connect();
    try {
      const dbs = await probe.runAndReadAll("select database_name from duckdb_databases()");
      const known = new Set((dbs.getRowObjectsJS() as Array<{ database_name: string }>).map((r) => r.database_name));
      if (init.database && known.has(init.database)) {
        session.database = init.database;
        const schema = init.schema ?? "PUBLIC";
        const schemas = await probe.runAndReadAll(`select count(*)::int as n from duckdb_schemas() where database_name = '${init.database.replace(/'/g, "''")}' and schema_name = '${schema.replace(/'/g, "''")}'`);
        if (Number((schemas.getRowObjectsJS()[0] as { n: number }).n) > 0) session.schema = schema;
      }
    } finally {
      probe.closeSync();
    }
    if (init.warehouse && this.warehouses.has(init.warehouse)) session.warehouse = init.warehouse;
    this.#sessions.add(session);
    return session;
  }

  async closeSession(session: SqlSession): Promise<void> {
    if (!this.#sessions.delete(session)) return;
    await session.close();
  }

  /** Scalar functions the translation uses, registered on each connection. */
  async prepareConnection(connection: DuckDBConnection): Promise<void> {
    connection.registerScalarFunction(
      DuckDBScalarFunction.create({
        name: "sf_canonical_json",
        returnType: VARCHAR,
        parameterTypes: [VARCHAR],
        mainFunction: (info, input, output) => {
          const vector = input.getColumnVector(0);
          for (let i = 0; i < input.rowCount; i++) {
            const text = vector.getItem(i) as string | null;
            try {
              (output as unknown as { setItem(i: number, v: string | null): void }).setItem(i, text === null ? null : canonicalJson(text));
            } catch (error) {
              info.setError(`SF100069:22P02:${(error as Error).message}`);
              return;
            }
          }
          (output as unknown as { flush(): void }).flush();
        },
      }),
    );
  }

  async close(): Promise<void> {
    for (const session of [...this.#sessions]) await this.closeSession(session);
    this.#instance?.closeSync();
    this.#instance = undefined;
  }
}
