import { gzipSync } from "node:zlib";
import { MAX_BINARY, rowtypeType, type SfType } from "./sql/sf-types.js";
import type { ResultColumn, StatementResult } from "./engine/statement-result.js";

/** A result's rows that the driver downloads separately, gzipped, as from cloud storage. */
export interface StoredChunk {
  readonly body: Buffer;
  readonly rowCount: number;
  readonly uncompressedSize: number;
}

/** Rows sent inline with the query response before the rest goes into chunks. */
const INLINE_ROWS = 1000;
const INLINE_BYTES = 100_000;
/** A chunk's uncompressed size at most. The driver holds a chunk parsed, and prefetches two more: a few MB each keeps a streaming client small. */
const CHUNK_BYTES = 1_000_000;

/** A column of `rowtype`, as the JSON result format describes it. */
export function rowtypeOf(c: ResultColumn): Record<string, unknown> {
  const t: SfType = c.type;
  const base = { name: c.name, database: "", schema: "", table: "", nullable: c.nullable, collation: null, type: rowtypeType(t) };
  switch (t.base) {
    case "NUMBER":
      return { ...base, precision: t.precision, scale: t.scale, length: null, byteLength: null };
    case "VARCHAR":
      return { ...base, precision: null, scale: null, length: t.length, byteLength: Math.min(t.length * 4, 16_777_216) };
    case "NULL":
      return { ...base, precision: null, scale: null, length: 16_777_216, byteLength: 16_777_216 };
    case "BINARY":
      return { ...base, precision: null, scale: null, length: t.length ?? MAX_BINARY, byteLength: t.length ?? MAX_BINARY };
    case "TIME":
    case "TIMESTAMP_NTZ":
    case "TIMESTAMP_LTZ":
    case "TIMESTAMP_TZ":
      return { ...base, precision: 0, scale: t.scale, length: null, byteLength: null };
    case "VARIANT":
    case "OBJECT":
    case "ARRAY":
      return { ...base, precision: null, scale: null, length: 16_777_216, byteLength: 16_777_216 };
    default:
      return { ...base, precision: null, scale: null, length: null, byteLength: null };
  }
}

/** The rows of a result split as Snowflake sends them: the first rows inline, the rest in gzipped chunks. */
export interface AssembledRows {
  readonly rowset: Array<Array<string | null>>;
  readonly chunks: StoredChunk[];
  readonly total: number;
}

/** Read a statement's rows into the inline rowset and chunks. */
export async function assembleRows(result: StatementResult): Promise<AssembledRows> {
  const rowset: Array<Array<string | null>> = [];
  const chunks: StoredChunk[] = [];
  let inlineBytes = 0;
  let inline = true;
  let parts: string[] = [];
  let partBytes = 0;
  let partRows = 0;
  let total = 0;
  const flush = () => {
    if (partRows === 0) return;
    const text = parts.join(",");
    chunks.push({ body: gzipSync(text, { level: 1 }), rowCount: partRows, uncompressedSize: Buffer.byteLength(text) });
    parts = [];
    partBytes = 0;
    partRows = 0;
  };
  for await (const batch of result.rows) {
    for (const row of batch) {
      total++;
      if (inline) {
        const size = JSON.stringify(row).length;
        if (rowset.length < INLINE_ROWS && inlineBytes + size <= INLINE_BYTES) {
          rowset.push(row);
          inlineBytes += size;
          continue;
        }
        inline = false;
      }
      const text = JSON.stringify(row);
      parts.push(text);
      partBytes += text.length + 1;
      partRows++;
      if (partBytes >= CHUNK_BYTES) flush();
    }
  }
  flush();
  return { rowset, chunks, total };
}
