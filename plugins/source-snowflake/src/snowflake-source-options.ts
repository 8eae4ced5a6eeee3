import type { JsonSchema } from "@reverse-etl/core";
import type { JSONSchemaType } from "ajv";

/**
 * Options of `@reverse-etl/source-snowflake`, written beside `plugin` in a source of the config.
 * Authenticate with exactly one of `password`, a key pair (`privateKey` or `privateKeyPath`, with
 * `privateKeyPassphrase` when the key is encrypted) or an OAuth `token`. Put secrets in `env("...")`:
 * they are redacted from every output.
 */
export interface SnowflakeSourceOptions {
  /** Account identifier, e.g. `myorg-myaccount` (or the legacy `xy12345.eu-central-1`). */
  account: string;
  /** Login name of the user reverse-etl connects as. */
  username: string;
  /** The user's password. */
  password?: string;
  /** Private key (PEM) for key-pair authentication; the driver signs a JWT with it at each login. */
  privateKey?: string;
  /** File holding the private key (PEM), relative to the config file's directory. */
  privateKeyPath?: string;
  /** Passphrase of an encrypted private key. */
  privateKeyPassphrase?: string;
  /** OAuth access token. */
  token?: string;
  /** Virtual warehouse that runs the queries. Default: the user's default warehouse. */
  warehouse?: string;
  /** Database of the models and of the state schema. */
  database: string;
  /** Schema that unqualified names in models resolve in. Default `PUBLIC`. */
  schema?: string;
  /** Role to use. Default: the user's default role. */
  role?: string;
  /**
   * Full URL of the account, e.g. `https://myorg-myaccount.snowflakecomputing.com`, or the emulator's
   * (`reverse-etl emulate snowflake` prints it). Default: built from `account`.
   */
  accessUrl?: string;
  /** Host name, when the account is reached at another address than its default one (PrivateLink). */
  host?: string;
  /** Port of `host`. */
  port?: number;
  /** `https` (default) or `http` (only for a local emulator). */
  protocol?: "https" | "http";
  /**
   * QUERY_TAG of every statement, followed by the sync and the run it belongs to
   * (`reverse-etl sync=customers run=20261129t...`), so `QUERY_HISTORY` shows what a run cost. Default `reverse-etl`.
   */
  queryTag?: string;
  /** Sessions the source may open at once, at least 2 (one streams rows while another commits state). Default 4. */
  maxConnections?: number;
  /** STATEMENT_TIMEOUT_IN_SECONDS of reverse-etl's sessions. Default: the account's or the warehouse's. */
  statementTimeoutSeconds?: number;
}

/** JSON schema of `SnowflakeSourceOptions`, checked against the interface by TypeScript (ajv's JSONSchemaType). */
const schema: JSONSchemaType<SnowflakeSourceOptions> = {
  type: "object",
  properties: {
    account: { type: "string", minLength: 1, description: "Account identifier, e.g. myorg-myaccount." },
    username: { type: "string", minLength: 1, description: "Login name." },
    password: { type: "string", nullable: true, secret: true, description: "Password; use env(\"...\")." },
    privateKey: { type: "string", nullable: true, secret: true, description: "Private key (PEM) for key-pair authentication; use env(\"...\")." },
    privateKeyPath: { type: "string", nullable: true, minLength: 1, description: "Private key file (PEM), relative to the config file's directory." },
    privateKeyPassphrase: { type: "string", nullable: true, secret: true, description: "Passphrase of an encrypted private key; use env(\"...\")." },
    token: { type: "string", nullable: true, secret: true, description: "OAuth access token; use env(\"...\")." },
    warehouse: { type: "string", nullable: true, minLength: 1, description: "Virtual warehouse. Default: the user's default." },
    database: { type: "string", minLength: 1, description: "Database of the models and of the state schema." },
    schema: { type: "string", nullable: true, minLength: 1, description: "Schema for unqualified names. Default PUBLIC." },
    role: { type: "string", nullable: true, minLength: 1, description: "Role. Default: the user's default." },
    accessUrl: { type: "string", nullable: true, pattern: "^https?://", description: "Full URL of the account or of an emulator." },
    host: { type: "string", nullable: true, minLength: 1, description: "Host name of the account." },
    port: { type: "integer", nullable: true, minimum: 1, maximum: 65535, description: "Port of host." },
    protocol: { type: "string", nullable: true, enum: ["https", "http"], description: "https (default) or http (local emulator only)." },
    queryTag: { type: "string", nullable: true, maxLength: 1500, description: "QUERY_TAG prefix of every statement. Default reverse-etl." },
    maxConnections: { type: "integer", nullable: true, minimum: 2, maximum: 64, description: "Sessions open at once. Default 4." },
    statementTimeoutSeconds: { type: "integer", nullable: true, minimum: 0, description: "STATEMENT_TIMEOUT_IN_SECONDS of the sessions." },
  },
  required: ["account", "username", "database"],
  additionalProperties: false,
};

export const snowflakeSourceOptionsSchema: JsonSchema = schema as unknown as JsonSchema;
