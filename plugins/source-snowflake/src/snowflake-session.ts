import type { Connection, ConnectionOptions, RowStatement } from "snowflake-sdk";
import { FETCH_AS_STRING } from "./snowflake-value-converter.js";
import type { SnowflakeSdkModule } from "./snowflake-sdk-loader.js";
import { isSessionGone, statementError } from "./snowflake-errors.js";

/** A statement's options beyond its text. */
export interface RunOptions {
  readonly binds?: readonly unknown[];
  /** Stream the result (`statement.streamRows()`) instead of collecting it. */
  readonly stream?: boolean;
  /** Describe the result's columns without running it. */
  readonly describeOnly?: boolean;
}

/** A statement that ran: the driver's statement and, unless streamed, its rows. */
export interface RanStatement {
  readonly statement: RowStatement;
  readonly rows: Array<Record<string, unknown>> | undefined;
}

/**
 * One Snowflake session (one `snowflake-sdk` connection): logged in once, with reverse-etl's session
 * settings, and logged in again when the session is gone (its master token expired, the account ended it):
 * a statement outside a transaction is then retried once on the new session, so a long run goes on.
 */
export class SnowflakeSession {
  #connection: Connection | undefined;
  #inTransaction = false;
  #closed = false;

  constructor(
    private readonly sdk: SnowflakeSdkModule,
    private readonly options: ConnectionOptions,
    /** Statements run on every new session (ALTER SESSION ...). */
    private readonly setup: readonly string[],
    /** QUERY_TAG of the next statement. */
    private readonly queryTag: () => string,
  ) {}

  /** Log in; fails with the driver's error (mapped by the caller). */
  async open(): Promise<void> {
    const connection = this.sdk.createConnection(this.options);
    await new Promise<void>((resolve, reject) => connection.connect((error) => (error ? reject(error) : resolve())));
    this.#connection = connection;
    for (const text of this.setup) await this.#execute(text, {});
  }

  get inTransaction(): boolean {
    return this.#inTransaction;
  }

  async run(sqlText: string, options: RunOptions = {}): Promise<RanStatement> {
    const command = /^\s*(begin|start\s+transaction|commit|rollback)\b/i.exec(sqlText)?.[1]?.toLowerCase();
    try {
      const ran = await this.#execute(sqlText, options);
      if (command === "begin" || command?.startsWith("start")) this.#inTransaction = true;
      if (command === "commit" || command === "rollback") this.#inTransaction = false;
      return ran;
    } catch (error) {
      if (!isSessionGone(error) || this.#inTransaction || this.#closed) throw statementError(error);
      // The session ended under us: log in again and run the statement once more.
      this.#destroyQuietly();
      await this.open();
      try {
        return await this.#execute(sqlText, options);
      } catch (retryError) {
        throw statementError(retryError);
      }
    }
  }

  #execute(sqlText: string, options: RunOptions): Promise<RanStatement> {
    const connection = this.#connection;
    if (!connection) return Promise.reject(new Error("[reverse-etl] [snowflake] the session is not open"));
    return new Promise((resolve, reject) => {
      connection.execute({
        sqlText,
        ...(options.binds && options.binds.length > 0 ? { binds: options.binds.map(bindValue) as never } : {}),
        fetchAsString: [...FETCH_AS_STRING] as never,
        parameters: { QUERY_TAG: this.queryTag() },
        ...(options.stream ? { streamResult: true } : {}),
        ...(options.describeOnly ? { describeOnly: true } : {}),
        complete: (error, statement, rows) => {
          if (error) reject(error);
          else resolve({ statement, rows: options.stream ? undefined : ((rows as Array<Record<string, unknown>> | undefined) ?? []) });
        },
      });
    });
  }

  /** Log out. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const connection = this.#connection;
    this.#connection = undefined;
    if (!connection) return;
    await new Promise<void>((resolve) => connection.destroy(() => resolve()));
  }

  #destroyQuietly(): void {
    const connection = this.#connection;
    this.#connection = undefined;
    connection?.destroy(() => undefined);
  }
}

/** A Kysely parameter as the driver binds it: bigints as text (the driver cannot serialize them), dates as ISO text. */
function bindValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("hex");
  return value;
}
