import {
  ConnectionError,
  secrets,
  type ColumnInfo,
  type PluginContext,
  type SourceConnection,
  type SourceAdapter,
  type SqlFunctions,
  valueKindOfTypeName,
} from "@reverse-etl/core";
import { PostgresDialect, type Dialect, type PostgresCursorConstructor, type PostgresPool } from "kysely";
import pg from "pg";
import Cursor from "pg-cursor";
import { postgresConnectionConfig, type PostgresConnectionConfig } from "./postgres-connection-config.js";
import { postgresFunctionsFor } from "./postgres-functions.js";
import { PostgresSourceAdapter } from "./postgres-source-adapter.js";
import { DEFAULT_SESSION_SETTINGS, type PostgresSourceOptions } from "./postgres-source-options.js";
import { BUILTIN_ARRAY_ELEMENTS, postgresTypeParsers, type PostgresTypeParsers } from "./postgres-value-parsers.js";

const DEFAULT_MAX_CONNECTIONS = 4;

/** Opens a PostgreSQL database as a reverse-etl source: checks that it connects, then pools connections. */
export async function connectPostgresSource(
  options: PostgresSourceOptions,
  context: Pick<PluginContext, "configDir"> & Partial<Pick<PluginContext, "logger">>,
): Promise<SourceConnection> {
  let config: PostgresConnectionConfig;
  try {
    config = postgresConnectionConfig(options, context.configDir);
  } catch (error) {
    throw new ConnectionError((error as Error).message, { cause: error });
  }
  if (config.password) secrets.add(config.password);
  const settings = sessionSettings(options);
  const { client, types, serverVersionNum } = await probe(config, settings);
  const pool = new pg.Pool({ ...client, types, max: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS });
  // A new connection's first query, queued before any other on it; the probe has proven it succeeds.
  if (settings.length > 0) pool.on("connect", (connection) => void connection.query(applySettings(settings)).catch(() => undefined));
  // An idle connection the server drops must not crash the process: the next checkout reconnects.
  pool.on("error", (error) => context.logger?.warn("idle PostgreSQL connection lost", { error: redact(error.message, config) }));
  return new PostgresSourceConnection(pool, { ...config, client }, types, postgresFunctionsFor(serverVersionNum));
}

/** `sessionSettings` over the defaults, without those set to null. */
function sessionSettings(options: PostgresSourceOptions): Array<[string, string]> {
  const merged: Record<string, string | number | boolean | null> = { ...DEFAULT_SESSION_SETTINGS, ...options.sessionSettings };
  return Object.entries(merged).flatMap(([name, value]) => (value === null ? [] : [[name, String(value)] as [string, string]]));
}

/** One statement setting every session setting, with parameters (never SQL built from config text). */
function applySettings(settings: Array<[string, string]>): pg.QueryConfig {
  return {
    text: `select ${settings.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, false)`).join(", ")}`,
    values: settings.flat(),
  };
}

/**
 * Connect once, to fail early with a clear message, apply libpq's `prefer` fallback, and read the
 * server's array types so arrays of any element type convert per element.
 */
async function probe(
  config: PostgresConnectionConfig,
  settings: Array<[string, string]>,
): Promise<{ client: pg.ClientConfig; types: PostgresTypeParsers; serverVersionNum: number }> {
  let client = config.client;
  let connection = new pg.Client({ ...client, types: postgresTypeParsers(BUILTIN_ARRAY_ELEMENTS) });
  try {
    await connection.connect();
  } catch (error) {
    if (config.sslmode !== "prefer" || !isSslRefused(error)) throw connectionError(config, error);
    client = { ...client, ssl: false };
    connection = new pg.Client({ ...client, types: postgresTypeParsers(BUILTIN_ARRAY_ELEMENTS) });
    try {
      await connection.connect();
    } catch (retryError) {
      throw connectionError(config, retryError);
    }
  }
  try {
    for (const [name, value] of settings) {
      try {
        await connection.query(applySettings([[name, value]]));
      } catch (error) {
        throw new ConnectionError(
          `[reverse-etl] [postgres] sessionSettings.${name}: the server refused "${value}": ${(error as Error).message}. ` +
            "Fix the value, or set it to null to keep the server's own.",
        );
      }
    }
    const version = await connection.query<{ v: string }>("select current_setting('server_version_num') as v");
    const { rows } = await connection.query<{ oid: number; elem: number }>(
      "select oid::int4 as oid, typelem::int4 as elem from pg_catalog.pg_type where typcategory = 'A' and typelem <> 0",
    );
    return {
      client,
      types: postgresTypeParsers(new Map(rows.map((row) => [row.oid, row.elem]))),
      serverVersionNum: Number(version.rows[0]?.v ?? 0),
    };
  } catch (error) {
    throw connectionError(config, error);
  } finally {
    await connection.end().catch(() => undefined);
  }
}

function isSslRefused(error: unknown): boolean {
  return error instanceof Error && /does not support SSL/i.test(error.message);
}

/** The password (and its URL-encoded form) out of a message. */
function redact(message: string, config: Pick<PostgresConnectionConfig, "password">): string {
  if (!config.password) return message;
  return message.split(config.password).join("***").split(encodeURIComponent(config.password)).join("***");
}

/** A connection failure as a ConnectionError naming the server and database, never the password. */
export function connectionError(config: Pick<PostgresConnectionConfig, "target" | "password" | "sslmode">, error: unknown): ConnectionError {
  if (error instanceof ConnectionError) return error;
  const raw = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string } | null)?.code;
  const message = redact(raw, config);
  let hint: string;
  if (code === "ECONNREFUSED") hint = "nothing accepts connections there: is the server running, and are `host` and `port` right?";
  else if (code === "ENOTFOUND" || code === "EAI_AGAIN") hint = "the host name does not resolve: check `host` (or the host in `url`).";
  else if (code === "28P01") hint = "the password was refused: check `password` (or the password in `url`).";
  else if (code === "28000") hint = "the server refuses this role or address (pg_hba.conf): check `user`, or ask the server's administrator.";
  else if (code === "3D000") hint = "that database does not exist: check `database` (or the path of `url`).";
  else if (isSslRefused(error)) {
    hint = `sslmode is ${config.sslmode}, but the server does not offer SSL: enable SSL on the server, or set \`sslmode\` to \`prefer\` or \`disable\` on a trusted network.`;
  } else if (/certificate|self.signed|SSL|TLS/i.test(raw)) {
    hint = "the server's certificate could not be verified: give its CA in `sslRootCert`, or use `sslmode: require` to encrypt without verifying.";
  } else if (/timeout/i.test(raw)) hint = "the connection timed out: check `host`, `port` and the network.";
  else hint = "check the connection options.";
  return new ConnectionError(`[reverse-etl] [postgres] could not connect to ${config.target}: ${message}; ${hint}`, {
    ...(message === raw ? { cause: error } : {}),
  });
}

