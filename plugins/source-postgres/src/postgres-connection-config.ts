import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import type { ConnectionOptions } from "node:tls";
import type { ClientConfig } from "pg";
import type { PostgresSourceOptions, PostgresSslMode } from "./postgres-source-options.js";

const SSL_MODES: readonly string[] = ["disable", "prefer", "require", "verify-ca", "verify-full"];

/** What `pg` needs to connect, and how to name the target in messages (never with its password). */
export interface PostgresConnectionConfig {
  /** `pg` client settings, SSL included. */
  client: ClientConfig;
  /** The effective sslmode. */
  sslmode: PostgresSslMode;
  /** `host:port/database as user`, for messages. */
  target: string;
  /** The password, to keep out of messages; empty when none. */
  password: string;
}

/** The parts of a `postgres://` URL that map to connection settings. */
interface UrlParts {
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  sslmode?: string;
  sslrootcert?: string;
  applicationName?: string;
  connectTimeoutSeconds?: number;
  options?: string;
}

/**
 * Parse a connection string without ever echoing it: a malformed URL is reported without its text,
 * which may hold a password.
 */
export function parsePostgresUrl(url: string): UrlParts {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error("[reverse-etl] [postgres] `url` is not a valid connection string: expected postgres://user:password@host:5432/database");
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new Error("[reverse-etl] [postgres] `url` must start with postgres:// or postgresql://");
  }
  const params = parsed.searchParams;
  const decode = (value: string) => (value === "" ? undefined : decodeURIComponent(value));
  const hostname = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  const timeout = params.get("connect_timeout");
  return dropUndefined({
    host: params.get("host") ?? decode(hostname),
    port: parsed.port ? Number(parsed.port) : params.get("port") ? Number(params.get("port")) : undefined,
    database: params.get("dbname") ?? decode(parsed.pathname.replace(/^\//, "")),
    user: params.get("user") ?? decode(parsed.username),
    password: params.get("password") ?? decode(parsed.password),
    sslmode: params.get("sslmode") ?? undefined,
    sslrootcert: params.get("sslrootcert") ?? undefined,
    applicationName: params.get("application_name") ?? undefined,
    connectTimeoutSeconds: timeout ? Number(timeout) : undefined,
    options: params.get("options") ?? undefined,
  });
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * `pg`'s `ssl` setting for a libpq `sslmode`. `prefer` is first tried as `require`; the caller falls back
 * to no SSL when the server refuses it, as libpq does.
 */
export function sslForMode(mode: PostgresSslMode, ca: string | undefined): false | ConnectionOptions {
  switch (mode) {
    case "disable":
      return false;
    case "prefer":
      return { rejectUnauthorized: false };
    case "require":
      // libpq: with a root certificate, `require` verifies the CA like `verify-ca`.
      return ca === undefined ? { rejectUnauthorized: false } : sslForMode("verify-ca", ca);
    case "verify-ca":
      // The chain must lead to a trusted CA; the name on the certificate is not checked.
      return { rejectUnauthorized: true, ...(ca === undefined ? {} : { ca }), checkServerIdentity: () => undefined };
    case "verify-full":
      return { rejectUnauthorized: true, ...(ca === undefined ? {} : { ca }) };
  }
}

/** Settings of a pool or client for these options; relative files resolve against `configDir`. */
export function postgresConnectionConfig(options: PostgresSourceOptions, configDir: string): PostgresConnectionConfig {
  const fromUrl = options.url ? parsePostgresUrl(options.url) : {};
  const modeText = options.sslmode ?? fromUrl.sslmode ?? process.env.PGSSLMODE ?? "prefer";
  if (!SSL_MODES.includes(modeText)) {
    throw new Error(
      `[reverse-etl] [postgres] sslmode "${modeText}" is not supported: use one of ${SSL_MODES.join(", ")}`,
    );
  }
  const sslmode = modeText as PostgresSslMode;
  const rootCert = options.sslRootCert ?? fromUrl.sslrootcert;
  let ca: string | undefined;
  if (rootCert !== undefined) {
    const path = isAbsolute(rootCert) ? rootCert : resolve(configDir, rootCert);
    try {
      ca = readFileSync(path, "utf8");
    } catch (error) {
      throw new Error(
        `[reverse-etl] [postgres] cannot read the CA certificate sslRootCert ${path}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  const host = options.host ?? fromUrl.host ?? process.env.PGHOST ?? "localhost";
  const port = options.port ?? fromUrl.port ?? (process.env.PGPORT ? Number(process.env.PGPORT) : 5432);
  const user = options.user ?? fromUrl.user ?? process.env.PGUSER;
  const database = options.database ?? fromUrl.database ?? process.env.PGDATABASE ?? user;
  const password = options.password ?? fromUrl.password ?? process.env.PGPASSWORD;
  const client: ClientConfig = dropUndefined({
    host,
    port,
    user,
    database,
    password,
    ssl: sslForMode(sslmode, ca),
    application_name: options.applicationName ?? fromUrl.applicationName ?? "reverse-etl",
    statement_timeout: options.statementTimeoutMs,
    options: fromUrl.options,
    connectionTimeoutMillis: (fromUrl.connectTimeoutSeconds ?? 30) * 1000,
  });
  const target = `${host}:${port}/${database ?? "(default database)"}${user ? ` as ${user}` : ""}`;
  return { client, sslmode, target, password: password ?? "" };
}
