import type { CompiledQuery, DatabaseConnection, QueryResult } from "kysely";
import type { Readable } from "node:stream";
import type { Column } from "snowflake-sdk";
import { identifiersOf, type NameSpellings } from "./snowflake-name-spellings.js";
import type { SnowflakeSession } from "./snowflake-session.js";
import { rowConverter } from "./snowflake-value-converter.js";

/** Rows per chunk when Kysely does not ask for a size. */
const DEFAULT_CHUNK_SIZE = 1000;

/** A Kysely connection over one Snowflake session. */
export class SnowflakeConnection implements DatabaseConnection {
  constructor(
    readonly session: SnowflakeSession,
    private readonly spellings?: NameSpellings,
  ) {}

  /** Converts the statement's rows, keyed by the names reverse-etl reads them by. */
  #converter(compiledQuery: CompiledQuery, columns: readonly Column[]) {
    const names = columns.map((c) => c.getName());
    const spelled = this.spellings ? this.spellings.spell(names, identifiersOf(compiledQuery.query)) : names;
    return rowConverter(columns, spelled);
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const { statement, rows } = await this.session.run(compiledQuery.sql, { binds: compiledQuery.parameters });
    // DML answers with one row of counts ("number of rows inserted", ...): the driver sums them.
    const updated = statement.getNumUpdatedRows();
    if (updated !== undefined && updated >= 0) return { rows: [], numAffectedRows: BigInt(updated) };
    const convert = this.#converter(compiledQuery, statement.getColumns() ?? []);
    return { rows: (rows ?? []).map(convert) as R[] };
  }

  /**
   * Rows through the driver's streaming API: `streamRows()` reads the result's chunks as they are consumed
   * (a couple prefetched), so a model of any size streams in bounded memory.
   */
  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize = DEFAULT_CHUNK_SIZE): AsyncIterableIterator<QueryResult<R>> {
    const { statement } = await this.session.run(compiledQuery.sql, { binds: compiledQuery.parameters, stream: true });
    const convert = this.#converter(compiledQuery, statement.getColumns() ?? []);
    const stream: Readable = statement.streamRows();
    let batch: R[] = [];
    try {
      for await (const row of stream) {
        batch.push(convert(row as Record<string, unknown>) as R);
        if (batch.length >= chunkSize) {
          yield { rows: batch };
          batch = [];
        }
      }
      if (batch.length > 0) yield { rows: batch };
    } finally {
      // Reached early when the consumer stops reading: stop downloading the rest of the result.
      if (!stream.destroyed) stream.destroy();
    }
  }
}
