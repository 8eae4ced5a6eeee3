/**
 * The forms in which a secret can leak, each with a name for failure messages (which must not print the
 * secret). Written apart from core's redactor on purpose: the suite checks the redactor, so it does not reuse it.
 */
export interface LeakForm {
  /** What the form is, e.g. `base64 of user:password`. */
  readonly name: string;
  /** The text that must not appear. */
  readonly text: string;
}

function parts(secret: string): Array<{ name: string; text: string }> {
  const found = [{ name: "the value", text: secret }];
  const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^/?#@]*)@/i.exec(secret)?.[1];
  if (userinfo?.includes(":")) {
    const [user, password] = userinfo.split(/:(.*)/s).map((p) => decodeURIComponent(p)) as [string, string];
    found.push({ name: "the URL's password", text: password }, { name: "the URL's user:password", text: `${user}:${password}` });
  }
  const scheme = /^(?:Basic|Bearer|Token)\s+(\S+)$/i.exec(secret);
  if (scheme) found.push({ name: "the Authorization value's credentials", text: scheme[1]! });
  return found;
}

/**
 * Every form of `secret` a request can carry and an answer can echo: the value, a URL's password and
 * `user:password`, an Authorization value's credentials; each raw, percent-encoded, form-encoded, JSON-escaped,
 * and base64 (padded or not, alone or as Basic auth's `value:`).
 */
export function leakForms(secret: string): LeakForm[] {
  const forms: LeakForm[] = [];
  for (const part of parts(secret)) {
    const base64 = (text: string) => Buffer.from(text).toString("base64");
    forms.push(
      { name: part.name, text: part.text },
      { name: `${part.name}, percent-encoded`, text: encodeURIComponent(part.text) },
      { name: `${part.name}, form-encoded`, text: encodeURIComponent(part.text).replace(/%20/g, "+") },
      { name: `${part.name}, JSON-escaped`, text: JSON.stringify(part.text).slice(1, -1) },
      { name: `${part.name}, base64`, text: base64(part.text) },
      { name: `${part.name}, base64 without padding`, text: base64(part.text).replace(/=+$/, "") },
      { name: `Basic auth of ${part.name} as user`, text: base64(`${part.text}:`).replace(/=+$/, "") },
    );
  }
  // A form of 3 characters or fewer would be found in any text by chance.
  return forms.filter((form) => form.text.length >= 4);
}

/** The first form of any of `secrets` found in `text`, by name, or undefined. */
export function leakIn(text: string, secrets: readonly string[]): string | undefined {
  for (const [i, secret] of secrets.entries()) {
    const form = leakForms(secret).find((f) => text.includes(f.text));
    if (form) return `${form.name} of secret #${i + 1}`;
  }
  return undefined;
}
