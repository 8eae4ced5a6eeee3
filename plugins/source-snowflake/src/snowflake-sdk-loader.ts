import type * as SnowflakeSdk from "snowflake-sdk";

/** The snowflake-sdk module, as `import("snowflake-sdk")` gives it. */
export type SnowflakeSdkModule = typeof SnowflakeSdk;

let loading: Promise<SnowflakeSdkModule> | undefined;

/**
 * Load snowflake-sdk once, lazily (a config that does not use Snowflake never loads it). Before the first
 * load, turn off what the driver does on import that reverse-etl does not need: its cloud platform detection
 * probes metadata endpoints (169.254.169.254, metadata.google.internal) and AWS STS for telemetry, which
 * stalls or leaves the machine on networks where they do not answer. A value the user set is kept.
 */
export function loadSnowflakeSdk(): Promise<SnowflakeSdkModule> {
  loading ??= (async () => {
    process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION ??= "true";
    process.env.SF_TELEMETRY_DISABLE_CONNECTION_SHAPE ??= "true";
    const mod = (await import("snowflake-sdk")) as SnowflakeSdkModule & { default?: SnowflakeSdkModule };
    const sdk = mod.default ?? mod;
    // The driver logs to snowflake.log in the working directory by default; reverse-etl has its own logs.
    sdk.configure({ logLevel: "OFF" as never, additionalLogToConsole: false });
    return sdk;
  })();
  return loading;
}
