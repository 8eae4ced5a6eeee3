/**
 * CSV as Bulk API 2.0 reads and writes it (the plugin's uploads and result files, the emulator's too): RFC 4180 quoting, a header row of field names, the job's column
 * delimiter and line ending (with `LF`, a carriage return before a new line is part of the value).
 * Source: https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/datafiles_prepare_csv.htm
 */

/** Delimiters a job may name: https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/create_job.htm */
export const COLUMN_DELIMITERS: Readonly<Record<string, string>> = { COMMA: ",", TAB: "\t", PIPE: "|", SEMICOLON: ";", CARET: "^", BACKQUOTE: "`" };

/** Parse CSV text into rows of cells; undefined when a quoted value is never closed. */
export function parseCsv(text: string, delimiter: string, lineEnding: "LF" | "CRLF"): string[][] | undefined {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  let i = 0;
  const newline = lineEnding === "CRLF" ? "\r\n" : "\n";
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      cell += c;
      i++;
      continue;
    }
    if (c === '"' && cell === "") {
      quoted = true;
      i++;
      continue;
    }
    if (c === delimiter) {
      row.push(cell);
      cell = "";
      i++;
      continue;
    }
    if (text.startsWith(newline, i)) {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i += newline.length;
      continue;
    }
    cell += c;
    i++;
  }
  if (quoted) return undefined;
  if (cell !== "" || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

/** One CSV line of cells, every cell quoted (as Salesforce writes its result files), ending with a new line. */
export function csvLine(cells: readonly string[], delimiter = ",", lineEnding: "LF" | "CRLF" = "LF"): string {
  return cells.map((c) => `"${c.replace(/"/g, '""')}"`).join(delimiter) + (lineEnding === "CRLF" ? "\r\n" : "\n");
}
