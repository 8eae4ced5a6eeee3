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

  constructor(connection: DuckDBConnection) {
    this.#connection = connection;
  }

  /** The underlying `@duckdb/node-api` connection. */
  get raw(): DuckDBConnection {
    return this.#connection;
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
    // DuckDB's streaming result produces one vector (up to 2048 rows) per fetch, computed on demand, so
    // memory stays bounded by the chunk size whatever the result size.
    const result = await this.#connection.stream(compiledQuery.sql, toDuckDbParameters(compiledQuery.parameters));
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
    if (rows.length > 0) yield { rows: rows as R[] };
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
