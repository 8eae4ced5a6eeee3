import { snowflakeIdentifier } from "./snowflake-query-compiler.js";

const UPPER_SIMPLE = /^[A-Z_][A-Z0-9_$]*$/;
const LOWER_SIMPLE = /^[a-z_][a-z0-9_$]*$/;

/**
 * How reverse-etl spells the names of result columns. Snowflake returns a column written `run_id`
 * (unquoted, or quoted through `snowflakeIdentifier`) as `RUN_ID`; core reads `row.run_id`. A result
 * column is named as the statement spelled it (its identifiers, and the aliases of raw SQL, which core
 * writes in lower case), and a name the statement does not spell as the source last spelled it: a table
 * made with the config's `email` column returns `EMAIL`, read back as `email`; with the config's `ID`,
 * `ID`. Names that are not plain upper case (`FirstName`, `my col`) are exact and come back as they are.
 */
export class NameSpellings {
  readonly #lower = new Map<string, string>();
  readonly #upper = new Set<string>();

  /** Remember an identifier the compiler wrote. */
  record(name: string): void {
    if (LOWER_SIMPLE.test(name)) this.#lower.set(name.toUpperCase(), name);
    else if (UPPER_SIMPLE.test(name)) this.#upper.add(name);
  }

  /** The names reverse-etl reads the result's columns by, for a statement whose identifiers are `identifiers`. */
  spell(columns: readonly string[], identifiers: ReadonlySet<string>): string[] {
    const inStatement = new Map<string, string>();
    for (const name of identifiers) {
      const folded = snowflakeIdentifier(name).slice(1, -1);
      // A lower-case spelling wins: it is reverse-etl's own, or the config's.
      if (!inStatement.has(folded) || LOWER_SIMPLE.test(name)) inStatement.set(folded, name);
    }
    return columns.map((column) => {
      const spelled = inStatement.get(column);
      if (spelled !== undefined) return spelled;
      if (!UPPER_SIMPLE.test(column)) return column;
      const lower = this.#lower.get(column);
      if (lower !== undefined) return lower;
      if (this.#upper.has(column)) return column;
      return column.toLowerCase();
    });
  }
}

/** Every identifier name in a Kysely operation node tree. */
export function identifiersOf(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) {
    for (const n of node) identifiersOf(n, out);
  } else if (node && typeof node === "object") {
    const o = node as { kind?: string; name?: unknown };
    if (o.kind === "IdentifierNode" && typeof o.name === "string") out.add(o.name);
    for (const value of Object.values(o)) if (value && typeof value === "object") identifiersOf(value, out);
  }
  return out;
}
