import type { EnvReference, ReverseEtlConfig } from "./types.js";

/** Identity function that gives editors autocompletion and type checking for a config. */
export function defineConfig(config: ReverseEtlConfig): ReverseEtlConfig {
  return config;
}

/**
 * A secret or setting read from the environment when the config is loaded. Loading fails, naming the
 * variable and where it is used, when the variable is unset. The value is redacted from all output.
 */
export function env(name: string): string {
  // The reference object stands in for the string until the loader resolves it; typing it as a string
  // lets it sit in any string-typed plugin option.
  const ref: EnvReference = { $env: name };
  return ref as unknown as string;
}

/** True when a value is an unresolved `env()` reference. */
export function isEnvReference(value: unknown): value is EnvReference {
  return (
    typeof value === "object" &&
    value !== null &&
    Object.keys(value).length === 1 &&
    typeof (value as EnvReference).$env === "string"
  );
}
