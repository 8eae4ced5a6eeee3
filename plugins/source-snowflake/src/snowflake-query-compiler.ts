import { DefaultQueryCompiler, type IdentifierNode } from "kysely";

/** A name Snowflake reads unquoted: lower-case letters, digits, `_` and `$`, not starting with a digit. */
const FOLDABLE = /^[a-z_][a-z0-9_$]*$/;

/**
 * An identifier as Snowflake SQL, with Snowflake's case rules
 * (https://docs.snowflake.com/en/sql-reference/identifiers-syntax#identifier-resolution): a name written in
 * lower case, like reverse-etl's own tables and columns (`sync_state`, `_retl_key`) and an unquoted model
 * column as the user writes it (`id`), means what Snowflake means by it unquoted, the upper-case name
 * (`"SYNC_STATE"`, `"ID"`); any other name (`ID`, `FirstName`, `my col`) is exact. So names reverse-etl
 * writes quoted through Kysely and unquoted in raw SQL resolve alike, and analysts query the state as
 * `reverse_etl.sync_runs`.
 */
export function snowflakeIdentifier(name: string): string {
  const exact = FOLDABLE.test(name) ? name.toUpperCase() : name;
  return `"${exact.replace(/"/g, '""')}"`;
}

/**
 * Compiles Kysely queries for Snowflake: `?` binds, identifiers by Snowflake's case rules, and string
 * constants with backslashes escaped (Snowflake reads `\` in a single-quoted string as an escape).
 */
export class SnowflakeQueryCompiler extends DefaultQueryCompiler {
  /** @param onIdentifier told of every identifier written (the source spells result columns from them). */
  constructor(private readonly onIdentifier?: (name: string) => void) {
    super();
  }

  protected override visitIdentifier(node: IdentifierNode): void {
    this.onIdentifier?.(node.name);
    this.append(snowflakeIdentifier(node.name));
  }

  /** Snowflake binds positionally with `?`. */
  protected override getCurrentParameterPlaceholder(): string {
    return "?";
  }

  protected override sanitizeStringLiteral(value: string): string {
    return value.replace(/\\/g, "\\\\").replace(/'/g, "''");
  }
}
