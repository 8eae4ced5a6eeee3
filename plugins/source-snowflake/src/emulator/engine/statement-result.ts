import type { SfType } from "../sql/sf-types.js";
import { NUMBER_38_0, VARCHAR } from "../sql/sf-types.js";

/** A column of a statement's result, with where it comes from when it is a table's column. */
export interface ResultColumn {
  readonly name: string;
  readonly type: SfType;
  readonly nullable: boolean;
}

/** Snowflake's statement type ids, as results carry them (`statementTypeId`); drivers tell DML and DDL apart by range. */
export const STATEMENT_TYPE = {
  select: 0x1000,
  insert: 0x3100,
  update: 0x3200,
  delete: 0x3300,
  merge: 0x3400,
  session: 0x4000,
  transaction: 0x5000,
  ddl: 0x6000,
} as const;

/**
 * What running a statement gives: its columns, then its rows as batches of values already encoded for
 * Snowflake's JSON result format.
 */
export interface StatementResult {
  readonly columns: readonly ResultColumn[];
  readonly statementTypeId: number;
  /** Rows, in batches; consumed once. */
  readonly rows: AsyncIterable<Array<Array<string | null>>>;
}

async function* once(rows: Array<Array<string | null>>): AsyncIterable<Array<Array<string | null>>> {
  if (rows.length > 0) yield rows;
}

/** A one-row `status` result, as DDL and session statements answer. */
export function statusResult(message: string, statementTypeId: number = STATEMENT_TYPE.ddl): StatementResult {
  return { columns: [{ name: "status", type: VARCHAR, nullable: true }], statementTypeId, rows: once([[message]]) };
}

/** A DML result: one row of counts under Snowflake's column names ("number of rows inserted", ...). */
export function countsResult(statementTypeId: number, counts: ReadonlyArray<readonly [string, number]>): StatementResult {
  return {
    columns: counts.map(([name]) => ({ name, type: NUMBER_38_0, nullable: false })),
    statementTypeId,
    rows: once([counts.map(([, n]) => String(n))]),
  };
}

/** A result from rows already in memory (SHOW, DESCRIBE). */
export function rowsResult(columns: ResultColumn[], rows: Array<Array<string | null>>, statementTypeId: number = STATEMENT_TYPE.select): StatementResult {
  return { columns, statementTypeId, rows: once(rows) };
}
