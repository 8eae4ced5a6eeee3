import type { JsonSchema } from "@reverse-etl/core";

/** libpq's `sslmode` values (`allow` is not offered: it never makes a connection safer). */
export type PostgresSslMode = "disable" | "prefer" | "require" | "verify-ca" | "verify-full";

/**
 * Options of `@reverse-etl/source-postgres`, written beside `plugin` in a source of the config. Give a
 * `url`, the fields, or both: a field overrides the same part of the URL (e.g. a URL without its password
 * and `password: env("PGPASSWORD")`). Parts given nowhere fall back to libpq's `PG*` environment variables.
 */
export interface PostgresSourceOptions {
  /** Connection string, `postgres://user:password@host:5432/database?sslmode=require`. */
  url?: string;
  /** Server host name or address, or a directory holding its Unix socket. */
  host?: string;
  /** Server port. Default 5432. */
  port?: number;
  /** Database name. */
  database?: string;
  /** Role to connect as. */
  user?: string;
  /** The role's password. Use `env("...")`: it is redacted from every output. */
  password?: string;
  /**
   * SSL, as libpq's `sslmode`: `disable`; `prefer` (SSL when the server offers it, unverified; the
   * default); `require` (SSL, unverified, unless `sslRootCert` is given: then as `verify-ca`);
   * `verify-ca` (SSL, certificate signed by a trusted CA); `verify-full` (and issued for the host name).
   * Overrides a `sslmode` in `url`.
   */
  sslmode?: PostgresSslMode;
  /** CA certificate file (PEM) that verifies the server, relative to the config file's directory. Default: Node's trusted CAs. */
  sslRootCert?: string;
  /** Server-side timeout of every statement, in milliseconds (`statement_timeout`). Default: the server's. */
  statementTimeoutMs?: number;
  /** `application_name` the server shows in `pg_stat_activity`. Default `reverse-etl`. */
  applicationName?: string;
  /** Connections the source may open at once, at least 2 (one streams rows while another commits state). Default 4. */
  maxConnections?: number;
}

/** JSON schema of `PostgresSourceOptions`. */
export const postgresSourceOptionsSchema: JsonSchema = {
  type: "object",
  properties: {
    url: {
      type: "string",
      pattern: "^postgres(ql)?://",
      description: "Connection string, postgres://user:password@host:5432/database.",
    },
    host: { type: "string", minLength: 1, description: "Server host name or address, or a Unix socket directory." },
    port: { type: "integer", minimum: 1, maximum: 65535, description: "Server port. Default 5432." },
    database: { type: "string", minLength: 1, description: "Database name." },
    user: { type: "string", minLength: 1, description: "Role to connect as." },
    password: { type: "string", description: "The role's password; use env(\"...\")." },
    sslmode: {
      enum: ["disable", "prefer", "require", "verify-ca", "verify-full"],
      description: "SSL as libpq's sslmode. Default prefer.",
    },
    sslRootCert: { type: "string", minLength: 1, description: "CA certificate file (PEM), relative to the config file's directory." },
    statementTimeoutMs: { type: "integer", minimum: 0, description: "statement_timeout in milliseconds." },
    applicationName: { type: "string", description: "application_name shown by the server. Default reverse-etl." },
    maxConnections: { type: "integer", minimum: 2, description: "Connections the source may open at once. Default 4." },
  },
  anyOf: [{ required: ["url"] }, { required: ["host"] }, { required: ["database"] }],
  additionalProperties: false,
};