/** A source connection over a `pg` pool; Kysely borrows pool clients, locks get clients of their own. */
class PostgresSourceConnection implements SourceConnection {
  readonly dialect: Dialect;
  readonly functions: SqlFunctions;
  readonly adapter: SourceAdapter = new PostgresSourceAdapter();
  readonly #pool: pg.Pool;
  readonly #config: PostgresConnectionConfig;
  readonly #types: PostgresTypeParsers;
  readonly #lockClients = new Set<pg.Client>();
  #closed = false;

  constructor(pool: pg.Pool, config: PostgresConnectionConfig, types: PostgresTypeParsers, functions: SqlFunctions) {
    this.functions = functions;
    this.#pool = pool;
    this.#config = config;
    this.#types = types;
    // Kysely ends the pool it is given when destroyed, and core may create and destroy several drivers
    // over one source: hand it a view that borrows clients; the pool ends with `close()`.
    const borrowed: PostgresPool = {
      connect: async () => {
        this.#assertOpen();
        try {
          return await pool.connect();
        } catch (error) {
          throw connectionError(config, error);
        }
      },
      end: async () => {},
    };
    this.dialect = new PostgresDialect({ pool: borrowed, cursor: Cursor as unknown as PostgresCursorConstructor });
  }

  async describeQuery(sqlText: string): Promise<ColumnInfo[]> {
    this.#assertOpen();
    const client = await this.#connect();
    try {
      // LIMIT 0: the server plans the query and returns its row description, but reads no row.
      const { fields } = await client.query({ text: `select * from (${sqlText}) as q limit 0`, rowMode: "array" });
      if (fields.length === 0) return [];
      const { rows } = await client.query<{ type: string }>(
        "select format_type(t.oid, nullif(t.mod, -1)) as type from unnest($1::oid[], $2::int4[]) with ordinality as t(oid, mod, i) order by t.i",
        [fields.map((f) => f.dataTypeID), fields.map((f) => f.dataTypeModifier)],
      );
      return fields.map((field, i) => ({ name: field.name, type: rows[i]!.type, kind: valueKindOfTypeName(rows[i]!.type) }));
    } finally {
      client.release();
    }
  }

  /**
   * A session-level advisory lock on its own connection (not a pool client, so a held lock never starves
   * the pool). The server releases it when the connection ends, so a killed process never leaves it held.
   */
  async tryLock(name: string): Promise<(() => Promise<void>) | undefined> {
    this.#assertOpen();
    const client = new pg.Client({ ...this.#config.client, types: this.#types });
    try {
      await client.connect();
    } catch (error) {
      throw connectionError(this.#config, error);
    }
    client.on("error", () => undefined); // a lost lock connection surfaces at release
    try {
      const { rows } = await client.query<{ locked: boolean }>("select pg_try_advisory_lock(hashtextextended($1, 0)) as locked", [name]);
      if (!rows[0]?.locked) {
        await client.end();
        return undefined;
      }
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.#lockClients.add(client);
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      this.#lockClients.delete(client);
      try {
        await client.query("select pg_advisory_unlock(hashtextextended($1, 0))", [name]);
      } finally {
        // Ending the session releases the lock even if the unlock statement failed.
        await client.end().catch(() => undefined);
      }
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const lockClients = [...this.#lockClients];
    this.#lockClients.clear();
    await Promise.all(lockClients.map((client) => client.end().catch(() => undefined)));
    await this.#pool.end();
  }

  async #connect(): Promise<pg.PoolClient> {
    try {
      return await this.#pool.connect();
    } catch (error) {
      throw connectionError(this.#config, error);
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error("[reverse-etl] [postgres] the source connection is closed");
  }
}
