import { SnowflakeError } from "../emulator-errors.js";

/**
 * A DuckDB failure as the Snowflake error a real account gives for the same cause. Errors the translation
 * raises on purpose carry their Snowflake code (`SF<code>:<sqlstate>:<message>`); the rest are mapped by
 * kind, and anything unrecognised keeps DuckDB's text under Snowflake's internal-error code, so a test
 * never mistakes an emulator gap for a user error.
 */
export function fromDuckDbError(error: unknown): SnowflakeError {
  if (error instanceof SnowflakeError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const own = /SF(\d{6}):([0-9A-Z]{5}):([\s\S]*)$/.exec(message);
  if (own) return new SnowflakeError(own[1]!, own[2]!, own[3]!.trim());
  let m: RegExpExecArray | null;
  // DuckDB quotes the string with ' or with " (its casts to DECIMAL do, in 1.5).
  if ((m = /Could not convert string (['"])([\s\S]*?)\1 to (DECIMAL|INT|BIGINT|HUGEINT|DOUBLE)/i.exec(message))) {
    return new SnowflakeError("100038", "22018", `Numeric value '${m[2]}' is not recognized`);
  }
  if ((m = /(?:Could not convert string (['"])([\s\S]*?)\1 to (DATE|TIMESTAMP|TIME))|(?:invalid (date|timestamp) field format: "([\s\S]*?)")/i.exec(message))) {
    const what = (m[3] ?? m[4] ?? "timestamp").toLowerCase();
    return new SnowflakeError("100040", "22007", `${what === "date" ? "Date" : what === "time" ? "Time" : "Timestamp"} '${m[2] ?? m[5]}' is not recognized`);
  }
  if (/NOT NULL constraint failed/i.test(message)) return new SnowflakeError("100072", "22000", "NULL result in a non-nullable column");
  if (/Overflow|out of range/i.test(message)) return new SnowflakeError("100046", "22003", `Number out of representable range: ${message.replace(/^[A-Za-z ]+Error: /, "")}`);
  if (/More than one row returned by a subquery/i.test(message)) return new SnowflakeError("090150", "22000", "Single-row subquery returns more than one row.");
  if (/must appear in the GROUP BY clause|must be part of an aggregate/i.test(message)) {
    const col = /column "?([^"\s]+)"?/i.exec(message)?.[1] ?? "expression";
    return new SnowflakeError("000979", "42601", `SQL compilation error:\n[${col}] is not a valid group by expression`);
  }
  if (/Interrupted/i.test(message)) return new SnowflakeError("000604", "57014", "SQL execution canceled");
  if (/TransactionContext Error: Catalog write-write conflict|Conflict on/i.test(message)) {
    return new SnowflakeError("000625", "57014", `Statement aborted because of a conflicting concurrent transaction: ${message}`);
  }
  return new SnowflakeError("000603", "XX000", `SQL execution internal error (reverse-etl Snowflake emulator): ${message}`);
}
