import { ConnectionError } from "@reverse-etl/core";

/** What the driver's errors carry. */
interface DriverError {
  message?: string;
  code?: string | number;
  sqlState?: string;
  cause?: { code?: string };
}

function parts(error: unknown): { message: string; code: string; sqlState: string } {
  const e = (error ?? {}) as DriverError;
  return { message: String(e.message ?? error), code: e.code === undefined ? "" : String(e.code), sqlState: e.sqlState ?? "" };
}

/**
 * The session is gone (its master token expired, it was ended, the driver marked the connection
 * disconnected): a new login is needed, not a retry on the same session.
 */
export function isSessionGone(error: unknown): boolean {
  const { code } = parts(error);
  return ["390111", "390114", "390104", "407002", "405503"].includes(code);
}

/** A failed statement, with Snowflake's code and SQL state, and what to do about the common ones. */
export class SnowflakeStatementError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly sqlState: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "SnowflakeStatementError";
  }
}

/** Hints for the errors a user can act on, by Snowflake error code. */
const STATEMENT_HINTS: Record<string, string> = {
  "002003": "check the name, and that the role has USAGE on its database and schema and SELECT on it (GRANT SELECT ON TABLE ... TO ROLE ...)",
  "000904": "a column the SQL names does not exist: unquoted names are upper case in Snowflake (email is EMAIL), quoted ones exact",
  "000606": "the warehouse is suspended without AUTO_RESUME, does not exist, or the role may not use it: ALTER WAREHOUSE ... RESUME, or set `warehouse` to one the role can use",
  "000630": "raise `statementTimeoutSeconds` (STATEMENT_TIMEOUT_IN_SECONDS) or the warehouse's timeout, or give the model a larger warehouse",
  "090105": "set `database` in the source's options, or qualify the name",
  "090106": "set `schema` in the source's options, or qualify the name",
  "003001": "the role lacks a privilege the statement needs: grant it, or set `role` to one that has it",
};

/** A driver error as a statement error a user can act on (`[reverse-etl] [snowflake] ...; hint`). */
export function statementError(error: unknown): Error {
  if (error instanceof SnowflakeStatementError || error instanceof ConnectionError) return error;
  const { message, code, sqlState } = parts(error);
  if (isNetworkFailure(code, error)) return connectionError(error, undefined);
  const hint = STATEMENT_HINTS[code];
  const where = code ? ` (${code}${sqlState ? `, SQL state ${sqlState}` : ""})` : "";
  return new SnowflakeStatementError(`[reverse-etl] [snowflake] ${message.trim()}${where}${hint ? `; ${hint}` : ""}`, code, sqlState, { cause: error });
}

function isNetworkFailure(code: string, error: unknown): boolean {
  const cause = (error as DriverError | undefined)?.cause?.code;
  return code === "401001" || ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ECONNRESET", "ETIMEDOUT"].includes(cause ?? "");
}

/** Hints for login failures, by Snowflake error code. */
const LOGIN_HINTS: Record<string, string> = {
  "390100": "the user name or password was refused: check `username` and `password`",
  "390144": "the key pair was refused: check that `privateKey` (or `privateKeyPath`) is the key whose public half is set on the user (ALTER USER ... SET RSA_PUBLIC_KEY), and its passphrase",
  "390303": "the OAuth token was refused: check `token`",
  "390318": "the OAuth token has expired: get a new one",
  "390189": "the role is not granted to the user: set `role` to one it has, or grant it",
  "390201": "the database, schema or warehouse named in the options is not usable: check `database`, `schema`, `warehouse`",
  "250001": "could not log in: check `account`, `username` and the credentials",
};

/** A login or connection failure as a ConnectionError naming the account, never a secret. */
export function connectionError(error: unknown, target: string | undefined): ConnectionError {
  if (error instanceof ConnectionError) return error;
  const { message, code } = parts(error);
  const cause = (error as DriverError | undefined)?.cause?.code;
  let hint = LOGIN_HINTS[code];
  if (!hint && isNetworkFailure(code, error)) {
    hint = `nothing answers there${cause ? ` (${cause})` : ""}: check \`account\` (or \`accessUrl\`, \`host\`) and the network`;
  }
  const at = target ? ` ${target}` : "";
  return new ConnectionError(`[reverse-etl] [snowflake] could not connect to${at}: ${message.trim()}${code ? ` (${code})` : ""}; ${hint ?? "check the connection options"}`, { cause: error });
}
