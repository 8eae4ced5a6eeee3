import { authorizationCredentials, urlCredentials } from "./credential-parts.js";

/** Forms shorter than this are not masked: they would scrub ordinary text. */
export const MIN_SECRET_LENGTH = 4;
/** A base64 run shorter than this, cut out of a longer encoding, is too short to mask without noise. */
const MIN_BASE64_RUN = 6;

/**
 * The base64 text that encodes `value` wherever it sits inside an encoded string. Basic auth encodes
 * `user:password`, Segment encodes `writeKey:`, and the secret's offset in the encoded bytes decides how its
 * bits fall on base64 characters. For each of the three offsets this keeps the characters that depend only
 * on the secret's bytes, so `Basic base64(anyone:SECRET)` is masked without knowing the user. The whole
 * encoding, with and without padding, and its URL-safe alphabet come too.
 */
export function base64Forms(value: string): string[] {
  const bytes = Buffer.from(value, "utf8");
  const forms = [bytes.toString("base64"), bytes.toString("base64url")];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString("base64").replace(/=+$/, "");
    // Character i covers bits [6i, 6i + 6): keep those inside the secret's bits [8 * offset, 8 * (offset + n)).
    const run = encoded.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6));
    if (run.length >= MIN_BASE64_RUN) forms.push(run, run.replace(/\+/g, "-").replace(/\//g, "_"));
  }
  return forms;
}

/** `value` as the encodings of a request carry it: URL components, HTML form bodies, JSON strings. */
export function textEncodings(value: string): string[] {
  const component = encodeURIComponent(value);
  return [
    value,
    component,
    component.replace(/%20/g, "+"),
    new URLSearchParams({ v: value }).toString().slice(2),
    encodeURI(value),
    JSON.stringify(value).slice(1, -1),
  ];
}

/**
 * Every form in which a request, an answer echoing it, or a message can carry the secret `value`: the value
 * and its parts (a URL's password and `user:password`; an `Authorization` value's token, and for Basic auth
 * the decoded `user:password`), each raw, percent-encoded, form-encoded, JSON-escaped and in base64.
 * Longest first, so a longer form is masked before a shorter one inside it.
 */
export function secretForms(value: string): string[] {
  const parts = new Set([value, ...urlCredentials(value), ...authorizationCredentials(value)]);
  for (const part of [...parts]) for (const inner of authorizationCredentials(part)) parts.add(inner);
  const forms = new Set<string>();
  for (const part of parts) {
    if (part.length < MIN_SECRET_LENGTH) continue;
    for (const form of [...textEncodings(part), ...base64Forms(part)]) {
      if (form.length >= MIN_SECRET_LENGTH) forms.add(form);
    }
  }
  return [...forms].sort((a, b) => b.length - a.length);
}
