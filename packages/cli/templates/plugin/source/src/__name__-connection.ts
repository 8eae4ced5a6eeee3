import { canonicalDecimal, ConnectionError, secrets, valueKindOfTypeName } from "@reverse-etl/core";
import type { ColumnInfo, Logger, SourceAdapter, SourceConnection, SqlFunctions } from "@reverse-etl/core";
import { PostgresDialect, type Dialect, type PostgresCursorConstructor, type PostgresPool } from "kysely";
import pg from "pg";
import Cursor from "pg-cursor";
import { __nameCamel__Functions } from "./__name__-functions.js";
import { __Name__SourceAdapter } from "./__name__-source-adapter.js";
import { DEFAULT_MAX_CONNECTIONS, type __Name__SourceOptions } from "./__name__-source-options.js";

/**
 * Values as core sends them to destinations, where pg's defaults differ: an `int8` (even `count(*)`) and a
 * `numeric` are numbers when the number says exactly what the text says, else their exact text (pg gives
 * both as text); a `date` is its text, and a `timestamp` without time zone is read as UTC, never shifted by
 * this process's time zone. A `timestamptz` stays pg's `Date`, which core sends as ISO 8601 UTC.
 * `__nameCamel__Functions.jsonObject` renders timestamps the same way, so plans show values as they are sent.
 */
const TYPE_PARSERS: Readonly<Record<number, (text: string) => unknown>> = {
  20: (text) => (Number.isSafeInteger(Number(text)) ? Number(text) : text),
  1700: (text) => {
    const number = Number(text);
    return Number.isFinite(number) && Math.abs(number) <= Number.MAX_SAFE_INTEGER && String(number) === canonicalDecimal(text) ? number : text;
  },
  1082: (text) => text,
  1114: (text) => {
    const at = Date.parse(`${text.replace(" ", "T")}Z`);
    return Number.isNaN(at) ? text : new Date(at).toISOString(); // infinity and BC dates stay text
  },
};

const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    TYPE_PARSERS[oid] ?? pg.types.getTypeParser(oid, format ?? "text")) as typeof pg.types.getTypeParser,
};

/** The parts of a `postgres://` URL, for the options given beside it to override. */
function urlParts(url: string): pg.ClientConfig {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The URL may hold a password: it is never repeated.
    throw new ConnectionError("[reverse-etl] [__name__] `url` is not a valid connection string: expected postgres://user:password@host:5432/database");
  }
  const part = (value: string) => (value === "" ? undefined : decodeURIComponent(value));
  const sslmode = parsed.searchParams.get("sslmode");
  return {
    host: part(parsed.hostname),
    port: parsed.port ? Number(parsed.port) : undefined,
    database: part(parsed.pathname.slice(1)),
    user: part(parsed.username),
    password: part(parsed.password),
    ...(sslmode && sslmode !== "disable" && sslmode !== "prefer" ? { ssl: true } : {}),
  };
}

/** The options as pg's connection settings: the URL's parts, overridden by the parts given as options. */
function clientConfig(options: __Name__SourceOptions): pg.ClientConfig {
  const given: pg.ClientConfig = {
    host: options.host,
    port: options.port,
    database: options.database,
    user: options.user,
    password: options.password,
    ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
  };
  const config: pg.ClientConfig = { ...(options.url ? urlParts(options.url) : {}) };
  for (const [name, value] of Object.entries(given)) if (value !== undefined) Object.assign(config, { [name]: value });
  return { ...config, application_name: "reverse-etl", types };
}

/** Where a connection goes, for messages: never the password. */
function target(config: pg.ClientConfig): string {
  return `${config.host ?? "localhost"}:${config.port ?? 5432}/${config.database ?? config.user ?? ""}${config.user ? ` as ${config.user}` : ""}`;
}

/**
 * Open the warehouse as a reverse-etl source: connect once, so a wrong host or password fails here with a
 * message naming the server (never the password), then pool connections.
 */
export async function connect__Name__Source(options: __Name__SourceOptions, logger: Logger): Promise<SourceConnection> {
  const config = clientConfig(options);
  if (typeof config.password === "string") secrets.add(config.password);
  const pool = new pg.Pool({ ...config, max: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS });
  // An idle connection the server drops must not crash the process: the next checkout reconnects.
  pool.on("error", (error) => logger.warn("idle __Title__ connection lost", { error: secrets.redact(error.message) }));
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new ConnectionError(`[reverse-etl] [__name__] could not connect to ${target(config)}: ${secrets.redact((error as Error).message)}; check the connection options.`, {
      cause: error,
    });
  }
  return new __Name__SourceConnection(pool);
}

/** A source connection over a pg pool: Kysely borrows its clients; `describeQuery` borrows one too. */
export class __Name__SourceConnection implements SourceConnection {
  readonly dialect: Dialect;
  readonly functions: SqlFunctions = __nameCamel__Functions;
  readonly adapter: SourceAdapter = new __Name__SourceAdapter();
  #closed = false;

  constructor(private readonly pool: pg.Pool) {
    // Kysely ends the pool it is given when destroyed, and core may create and destroy several Kysely
    // instances over one source: hand it a view that borrows clients; the pool ends with `close()`.
    const borrowed: PostgresPool = {
      connect: async () => {
        if (this.#closed) throw new Error("[reverse-etl] [__name__] the source connection is closed");
        return pool.connect();
      },
      end: async () => {},
    };
    // pg-cursor lets Kysely's driver stream a model in chunks instead of reading it whole into memory.
    this.dialect = new PostgresDialect({ pool: borrowed, cursor: Cursor as unknown as PostgresCursorConstructor });
  }

  async describeQuery(sqlText: string): Promise<ColumnInfo[]> {
    if (this.#closed) throw new Error("[reverse-etl] [__name__] the source connection is closed");
    const client = await this.pool.connect();
    try {
      // LIMIT 0: the server plans the query and describes its columns, but reads no row.
      const { fields } = await client.query({ text: `select * from (${sqlText}) as q limit 0`, rowMode: "array" });
      if (fields.length === 0) return [];
      // The type names as the server writes them (`character varying(20)`, `numeric(10,2)`): format_type
      // exists in PostgreSQL, Redshift, CockroachDB and Materialize; one statement, no array parameters.
      const names = fields.map((_, i) => `format_type($${2 * i + 1}::oid, $${2 * i + 2}::int4) as t${i}`);
      const values = fields.flatMap((field) => [field.dataTypeID, field.dataTypeModifier === -1 ? null : field.dataTypeModifier]);
      const { rows } = await client.query<Record<string, string>>({ text: `select ${names.join(", ")}`, values });
      return fields.map((field, i) => {
        const type = rows[0]![`t${i}`]!;
        return { name: field.name, type, kind: valueKindOfTypeName(type) };
      });
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.pool.end();
  }
}
