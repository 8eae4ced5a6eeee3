import {
  ConnectionError,
  currentSyncRun,
  secrets,
  type ColumnInfo,
  type PluginContext,
  type SourceAdapter,
  type SourceConnection,
  type SqlFunctions,
} from "@reverse-etl/core";
import type { Dialect } from "kysely";
import { isAbsolute, resolve } from "node:path";
import type { ConnectionOptions } from "snowflake-sdk";
import { snowflakeTypeName, snowflakeValueKind } from "./snowflake-column-types.js";
import { SnowflakeDialect } from "./snowflake-dialect.js";
import { connectionError, statementError } from "./snowflake-errors.js";
import { snowflakeFunctions } from "./snowflake-functions.js";
import { loadSnowflakeSdk } from "./snowflake-sdk-loader.js";
import { SnowflakeSession } from "./snowflake-session.js";
import { SnowflakeSessionPool } from "./snowflake-session-pool.js";
import { SnowflakeSourceAdapter } from "./snowflake-source-adapter.js";
import type { SnowflakeSourceOptions } from "./snowflake-source-options.js";

const DEFAULT_MAX_CONNECTIONS = 4;
const DEFAULT_QUERY_TAG = "reverse-etl";

/**
 * Session parameters every reverse-etl session sets: UTC, so CURRENT_TIMESTAMP in the state tables and
 * TIMESTAMP_LTZ conversions do not depend on the account's default zone; the text forms the value
 * converter reads (TIME with nanoseconds, BINARY as hex); quoted identifiers case-sensitive, as reverse-etl's
 * identifier rules assume (https://docs.snowflake.com/en/sql-reference/parameters).
 */
function sessionSetup(options: SnowflakeSourceOptions): string[] {
  const setup = [
    "alter session set TIMEZONE = 'UTC'",
    "alter session set TIME_OUTPUT_FORMAT = 'HH24:MI:SS.FF9'",
    "alter session set BINARY_OUTPUT_FORMAT = 'HEX'",
    "alter session set QUOTED_IDENTIFIERS_IGNORE_CASE = FALSE",
  ];
  if (options.statementTimeoutSeconds !== undefined) setup.push(`alter session set STATEMENT_TIMEOUT_IN_SECONDS = ${Math.trunc(options.statementTimeoutSeconds)}`);
  return setup;
}

/** The QUERY_TAG of a statement: the configured prefix, then the sync and run it belongs to. */
export function queryTagOf(prefix: string): string {
  const run = currentSyncRun();
  if (!run) return prefix;
  return `${prefix} sync=${run.sync}${run.runId ? ` run=${run.runId}` : ""}`;
}

/** The driver's connection options for the plugin's options: exactly one way to authenticate. */
export function driverOptions(options: SnowflakeSourceOptions, configDir: string): ConnectionOptions {
  const ways = [options.password !== undefined, options.privateKey !== undefined || options.privateKeyPath !== undefined, options.token !== undefined].filter(Boolean).length;
  if (ways !== 1) {
    throw new ConnectionError(
      "[reverse-etl] [snowflake] give exactly one way to authenticate: `password`, a key pair (`privateKey` or `privateKeyPath`, with `privateKeyPassphrase` if it is encrypted), or an OAuth `token`",
    );
  }
  const auth: Partial<ConnectionOptions> =
    options.password !== undefined
      ? { password: options.password }
      : options.token !== undefined
        ? { authenticator: "OAUTH", token: options.token }
        : {
            authenticator: "SNOWFLAKE_JWT",
            ...(options.privateKey !== undefined ? { privateKey: options.privateKey } : {}),
            ...(options.privateKeyPath !== undefined ? { privateKeyPath: isAbsolute(options.privateKeyPath) ? options.privateKeyPath : resolve(configDir, options.privateKeyPath) } : {}),
            ...(options.privateKeyPassphrase !== undefined ? { privateKeyPass: options.privateKeyPassphrase } : {}),
          };
  return {
    account: options.account,
    username: options.username,
    database: options.database,
    ...(options.schema ? { schema: options.schema } : {}),
    ...(options.warehouse ? { warehouse: options.warehouse } : {}),
    ...(options.role ? { role: options.role } : {}),
    ...(options.accessUrl ? { accessUrl: options.accessUrl } : {}),
    ...(options.host ? { host: options.host } : {}),
    ...(options.port ? { port: options.port } : {}),
    ...(options.protocol ? { protocol: options.protocol } : {}),
    application: "reverse-etl",
    // Columns fetched as strings would otherwise give the text "NULL" for NULL.
    representNullAsStringNull: false,
    // A login that cannot reach the account is retried three times (about 7 s), not the driver's seven
    // (about two minutes): a wrong URL fails while the user still waits for it.
    sfRetryMaxLoginRetries: 3,
    ...auth,
  } as ConnectionOptions;
}

