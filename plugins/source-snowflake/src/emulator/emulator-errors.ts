/**
 * An error the emulator answers with, as Snowflake does: a 6-digit `code`, an ANSI `sqlState` and
 * Snowflake's message text. The codes and texts are those Snowflake returns for the same failures
 * (https://docs.snowflake.com/en/developer-guide/sql-api/reference#error-codes and the messages drivers
 * surface), so the plugin's error handling is exercised as against a real account.
 */
export class SnowflakeError extends Error {
  constructor(
    readonly code: string,
    readonly sqlState: string,
    message: string,
  ) {
    super(message);
    this.name = "SnowflakeError";
  }
}

/** Where a token starts, for `error line L at position P`. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** `001003 (42000)`: the statement does not parse. */
export function syntaxError(pos: SourcePosition, what: string): SnowflakeError {
  return new SnowflakeError("001003", "42000", `SQL compilation error:\nsyntax error line ${pos.line} at position ${pos.column} ${what}.`);
}

/** `000904 (42000)`: a column or alias that does not resolve. */
export function invalidIdentifier(name: string, pos?: SourcePosition): SnowflakeError {
  const where = pos ? `error line ${pos.line} at position ${pos.column}\n` : "";
  return new SnowflakeError("000904", "42000", `SQL compilation error: ${where}invalid identifier '${name}'`);
}

/** `002003 (42S02)`: a table, schema or database that does not exist, or that the role may not see. */
export function objectNotFound(kind: string, name: string): SnowflakeError {
  return new SnowflakeError("002003", "42S02", `SQL compilation error:\n${kind} '${name}' does not exist or not authorized.`);
}

/** `002002 (42710)`: CREATE of an object that exists. */
export function objectExists(kind: string, name: string): SnowflakeError {
  return new SnowflakeError("002002", "42710", `SQL compilation error:\nObject '${name}' already exists.`.replace("Object", kind));
}

/** `002140 (42601)`: a function Snowflake does not have. */
export function unknownFunction(name: string): SnowflakeError {
  return new SnowflakeError("002140", "42601", `SQL compilation error:\nUnknown function ${name}`);
}

/**
 * `002040 (0A000)`, Snowflake's "unsupported feature" class: a statement, function or clause that Snowflake
 * has but this emulator does not. The emulator refuses rather than risk a wrong answer.
 */
export function unsupported(what: string): SnowflakeError {
  return new SnowflakeError("002040", "0A000", `SQL compilation error:\nUnsupported feature '${what}' (not implemented by the reverse-etl Snowflake emulator).`);
}

/**
 * `002040 (42601)`: a data type Snowflake does not have, or arguments it does not take (`NUMBER(39,0)`):
 * Snowflake answers `SQL compilation error: Unsupported data type 'VARAINT'.` under this code.
 */
export function unsupportedDataType(name: string): SnowflakeError {
  return new SnowflakeError("002040", "42601", `SQL compilation error:\nUnsupported data type '${name}'.`);
}

/** `002016 (22000)`: a generic compilation error with Snowflake's wording. */
export function compilationError(message: string): SnowflakeError {
  return new SnowflakeError("002016", "22000", `SQL compilation error:\n${message}`);
}

/** `100038 (22018)` and friends: a value that does not convert. */
export function conversionError(message: string): SnowflakeError {
  return new SnowflakeError("100038", "22018", message);
}

/** `000606 (57P03)`: no usable warehouse for a statement that needs compute. */
export function noWarehouse(): SnowflakeError {
  return new SnowflakeError(
    "000606",
    "57P03",
    "No active warehouse selected in the current session.  Select an active warehouse with the 'use warehouse' command.\n",
  );
}

/** `090105 (22000)`: an unqualified name with no current database. */
export function noCurrentDatabase(operation: string): SnowflakeError {
  return new SnowflakeError(
    "090105",
    "22000",
    `Cannot perform ${operation}. This session does not have a current database. Call 'USE DATABASE', or use a qualified name.`,
  );
}

/** `090106 (22000)`: an unqualified name with no current schema. */
export function noCurrentSchema(operation: string): SnowflakeError {
  return new SnowflakeError(
    "090106",
    "22000",
    `Cannot perform ${operation}. This session does not have a current schema. Call 'USE SCHEMA', or use a qualified name.`,
  );
}

/** `000630 (57014)`: STATEMENT_TIMEOUT_IN_SECONDS reached. */
export function statementTimeout(seconds: number): SnowflakeError {
  return new SnowflakeError("000630", "57014", `Statement reached its statement or warehouse timeout of ${seconds} second(s) and was canceled.`);
}

/** `000604 (57014)`: the statement was aborted by a cancel request. */
export function statementCanceled(): SnowflakeError {
  return new SnowflakeError("000604", "57014", "SQL execution canceled");
}

/** `100051 (22012)`. */
export function divisionByZero(): SnowflakeError {
  return new SnowflakeError("100051", "22012", "Division by zero");
}
