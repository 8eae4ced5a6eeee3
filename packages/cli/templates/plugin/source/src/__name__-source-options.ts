import { defineOptionsSchema } from "@reverse-etl/core";

/**
 * Options of the __Title__ source, written beside `plugin` in a source of the config. Give a `url`, the
 * parts, or both: a part overrides the same part of the URL (e.g. a URL without its password and
 * `password: env("__NAME___PASSWORD")`). One doc comment per option: the schema below is type-checked
 * against this interface, so the two never drift.
 */
export interface __Name__SourceOptions {
  /** Connection string, `postgres://user:password@host:5432/database`; `?sslmode=require` turns on `ssl`. */
  url?: string;
  /** Server host name or address. */
  host?: string;
  /** Server port. Default 5432. */
  port?: number;
  /** Database name. */
  database?: string;
  /** Role to connect as. */
  user?: string;
  /** The role's password. Write `env("...")`. A secret (`secret: true` in the schema): redacted from every output. */
  password?: string;
  /** Encrypt the connection with TLS and verify the server's certificate against Node's trusted CAs. Default false. */
  ssl?: boolean;
  /** Connections the source may open at once, at least 2: one streams a model while another commits state. Default 4. */
  maxConnections?: number;
}

/** Default `maxConnections`. */
export const DEFAULT_MAX_CONNECTIONS = 4;

/**
 * JSON schema of {@link __Name__SourceOptions}. Core validates the user's options with it before `connect`;
 * `defineOptionsSchema` checks it against the interface at compile time: ajv's type asks each optional
 * property for `nullable: true`. No `default` for the parts: one left out falls back to the URL's.
 */
export const __nameCamel__SourceOptionsSchema = defineOptionsSchema<__Name__SourceOptions>({
  type: "object",
  properties: {
    url: { type: "string", pattern: "^postgres(ql)?://", nullable: true, description: "Connection string, postgres://user:password@host:5432/database." },
    host: { type: "string", minLength: 1, nullable: true, description: "Server host name or address." },
    port: { type: "integer", minimum: 1, maximum: 65535, nullable: true, description: "Server port. Default 5432." },
    database: { type: "string", minLength: 1, nullable: true, description: "Database name." },
    user: { type: "string", minLength: 1, nullable: true, description: "Role to connect as." },
    password: { type: "string", nullable: true, secret: true, description: 'The role\'s password; write env("...").' },
    ssl: { type: "boolean", nullable: true, description: "Encrypt with TLS and verify the server's certificate. Default false." },
    maxConnections: { type: "integer", minimum: 2, default: DEFAULT_MAX_CONNECTIONS, nullable: true, description: "Connections open at once." },
  },
  anyOf: [{ required: ["url"] }, { required: ["host"] }],
  additionalProperties: false,
});
