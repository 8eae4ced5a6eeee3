/** A column of a text table. */
export interface TextColumn {
  /** Header text. */
  header: string;
  /** Right-align (numbers). */
  align?: "left" | "right";
}

/**
 * Render rows as an aligned, borderless table with a header line, the way `git` and `kubectl` print
 * lists: easy to read on a terminal and to `grep`/`awk` in a script.
 */
export function renderTextTable(columns: readonly TextColumn[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...rows.map((row) => (row[i] ?? "").length)),
  );
  const line = (cells: readonly string[]) =>
    columns
      .map((column, i) => {
        const cell = cells[i] ?? "";
        return column.align === "right" ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!);
      })
      .join("  ")
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...rows.map(line)].join("\n");
}
