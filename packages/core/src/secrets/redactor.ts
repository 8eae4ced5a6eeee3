/**
 * Keeps the values of secrets (everything read through `env()`) and scrubs them from any text before it
 * is printed, logged, or stored. One process-wide instance: secrets are registered when a config loads.
 */
export class SecretRedactor {
  readonly #secrets = new Set<string>();

  /** Remember a value as secret. Values shorter than 4 characters are ignored (they would scrub noise). */
  add(value: string): void {
    if (value.length >= 4) this.#secrets.add(value);
  }

  /** Replace every registered secret in `text` by `***`. */
  redact(text: string): string {
    let out = text;
    for (const secret of this.#secrets) {
      if (out.includes(secret)) out = out.split(secret).join("***");
      const encoded = encodeURIComponent(secret);
      if (encoded !== secret && out.includes(encoded)) out = out.split(encoded).join("***");
    }
    return out;
  }

  /** Redact every string inside a JSON-like value, returning a copy. */
  redactValue<T>(value: T): T {
    if (this.#secrets.size === 0) return value;
    return JSON.parse(this.redact(JSON.stringify(value))) as T;
  }

  /** Forget every secret (tests). */
  clear(): void {
    this.#secrets.clear();
  }
}

/** The process-wide redactor used by core, the CLI and plugin loggers. */
export const secrets = new SecretRedactor();
