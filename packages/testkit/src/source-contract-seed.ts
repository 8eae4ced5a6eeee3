import type { ValueKind } from "@reverse-etl/core";
import { sql, type Kysely, type RawBuilder } from "kysely";

/**
 * The SQL types of the columns the source contract creates its tables with: names most warehouses
 * accept as they are (Kysely writes them unchanged), so the suite needs no per-warehouse DDL.
 */
export type ContractColumnType = "integer" | "varchar(100)" | "decimal(12,2)" | "double precision" | "boolean" | "date" | "timestamp";

/** The kind `describeQuery` should give each column type, unless a plugin's warehouse says otherwise. */
export const DEFAULT_COLUMN_KINDS: Readonly<Record<ContractColumnType, ValueKind>> = {
  integer: "integer",
  "varchar(100)": "text",
  "decimal(12,2)": "decimal",
  "double precision": "float",
  boolean: "boolean",
  date: "date",
  timestamp: "timestamp",
};

/** How a warehouse names columns written unquoted: as written in lower case, or folded to upper case. */
export type UnquotedNameCase = "lower" | "upper";

/** How a source hands decimals to destinations: a number when exact (else text), or always exact text. */
export type DecimalValueStyle = "number" | "text";

/** A row of the engine cycle's model table, as the suite writes it (dates and timestamps as SQL text). */
export interface SeedRow {
  id: number;
  name: string | null;
  /** A decimal(12,2), in cents, so the expected value is exact. */
  cents: number | null;
  ratio: number | null;
  active: boolean | null;
  /** `YYYY-MM-DD`. */
  day: string | null;
  /** `YYYY-MM-DD HH:MM:SS[.mmm]`, a timestamp without time zone. */
  createdAt: string | null;
}

/** The model table's columns, in order, with their SQL types. */
export const SEED_COLUMNS: ReadonlyArray<readonly [column: string, type: ContractColumnType]> = [
  ["id", "integer"],
  ["name", "varchar(100)"],
  ["amount", "decimal(12,2)"],
  ["ratio", "double precision"],
  ["active", "boolean"],
  ["day", "date"],
  ["created_at", "timestamp"],
];

/** Model column -> destination field of the engine cycle's main sync: renamed, so the mapping is proven too. */
export const SEED_FIELDS: Readonly<Record<string, string>> = {
  name: "full_name",
  amount: "amount",
  ratio: "ratio",
  active: "is_active",
  day: "signup_day",
  created_at: "created_at",
};

// Texts a careless encoder breaks: quotes, a newline, a backslash, separators, non-Latin scripts, an emoji,
// and the empty string (which must stay distinct from NULL).
const NAMES = ["Ada Lovelace", "Zoë Ünïcödé", "日本語のテキスト", "party 🎉 ✓", `it's "quoted"`, "line\nbreak", "back\\slash", "comma, semi; tab\t", ""];

/** The `i`th seeded row (1-based): every column NULL on some rows, each kind of value on others. */
export function seedRow(i: number): SeedRow {
  const pad = (n: number) => String(n).padStart(2, "0");
  return {
    id: i,
    name: i % 7 === 0 ? null : i <= NAMES.length ? NAMES[i - 1]! : `user ${i}`,
    cents: i % 6 === 0 ? null : i === 13 ? 987654321098 : i * 1234 - 5000,
    ratio: i % 5 === 0 ? null : (i - 12) / 8,
    active: i % 4 === 0 ? null : i % 2 === 1,
    day: i % 9 === 0 ? null : i === 11 ? "1999-12-31" : `2024-02-${pad(i)}`,
    createdAt: i % 8 === 0 ? null : i === 10 ? "1969-07-20 20:17:40" : `2024-03-${pad(i)} ${pad(i % 24)}:${pad((i * 7) % 60)}:05${i % 3 === 0 ? `.${100 + i}` : ""}`,
  };
}

/**
 * The fields a destination receives for a seeded row, by the contract every source keeps: decimals that
 * fit a double as numbers (or, for a source that sends decimals as text, their exact text with the scale
 * of 2), dates as `YYYY-MM-DD`, timestamps as ISO 8601 in UTC with milliseconds.
 */
export function expectedFields(row: SeedRow, decimals: DecimalValueStyle = "number"): Record<string, unknown> {
  return {
    full_name: row.name,
    amount: row.cents === null ? null : decimals === "text" ? centsText(row.cents) : row.cents / 100,
    ratio: row.ratio,
    is_active: row.active,
    signup_day: row.day,
    created_at: row.createdAt === null ? null : isoTimestamp(row.createdAt),
  };
}

/** Cents as the exact text of a decimal(12,2): -5000 -> `-50.00`. */
function centsText(cents: number): string {
  const abs = Math.abs(cents);
  return `${cents < 0 ? "-" : ""}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/** `YYYY-MM-DD HH:MM:SS[.mmm]` read as UTC, in ISO 8601 with milliseconds. */
function isoTimestamp(text: string): string {
  const [date, time] = text.split(" ");
  const [clock, fraction = ""] = time!.split(".");
  return `${date}T${clock}.${fraction.padEnd(3, "0")}Z`;
}

/** Create the model table with the seeded column types. */
export async function createSeedTable(db: Kysely<unknown>, table: string): Promise<void> {
  let builder = db.schema.createTable(table);
  for (const [column, type] of SEED_COLUMNS) builder = builder.addColumn(column, sql.raw(type));
  await builder.execute();
}

/** Insert rows into the model table, through Kysely with parameters; dates and timestamps cast from text. */
export async function insertSeedRows(db: Kysely<unknown>, table: string, rows: readonly SeedRow[]): Promise<void> {
  const cast = (value: string | null, type: string): RawBuilder<unknown> | null => (value === null ? null : sql`cast(${value} as ${sql.raw(type)})`);
  await (db as Kysely<Record<string, Record<string, unknown>>>)
    .insertInto(table)
    .values(
      rows.map((row) => ({
        id: row.id,
        name: row.name,
        amount: row.cents === null ? null : sql`cast(${(row.cents / 100).toFixed(2)} as decimal(12,2))`,
        ratio: row.ratio,
        active: row.active,
        day: cast(row.day, "date"),
        created_at: cast(row.createdAt, "timestamp"),
      })),
    )
    .execute();
}
