import {
  ResultReturnType,
  StatementType,
  blobValue,
  listValue,
  timestampTZValue,
  type DuckDBConnection,
  type DuckDBResult,
  type DuckDBValue,
} from "@duckdb/node-api";
import type { CompiledQuery, DatabaseConnection, QueryResult } from "kysely";
import { appendChunkRows, rowShape, type DuckDbRowValue } from "./duckdb-value-converter.js";

type Row = Record<string, DuckDbRowValue>;

/** Rows per chunk when Kysely does not ask for a size: one DuckDB vector. */
const DEFAULT_CHUNK_SIZE = 2048;

/** A Kysely connection over one `DuckDBConnection` of `@duckdb/node-api`. */
export class DuckDbConnection implements DatabaseConnection {
  readonly #connection: DuckDBConnection;
  readonly #openSideConnection: () => Promise<DuckDBConnection>;
  #inTransaction = false;

  /**
   * @param connection the connection queries run on.
   * @param openSideConnection opens another connection on the same database, used only to find out why
   *   a streamed query failed.
   */
  constructor(connection: DuckDBConnection, openSideConnection: () => Promise<DuckDBConnection>) {
    this.#connection = connection;
    this.#openSideConnection = openSideConnection;
  }

  /** The underlying `@duckdb/node-api` connection. */
  get raw(): DuckDBConnection {
    return this.#connection;
  }

  /** Starts a transaction (the driver's `beginTransaction`). */
  async begin(): Promise<void> {
    await this.#connection.run("begin transaction");
    this.#inTransaction = true;
  }

  /** Commits the open transaction. */
  async commit(): Promise<void> {
    this.#inTransaction = false;
    await this.#connection.run("commit");
  }

  /** Rolls the open transaction back. */
  async rollback(): Promise<void> {
    this.#inTransaction = false;
    await this.#connection.run("rollback");
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.#connection.run(compiledQuery.sql, toDuckDbParameters(compiledQuery.parameters));
    if (result.returnType === ResultReturnType.CHANGED_ROWS) {
      // Without RETURNING, DuckDB answers a change with the count of changed rows, not rows.
      return { rows: [], numAffectedRows: BigInt(result.rowsChanged) };
    }
    const rows = await readAllRows(result);
    const type = result.statementType;
    const changes =
      type === StatementType.INSERT || type === StatementType.UPDATE || type === StatementType.DELETE;
    return { rows: rows as R[], ...(changes ? { numAffectedRows: BigInt(rows.length) } : {}) };
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize = DEFAULT_CHUNK_SIZE): AsyncIterableIterator<QueryResult<R>> {
    // A streamed query that fails part-way ends exactly like one that is exhausted: DuckDB's C API only
    // reports the failure through `duckdb_result_error`, which @duckdb/node-api does not expose. The
    // failure does abort the transaction, though, so the stream runs in one (its own when none is open)
    // and the transaction is probed once the rows end: a truncated model must never look complete.
    const ownTransaction = !this.#inTransaction;
    if (ownTransaction) await this.#connection.run("begin transaction");
    let open = ownTransaction;
    try {
      // DuckDB's streaming result computes one vector (up to 2048 rows) per fetch on demand, so memory
      // stays bounded by the chunk size whatever the size of the result.
      const parameters = toDuckDbParameters(compiledQuery.parameters);
      const result = await this.#connection.stream(compiledQuery.sql, parameters);
      const shape = rowShape(result.columnNames(), result.columnTypes());
      let rows: Row[] = [];
      for (;;) {
        const chunk = await result.fetchChunk();
        if (chunk === null || chunk.rowCount === 0) break;
        appendChunkRows(shape, chunk, rows);
        if (rows.length >= chunkSize) {
          yield { rows: rows as R[] };
          rows = [];
        }
      }
      try {
        await this.#connection.run("select 1");
      } catch (error) {
        throw await this.#streamFailure(compiledQuery.sql, parameters, error);
      }
      if (rows.length > 0) yield { rows: rows as R[] };
      if (ownTransaction) {
        open = false;
        await this.#connection.run("commit");
      }
    } finally {
      // Reached early when the consumer stops reading, or on failure: end the read-only transaction.
      if (open) await this.#connection.run("rollback").catch(() => undefined);
    }
  }

  /** Runs the failed query again, outside the stream and keeping no rows, to learn DuckDB's reason. */
  async #streamFailure(sql: string, parameters: DuckDBValue[] | undefined, probeError: unknown): Promise<Error> {
    const fallback = new Error(
      "[reverse-etl] [duckdb] the query failed while its rows were streamed, and DuckDB gave no reason; " +
        "run it in DuckDB to see the error",
      { cause: probeError },
    );
    let side: DuckDBConnection | undefined;
    try {
      side = await this.#openSideConnection();
      // Hashing the whole row forces every column to be computed, so the failing expression fails again.
      await side.run(`select count(hash(q)) from (${sql}) as q`, parameters);
      return fallback;
    } catch (error) {
      return error instanceof Error ? error : fallback;
    } finally {
      side?.disconnectSync();
    }
  }
}

async function readAllRows(result: DuckDBResult): Promise<Row[]> {
  const rows: Row[] = [];
  if (result.columnCount === 0) return rows;
  const shape = rowShape(result.columnNames(), result.columnTypes());
  for (;;) {
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) return rows;
    appendChunkRows(shape, chunk, rows);
  }
}

/** Kysely parameters as DuckDB values; undefined when there are none (DuckDB then skips binding). */
export function toDuckDbParameters(parameters: readonly unknown[]): DuckDBValue[] | undefined {
  return parameters.length === 0 ? undefined : parameters.map(toDuckDbValue);
}

function toDuckDbValue(value: unknown): DuckDBValue {
  if (value === undefined || value === null) return null;
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
    case "bigint":
      return value;
    case "object":
      if (value instanceof Date) return timestampTZValue(BigInt(value.getTime()) * 1000n);
      if (value instanceof Uint8Array) return blobValue(value);
      if (Array.isArray(value)) return listValue(value.map(toDuckDbValue));
      return JSON.stringify(value);
    default:
      return String(value);
  }
}
