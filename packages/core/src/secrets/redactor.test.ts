import { describe, expect, it } from "vitest";
import { SecretRedactor } from "./redactor.js";

const PASSWORD = "pa ss/w:rd+42";
const HOOK_URL = `https://svc:${encodeURIComponent(PASSWORD)}@hooks.example.com/in?x=1`;
const basic = (userinfo: string) => Buffer.from(userinfo).toString("base64");

function redactorOf(...values: string[]): SecretRedactor {
  const r = new SecretRedactor();
  for (const value of values) r.add(value);
  return r;
}

describe("SecretRedactor", () => {
  it("replaces registered secrets in text and nested values", () => {
    const r = redactorOf("s3cr3t/tok");
    expect(r.redact("token=s3cr3t/tok")).toBe("token=***");
    expect(r.redactValue({ a: ["s3cr3t/tok"] })).toEqual({ a: ["***"] });
  });

  it("ignores values shorter than 4 characters", () => {
    expect(redactorOf("abc").redact("abc abcd")).toBe("abc abcd");
  });

  it("masks the password of a secret URL alone, decoded and as the URL writes it", () => {
    const r = redactorOf(HOOK_URL);
    expect(r.redact(`password was ${PASSWORD}`)).toBe("password was ***");
    expect(r.redact(`in the url: ${encodeURIComponent(PASSWORD)}`)).toBe("in the url: ***");
  });

  it("masks user:password of a secret URL and its base64, with and without padding, and the Basic header", () => {
    const r = redactorOf(HOOK_URL);
    const encoded = basic(`svc:${PASSWORD}`);
    expect(r.redact(`userinfo svc:${PASSWORD}`)).toBe("userinfo ***");
    expect(r.redact(`authorization: Basic ${encoded}`)).toBe("authorization: Basic ***");
    expect(r.redact(`unpadded ${encoded.replace(/=+$/, "")}!`)).toBe("unpadded ***!");
    expect(r.redact(`url-safe ${Buffer.from(`svc:${PASSWORD}`).toString("base64url")}`)).toBe("url-safe ***");
  });

  it("masks a secret inside the base64 of a longer text, whatever precedes it (Basic auth of an unknown user)", () => {
    const r = redactorOf("tok-9f8e7d6c5b");
    for (const user of ["", "a", "ab", "abc", "segment-user"]) {
      const header = `Basic ${basic(`${user}:tok-9f8e7d6c5b`)}`;
      const redacted = r.redact(header);
      expect(redacted, header).toContain("***");
      // What is left besides the mask cannot decode to the secret.
      expect(Buffer.from(redacted.replace("Basic ", "").replace("***", ""), "base64").toString()).not.toContain("tok-9f8e7d6c5b");
    }
  });

  it("masks percent-encoded and form-encoded forms", () => {
    const r = redactorOf("s3cr3t tok/+=&é");
    expect(r.redact(`q=${encodeURIComponent("s3cr3t tok/+=&é")}`)).toBe("q=***");
    expect(r.redact(`q=${encodeURIComponent("s3cr3t tok/+=&é").replace(/%20/g, "+")}`)).toBe("q=***");
    expect(r.redact(new URLSearchParams({ q: "s3cr3t tok/+=&é" }).toString())).toBe("q=***");
  });

  it("masks a JSON-escaped secret inside a JSON document", () => {
    const r = redactorOf('key"with\\quote');
    expect(r.redact(JSON.stringify({ echoed: 'key"with\\quote' }))).toBe('{"echoed":"***"}');
  });

  it("masks the token of a secret Authorization value alone, and the parts of a Basic one", () => {
    const r = redactorOf("Bearer eyJhbGciOi.tok.sig");
    expect(r.redact("Authorization: Bearer eyJhbGciOi.tok.sig")).toBe("Authorization: ***");
    expect(r.redact("token eyJhbGciOi.tok.sig")).toBe("token ***");
    const b = redactorOf(`Basic ${basic("api:k3y-v4lue")}`);
    expect(b.redact("pass k3y-v4lue, pair api:k3y-v4lue")).toBe("pass ***, pair ***");
    expect(b.redact(`echo ${basic("api:k3y-v4lue")}`)).toBe("echo ***");
  });

  it("masks a token written as a URL's user and a password in a URL's query", () => {
    const r = redactorOf("https://ghp_tok3nvalue@example.com/repo", "postgres://db.example.com/app?sslmode=require&password=qu3ry-pw");
    expect(r.redact("user ghp_tok3nvalue")).toBe("user ***");
    expect(r.redact("password qu3ry-pw")).toBe("password ***");
  });
});
