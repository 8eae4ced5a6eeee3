/**
 * A local emulator of the service a plugin talks to: the `./emulator` export of a plugin package whose
 * service cannot run on a laptop or in CI (HubSpot, Salesforce, Snowflake, a webhook receiver). Tests,
 * examples and users' own CI point the plugin at it; `reverse-etl emulate NAME` runs it.
 *
 * ```ts
 * // src/emulator/index.ts of @reverse-etl/destination-acme, exported as "./emulator"
 * export default defineEmulator({
 *   name: "acme",
 *   options: { token: { type: "string", description: "Token the emulator accepts." } },
 *   async start({ port, host, token }) {
 *     const server = await listen(port, host, token ?? "test-token");
 *     return { url: server.url, options: { baseUrl: server.url, apiKey: token ?? "test-token" }, close: () => server.close() };
 *   },
 * });
 * ```
 */
export interface PluginEmulator {
  readonly kind: "emulator";
  /** Short name, as `reverse-etl emulate NAME` takes it, e.g. `hubspot`. */
  readonly name: string;
  /** One sentence on what it emulates, for `--help`. */
  readonly description?: string;
  /**
   * The emulator's own options, beside `port` and `host` which every emulator takes: `reverse-etl emulate`
   * shows each as a flag (`requestsPer10s` becomes `--requests-per-10s`) and passes the values given.
   */
  readonly options: Readonly<Record<string, EmulatorOption>>;
  /** Start listening. Resolves once the emulator answers requests. */
  start(options: StartEmulatorOptions): Promise<RunningEmulator>;
}

/** One option of an emulator. */
export interface EmulatorOption {
  /** Value type, as the flag parses it. */
  readonly type: "string" | "integer" | "boolean";
  /** What it sets, for `--help`. */
  readonly description: string;
  /** Default, shown in `--help` (the emulator applies it). */
  readonly default?: string | number | boolean;
}

/** What `start` receives: `port` (0 or absent: a free one), `host` (default `127.0.0.1`) and the emulator's own options. */
export interface StartEmulatorOptions {
  readonly port?: number;
  readonly host?: string;
  readonly [option: string]: string | number | boolean | undefined;
}

/** A running emulator. */
export interface RunningEmulator {
  /** Base URL it answers on, e.g. `http://127.0.0.1:43121`. */
  readonly url: string;
  /**
   * The plugin options that point the plugin at this emulator (HubSpot: `{ baseUrl, accessToken }`):
   * spread them into the config's source or destination entry.
   */
  readonly options: Readonly<Record<string, unknown>>;
  /** Stop listening and drop what it holds. Safe to call twice. */
  close(): Promise<void>;
}

/** Declare an emulator; the default export of a plugin package's `./emulator` entry. */
export function defineEmulator(emulator: Omit<PluginEmulator, "kind">): PluginEmulator {
  return { ...emulator, kind: "emulator" };
}

/** Whether a module's default export is an emulator made with `defineEmulator`. */
export function isPluginEmulator(value: unknown): value is PluginEmulator {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { kind?: unknown }).kind === "emulator" &&
    typeof (value as { start?: unknown }).start === "function" &&
    typeof (value as { name?: unknown }).name === "string"
  );
}