/** Where the source connects, for messages: the access URL or the account, never a secret. */
function targetOf(options: SnowflakeSourceOptions): string {
  return `Snowflake account ${options.account}${options.accessUrl ? ` at ${options.accessUrl}` : options.host ? ` at ${options.host}` : ""} as ${options.username}`;
}

/**
 * Opens a Snowflake source: logs in once to fail early with a clear message, checks that the database,
 * schema and warehouse resolve for the role, then pools sessions.
 */
export async function connectSnowflakeSource(
  options: SnowflakeSourceOptions,
  context: Pick<PluginContext, "configDir"> & Partial<Pick<PluginContext, "logger">>,
): Promise<SourceConnection> {
  for (const secret of [options.password, options.privateKey, options.privateKeyPassphrase, options.token]) if (secret) secrets.add(secret);
  const config = driverOptions(options, context.configDir);
  const sdk = await loadSnowflakeSdk();
  const prefix = options.queryTag ?? DEFAULT_QUERY_TAG;
  const setup = sessionSetup(options);
  const target = targetOf(options);
  const open = async () => {
    const session = new SnowflakeSession(sdk, config, setup, () => queryTagOf(prefix));
    try {
      await session.open();
    } catch (error) {
      await session.close().catch(() => undefined);
      throw connectionError(error, target);
    }
    return session;
  };
  const pool = new SnowflakeSessionPool(options.maxConnections ?? DEFAULT_MAX_CONNECTIONS, open);
  try {
    await probe(pool, options, target);
  } catch (error) {
    await pool.close();
    throw error;
  }
  return new SnowflakeSourceConnection(pool);
}

/** Log in and check that what the options name exists for the role: Snowflake logs in even when it does not. */
async function probe(pool: SnowflakeSessionPool, options: SnowflakeSourceOptions, target: string): Promise<void> {
  const session = await pool.acquire();
  try {
    const { rows } = await session.run("select current_database() as D, current_schema() as S, current_warehouse() as W, current_role() as R");
    const row = (rows?.[0] ?? {}) as { D?: string | null; S?: string | null; W?: string | null; R?: string | null };
    const role = row.R ?? "the user's default role";
    if (!row.D) throw new ConnectionError(`[reverse-etl] [snowflake] ${target}: database ${options.database} does not exist or is not authorized for role ${role}; check \`database\` and the role's grants`);
    if (!row.S) throw new ConnectionError(`[reverse-etl] [snowflake] ${target}: schema ${options.schema ?? "PUBLIC"} of database ${row.D} does not exist or is not authorized for role ${role}; check \`schema\``);
    if (!row.W) {
      throw new ConnectionError(
        options.warehouse
          ? `[reverse-etl] [snowflake] ${target}: warehouse ${options.warehouse} does not exist or is not authorized for role ${role}; check \`warehouse\` and GRANT USAGE ON WAREHOUSE`
          : `[reverse-etl] [snowflake] ${target}: the user has no default warehouse; set \`warehouse\``,
      );
    }
  } catch (error) {
    throw error instanceof ConnectionError ? error : statementError(error);
  } finally {
    pool.release(session);
  }
}

/** A source connection over a pool of Snowflake sessions. */
class SnowflakeSourceConnection implements SourceConnection {
  readonly dialect: Dialect;
  readonly functions: SqlFunctions = snowflakeFunctions;
  readonly adapter: SourceAdapter = new SnowflakeSourceAdapter();
  #closed = false;

  constructor(private readonly pool: SnowflakeSessionPool) {
    this.dialect = new SnowflakeDialect(pool);
  }

  /** Columns of a query, from Snowflake's describe-only execution: it compiles the query and runs nothing. */
  async describeQuery(sqlText: string): Promise<ColumnInfo[]> {
    if (this.#closed) throw new Error("[reverse-etl] [snowflake] the source connection is closed");
    const session = await this.pool.acquire();
    try {
      const { statement } = await session.run(sqlText, { describeOnly: true });
      return (statement.getColumns() ?? []).map((column) => {
        const type = snowflakeTypeName(column);
        return { name: column.getName(), type, kind: snowflakeValueKind(type) };
      });
    } finally {
      this.pool.release(session);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.pool.close();
  }
}
