import { createPrivateKey, createSign } from "node:crypto";
import type { SalesforceDestinationOptions } from "./salesforce-destination-options.js";
import { SALESFORCE_LOGIN_URL } from "./salesforce-destination-options.js";

/**
 * The four ways the plugin signs in, and the token requests of the three OAuth flows. Sources:
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_refresh_token_flow.htm,
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_client_credentials_flow.htm (sent to the
 * My Domain URL), https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm (RS256 JWT
 * with iss = consumer key, sub = username, aud = login host, exp within 3 minutes).
 */

/** How the plugin authenticates, resolved from its options. */
export type AuthMethod =
  | { readonly kind: "access-token"; readonly accessToken: string; readonly instanceUrl: string }
  | { readonly kind: "refresh-token"; readonly clientId: string; readonly clientSecret: string; readonly refreshToken: string; readonly tokenUrl: string }
  | { readonly kind: "client-credentials"; readonly clientId: string; readonly clientSecret: string; readonly tokenUrl: string }
  | { readonly kind: "jwt"; readonly clientId: string; readonly username: string; readonly privateKey: string; readonly tokenUrl: string; readonly audience: string };

/** What the user calls each method, in messages. */
export const AUTH_METHOD_NAMES: Record<AuthMethod["kind"], string> = {
  "access-token": "access token",
  "refresh-token": "refresh token (clientId, clientSecret, refreshToken)",
  "client-credentials": "client credentials (clientId, clientSecret)",
  jwt: "JWT bearer (clientId, username, privateKey)",
};

const SECRET_OPTIONS = ["accessToken", "clientSecret", "refreshToken", "privateKey"] as const;

/** The options' secrets, to register with the redactor. */
export function secretsOf(options: SalesforceDestinationOptions): string[] {
  return SECRET_OPTIONS.map((name) => options[name]).filter((v): v is string => typeof v === "string");
}

/**
 * The one authentication method the options give, or a message saying what is missing or ambiguous.
 * URLs are checked here too: a token sent to a wrong host would leak it.
 */
export function authMethodOf(options: SalesforceDestinationOptions): AuthMethod | { readonly problem: string } {
  const loginUrl = trimUrl(options.loginUrl ?? SALESFORCE_LOGIN_URL);
  const instanceUrl = options.instanceUrl === undefined ? undefined : trimUrl(options.instanceUrl);
  for (const [name, value] of [["loginUrl", loginUrl], ["instanceUrl", instanceUrl]] as const) {
    if (value !== undefined && !isHttpUrl(value)) return { problem: `${name} is not an http(s) URL` };
  }
  const given = (["accessToken", "clientId", "clientSecret", "refreshToken", "username", "privateKey"] as const).filter((k) => options[k] !== undefined);
  const exactly = (...names: string[]) => given.length === names.length && names.every((n) => given.includes(n as (typeof given)[number]));
  if (exactly("accessToken")) {
    if (!instanceUrl) return { problem: "accessToken needs instanceUrl (the org's My Domain URL, e.g. https://acme.my.salesforce.com)" };
    return { kind: "access-token", accessToken: options.accessToken!, instanceUrl };
  }
  if (exactly("clientId", "clientSecret", "refreshToken")) {
    return { kind: "refresh-token", clientId: options.clientId!, clientSecret: options.clientSecret!, refreshToken: options.refreshToken!, tokenUrl: loginUrl };
  }
  if (exactly("clientId", "clientSecret")) {
    // The client-credentials flow is served by the org's My Domain only, not by the shared login hosts.
    const host = instanceUrl ?? loginUrl;
    if (isSharedLoginHost(host)) return { problem: "the client-credentials flow needs the org's My Domain URL: set instanceUrl (e.g. https://acme.my.salesforce.com)" };
    return { kind: "client-credentials", clientId: options.clientId!, clientSecret: options.clientSecret!, tokenUrl: host };
  }
  if (exactly("clientId", "username", "privateKey")) {
    return { kind: "jwt", clientId: options.clientId!, username: options.username!, privateKey: options.privateKey!.replace(/\\n/g, "\n"), tokenUrl: loginUrl, audience: loginUrl };
  }
  return {
    problem:
      `set exactly one way to authenticate: accessToken (with instanceUrl); clientId + clientSecret + refreshToken; clientId + clientSecret (client credentials); ` +
      `or clientId + username + privateKey (JWT bearer). Given: ${given.length > 0 ? given.join(", ") : "none"}`,
  };
}

/** A signed JWT bearer assertion, valid for 3 minutes (Salesforce's maximum). */
export function jwtAssertion(method: Extract<AuthMethod, { kind: "jwt" }>, now = Date.now()): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const input = `${encode({ alg: "RS256", typ: "JWT" })}.${encode({ iss: method.clientId, sub: method.username, aud: method.audience, exp: Math.floor(now / 1000) + 180 })}`;
  const key = createPrivateKey(method.privateKey);
  return `${input}.${createSign("RSA-SHA256").update(input).sign(key).toString("base64url")}`;
}

/** Whether `privateKey` reads as a private key (checked before any request, so the message can say so). */
export function privateKeyProblem(privateKey: string): string | undefined {
  try {
    createPrivateKey(privateKey.replace(/\\n/g, "\n"));
    return undefined;
  } catch {
    return "privateKey is not a PEM private key (-----BEGIN PRIVATE KEY----- ...)";
  }
}

function trimUrl(url: string): string {
  return url.trim().replace(/\/+$/, "");
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

function isSharedLoginHost(url: string): boolean {
  return /^https:\/\/(login|test)\.salesforce\.com$/i.test(url);
}
