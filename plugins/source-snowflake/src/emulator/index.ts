// The `./emulator` entry of @reverse-etl/source-snowflake: a local Snowflake for tests, examples and CI.
import { defineEmulator } from "@reverse-etl/core";
import { SnowflakeEmulator, type SnowflakeEmulatorOptions } from "./snowflake-emulator.js";

export { SnowflakeEmulator } from "./snowflake-emulator.js";
export type { QueryHistoryEntry, SnowflakeEmulatorOptions } from "./snowflake-emulator.js";
export type { EmulatorUser } from "./emulator-auth.js";

/** A running emulator with the plugin options that point `@reverse-etl/source-snowflake` at it. */
export interface RunningSnowflakeEmulator {
  readonly url: string;
  readonly options: {
    readonly account: string;
    readonly username: string;
    readonly password: string;
    readonly database: string;
    readonly schema: string;
    readonly warehouse: string;
    readonly accessUrl: string;
  };
  readonly emulator: SnowflakeEmulator;
  close(): Promise<void>;
}

/** Start a Snowflake emulator with one user (`username`/`password`, default `emulator`/`emulator-secret`). */
export async function startSnowflakeEmulator(
  options: SnowflakeEmulatorOptions & { username?: string; password?: string } = {},
): Promise<RunningSnowflakeEmulator> {
  const username = options.username ?? "emulator";
  const password = options.password ?? "emulator-secret";
  const emulator = await SnowflakeEmulator.start({
    ...options,
    users: options.users ?? [{ name: username.toUpperCase(), password, role: "ACCOUNTADMIN" }],
  });
  return {
    url: emulator.url,
    emulator,
    options: {
      account: emulator.options.account,
      username,
      password,
      database: emulator.options.database,
      schema: "PUBLIC",
      warehouse: emulator.options.warehouse,
      accessUrl: emulator.url,
    },
    close: () => emulator.close(),
  };
}

/** `reverse-etl emulate snowflake`. */
export default defineEmulator({
  name: "snowflake",
  description: "A Snowflake account on loopback that snowflake-sdk talks to (login, queries, result chunks, token renewal), running Snowflake SQL on an in-process DuckDB.",
  options: {
    account: { type: "string", description: "Account name.", default: "emulator" },
    username: { type: "string", description: "The user that may log in.", default: "emulator" },
    password: { type: "string", description: "That user's password.", default: "emulator-secret" },
    database: { type: "string", description: "The account's database (with schema PUBLIC).", default: "DEV" },
    warehouse: { type: "string", description: "The account's warehouse.", default: "COMPUTE_WH" },
  },
  async start(options) {
    const str = (name: string) => (typeof options[name] === "string" ? (options[name] as string) : undefined);
    const running = await startSnowflakeEmulator({
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.host !== undefined ? { host: options.host } : {}),
      ...(str("account") ? { account: str("account") } : {}),
      ...(str("username") ? { username: str("username") } : {}),
      ...(str("password") ? { password: str("password") } : {}),
      ...(str("database") ? { database: str("database") } : {}),
      ...(str("warehouse") ? { warehouse: str("warehouse") } : {}),
    });
    return { url: running.url, options: running.options, close: running.close };
  },
});
