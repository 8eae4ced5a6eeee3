import { MIN_SECRET_LENGTH, secretForms } from "./secret-forms.js";

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Keeps the values of secrets (everything read through `env()`, the options a plugin's schema marks
 * `secret: true`, and the credentials of URLs in the config) and scrubs them from any text before it is
 * printed, logged, or stored: in every form a request can carry them (see `secretForms`), so an answer that
 * echoes a request's `Authorization: Basic ...` header is scrubbed too. One process-wide instance: secrets
 * are registered when a config loads.
 */
export class SecretRedactor {
  readonly #secrets = new Set<string>();
  readonly #forms = new Set<string>();
  #pattern: RegExp | undefined;

  /** Remember a value as secret. Values shorter than 4 characters are ignored (they would scrub noise). */
  add(value: string): void {
    if (value.length < MIN_SECRET_LENGTH || this.#secrets.has(value)) return;
    this.#secrets.add(value);
    for (const form of secretForms(value)) this.#forms.add(form);
    this.#pattern = undefined;
  }

  /** Replace every form of every registered secret in `text` by `***`. */
  redact(text: string): string {
    if (this.#forms.size === 0) return text;
    // One alternation, longest forms first: a form inside a longer one never leaves the longer one's rest.
    this.#pattern ??= new RegExp([...this.#forms].sort((a, b) => b.length - a.length).map(escapeRegExp).join("|"), "g");
    return text.replace(this.#pattern, "***");
  }

  /** Redact every string inside a JSON-like value, returning a copy. */
  redactValue<T>(value: T): T {
    if (this.#forms.size === 0 || value === undefined) return value;
    return JSON.parse(this.redact(JSON.stringify(value))) as T;
  }

  /** Forget every secret (tests). */
  clear(): void {
    this.#secrets.clear();
    this.#forms.clear();
    this.#pattern = undefined;
  }
}

/** The process-wide redactor used by core, the CLI and plugin loggers. */
export const secrets = new SecretRedactor();
