import type { FieldValue, OutgoingRecord, WriteOperation } from "@reverse-etl/core";

/** Turns records into the lines of one output file. */
export interface RecordEncoder {
  /** Text of the given records (each line ends with `\n`), including a header if one is due. */
  encode(operation: WriteOperation, records: readonly OutgoingRecord[]): string;
  /** Text still held back, written just before the file is renamed into place. */
  finish(): string;
}

/**
 * One JSON object per line: `{"op", "key", "fields"}` plus `"match"` when the sync has one. `key` is the
 * primary key's value (an object of the key columns for a composite key).
 */
export class JsonlEncoder implements RecordEncoder {
  encode(operation: WriteOperation, records: readonly OutgoingRecord[]): string {
    let text = "";
    for (const record of records) {
      const line: Record<string, FieldValue> = { op: operation, key: record.keyValue, fields: record.fields };
      if (Object.keys(record.match).length > 0) line.match = record.match;
      text += JSON.stringify(line) + "\n";
    }
    return text;
  }

  finish(): string {
    return "";
  }
}

/**
 * CSV with a header `op,key,<fields...>`, quoted as RFC 4180 says. The field columns come from the first
 * record that has fields: in mirror mode deletes (which carry no fields) may come first, so they are held
 * back until the header is known.
 */
export class CsvEncoder implements RecordEncoder {
  #columns: string[] | undefined;
  #heldBack: Array<{ operation: WriteOperation; record: OutgoingRecord }> = [];

  encode(operation: WriteOperation, records: readonly OutgoingRecord[]): string {
    let text = "";
    for (const record of records) {
      if (this.#columns === undefined && Object.keys(record.fields).length > 0) {
        this.#columns = Object.keys(record.fields);
        text += this.#header() + this.#releaseHeldBack();
      }
      if (this.#columns === undefined) this.#heldBack.push({ operation, record });
      else text += this.#row(operation, record, this.#columns);
    }
    return text;
  }

  finish(): string {
    if (this.#columns !== undefined || this.#heldBack.length === 0) return "";
    this.#columns = [];
    return this.#header() + this.#releaseHeldBack();
  }

  #releaseHeldBack(): string {
    const columns = this.#columns ?? [];
    const text = this.#heldBack.map(({ operation, record }) => this.#row(operation, record, columns)).join("");
    this.#heldBack = [];
    return text;
  }

  #header(): string {
    return ["op", "key", ...(this.#columns ?? [])].map(csvCell).join(",") + "\n";
  }

  #row(operation: WriteOperation, record: OutgoingRecord, columns: readonly string[]): string {
    const cells = [operation, record.keyValue, ...columns.map((c) => record.fields[c] ?? null)];
    return cells.map(csvCell).join(",") + "\n";
  }
}

/**
 * One CSV cell: null is empty, an empty string is `""` (so the two stay apart), objects and arrays are JSON
 * text; quoted when it holds a comma, a quote, a line break or leading/trailing spaces.
 */
export function csvCell(value: FieldValue | undefined): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  if (text === "" || /[",\r\n]/.test(text) || text.trim() !== text) return `"${text.replaceAll('"', '""')}"`;
  return text;
}
