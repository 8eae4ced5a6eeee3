import { defineOptionsSchema } from "@reverse-etl/core";

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
  /**
   * Server settings for every session reverse-etl opens, merged over `DEFAULT_SESSION_SETTINGS`
   * (`jit: "off"`, cheaper parallel query, `work_mem: "64MB"`, chosen for the diff: one large join and
   * aggregate per sync). Set one to `null` to keep the server's own value.
   * Example: `{ work_mem: "256MB", max_parallel_workers_per_gather: 4 }`.
   */
  sessionSettings?: Record<string, string | number | boolean | null>;
}

/**
 * Session settings applied unless `sessionSettings` says otherwise. The diff is one hash join of the model
 * with the state and a small aggregate, over millions of rows:
 * - `jit: "off"`: compiling such a plan costs more than it saves (measured in bench/);
 * - `parallel_setup_cost`, `parallel_tuple_cost`: the planner cannot know that the diff's aggregate has a
 *   handful of groups, so at the default costs it runs the join on one core;
 * - `work_mem`: the state's hash table of a million rows takes about 80 MB; at the server's default 4 MB
 *   it spills to disk in batches. At ten million rows (~790 MB of hash) 64MB spills in 8 batches, and more
 *   does not pay: with `work_mem: "256MB"` the hash stays in memory (a parallel hash may use `work_mem` x
 *   `hash_mem_multiplier` per process, leader and workers) yet the plan's count took 18.5-26.8 s against
 *   13.8-21.2 s spilling, and the snapshot 12.4-12.8 s against 13.1-13.3 s (bench/README.md, issue 14).
 */
export const DEFAULT_SESSION_SETTINGS: Readonly<Record<string, string>> = {
  jit: "off",
  parallel_setup_cost: "10",
  parallel_tuple_cost: "0.001",
  work_mem: "64MB",
};

/**
 * JSON schema of `PostgresSourceOptions`, type-checked against it. No `default`s: a part left out falls back
 * to the same part of `url`, then to libpq's `PG*` variables, which a schema default would shadow;
 * `connectPostgresSource` applies the rest.
 */
export const postgresSourceOptionsSchema = defineOptionsSchema<PostgresSourceOptions>({
  type: "object",
  properties: {
    url: {
      type: "string",
      pattern: "^postgres(ql)?://",
      nullable: true,
      description: "Connection string, postgres://user:password@host:5432/database.",
    },
    host: { type: "string", minLength: 1, nullable: true, description: "Server host name or address, or a Unix socket directory." },
    port: { type: "integer", minimum: 1, maximum: 65535, nullable: true, description: "Server port. Default 5432." },
    database: { type: "string", minLength: 1, nullable: true, description: "Database name." },
    user: { type: "string", minLength: 1, nullable: true, description: "Role to connect as." },
    password: { type: "string", nullable: true, secret: true, description: "The role's password; use env(\"...\")." },
    sslmode: {
      type: "string",
      enum: ["disable", "prefer", "require", "verify-ca", "verify-full"],
      nullable: true,
      description: "SSL as libpq's sslmode. Default prefer.",
    },
    sslRootCert: { type: "string", minLength: 1, nullable: true, description: "CA certificate file (PEM), relative to the config file's directory." },
    statementTimeoutMs: { type: "integer", minimum: 0, nullable: true, description: "statement_timeout in milliseconds." },
    applicationName: { type: "string", nullable: true, description: "application_name shown by the server. Default reverse-etl." },
    maxConnections: { type: "integer", minimum: 2, nullable: true, description: "Connections the source may open at once. Default 4." },
    sessionSettings: {
      type: "object",
      nullable: true,
      description: "Server settings for every session, over the defaults jit off, cheaper parallel query, work_mem 64MB; null keeps the server's.",
      propertyNames: { pattern: "^[A-Za-z_][A-Za-z0-9_.]*$" },
      // A setting's value may be null (keep the server's own): `nullable` on a value, unlike on an option, stays.
      additionalProperties: { type: ["string", "number", "boolean"], nullable: true },
      required: [],
    },
  },
  anyOf: [{ required: ["url"] }, { required: ["host"] }, { required: ["database"] }],
  additionalProperties: false,
});
