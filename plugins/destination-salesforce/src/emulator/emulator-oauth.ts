import { createHmac, createPublicKey, createVerify, randomBytes, timingSafeEqual } from "node:crypto";
import type { EmulatorResponse } from "./emulator-errors.js";

/**
 * The OAuth 2.0 token endpoint (`POST /services/oauth2/token`) for the flows a server-to-server
 * integration uses, the sessions it issues, identity and revocation. Sources:
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_refresh_token_flow.htm (refresh token flow),
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_client_credentials_flow.htm (client credentials),
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm (JWT bearer: RS256, iss = consumer
 * key, sub = username, aud = the login host, exp), https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flow_errors.htm
 * (error codes), https://help.salesforce.com/s/articleView?id=sf.admin_sessions.htm (session timeout, default 2 hours).
 */

/** A connected app (external client app) the org knows. */
export interface EmulatorClient {
  /** Consumer key. */
  readonly clientId: string;
  /** Consumer secret. Required by the refresh-token and client-credentials flows. */
  readonly clientSecret?: string;
  /** PEM public key or X.509 certificate that verifies JWT bearer assertions; without it the JWT flow is off for this app. */
  readonly certificate?: string;
  /** Whether the client-credentials flow is enabled (it runs as the org's integration user). Default true. */
  readonly clientCredentials?: boolean;
}

/** A refresh token the org has issued to a client. */
export interface EmulatorRefreshToken {
  readonly token: string;
  readonly clientId: string;
}

/** A session: who it runs as and until when it is valid. */
interface Session {
  readonly username: string;
  expiresAt: number;
}

/** Login hosts a JWT's `aud` may name besides the emulator's own URL. */
const LOGIN_HOSTS = ["https://login.salesforce.com", "https://test.salesforce.com"];

/** Issues and checks access tokens. */
export class EmulatorSessions {
  readonly #sessions = new Map<string, Session>();
  readonly clients: EmulatorClient[];
  readonly refreshTokens: EmulatorRefreshToken[];

  constructor(
    private readonly settings: {
      readonly orgId: string;
      readonly userId: string;
      readonly username: string;
      readonly url: () => string;
      readonly timeoutMs: number;
      readonly now: () => number;
    },
    clients: readonly EmulatorClient[],
    refreshTokens: readonly EmulatorRefreshToken[],
  ) {
    this.clients = [...clients];
    this.refreshTokens = [...refreshTokens];
  }

  /**
   * A new access token: the org id, `!`, and an opaque part, as Salesforce's are (clients such as
   * `@salesforce/core` recognise an access token by that shape). `token` fixes its value.
   */
  issue(token?: string): string {
    const value = token ?? `${this.settings.orgId.slice(0, 15)}!${randomBytes(48).toString("base64url")}`;
    this.#sessions.set(value, { username: this.settings.username, expiresAt: this.settings.now() + this.settings.timeoutMs });
    return value;
  }

  /**
   * The session of a bearer token, or undefined when it is unknown or timed out. Activity keeps a session
   * alive: a timeout counts from the last request.
   */
  check(token: string): Session | undefined {
    const session = this.#sessions.get(token);
    if (!session) return undefined;
    const now = this.settings.now();
    if (session.expiresAt <= now) {
      this.#sessions.delete(token);
      return undefined;
    }
    session.expiresAt = now + this.settings.timeoutMs;
    return session;
  }

  /** End every session (as when they time out): the next request with any of them gets 401. */
  expireAll(): void {
    this.#sessions.clear();
  }

  /** Revoke one token: `POST /services/oauth2/revoke`. */
  revoke(token: string): void {
    this.#sessions.delete(token);
  }

  /** Answer `POST /services/oauth2/token`. */
  token(form: URLSearchParams): EmulatorResponse {
    const grant = form.get("grant_type");
    const clientId = form.get("client_id");
    if (grant === "refresh_token") {
      const client = this.#client(clientId, form.get("client_secret"), true);
      if ("status" in client) return client;
      const known = this.refreshTokens.find((t) => t.token === form.get("refresh_token") && t.clientId === client.clientId);
      if (!known) return oauthError("invalid_grant", "expired access/refresh token");
      return this.#grant(client, "api refresh_token");
    }
    if (grant === "client_credentials") {
      const client = this.#client(clientId, form.get("client_secret"), true);
      if ("status" in client) return client;
      if (client.clientCredentials === false) return oauthError("invalid_grant", "no client credentials user enabled");
      return this.#grant(client, "api");
    }
    if (grant === "urn:ietf:params:oauth:grant-type:jwt-bearer") return this.#jwt(form.get("assertion") ?? "");
    if (!grant) return oauthError("invalid_request", "grant type not supported");
    return oauthError("unsupported_grant_type", "grant type not supported");
  }

  /** The identity of a session (`GET /services/oauth2/userinfo`, `GET /id/{org}/{user}`). */
  identity(): Record<string, unknown> {
    const { orgId, userId, username } = this.settings;
    const url = this.settings.url();
    return {
      sub: `${url}/id/${orgId}/${userId}`,
      user_id: userId,
      organization_id: orgId,
      preferred_username: username,
      username,
      email: username,
      email_verified: true,
      active: true,
      user_type: "STANDARD",
      language: "en_US",
      locale: "en_US",
      utcOffset: 0,
      urls: { rest: `${url}/services/data/v{version}/`, sobjects: `${url}/services/data/v{version}/sobjects/`, query: `${url}/services/data/v{version}/query/` },
    };
  }

  #client(clientId: string | null, secret: string | null, needsSecret: boolean): EmulatorClient | EmulatorResponse {
    const client = this.clients.find((c) => c.clientId === clientId);
    if (!client) return oauthError("invalid_client_id", "client identifier invalid");
    if (needsSecret && (client.clientSecret === undefined || secret === null || !sameText(secret, client.clientSecret))) {
      return oauthError("invalid_client", "invalid client credentials");
    }
    return client;
  }

  #grant(client: EmulatorClient, scope: string): EmulatorResponse {
    const { orgId, userId } = this.settings;
    const url = this.settings.url();
    const issuedAt = String(this.settings.now());
    const id = `${url}/id/${orgId}/${userId}`;
    const signature = createHmac("sha256", client.clientSecret ?? client.clientId).update(id + issuedAt).digest("base64");
    return {
      status: 200,
      body: { access_token: this.issue(), signature, scope, instance_url: url, id, token_type: "Bearer", issued_at: issuedAt },
      headers: { "cache-control": "no-cache,must-revalidate,max-age=0,no-store,private" },
    };
  }

  #jwt(assertion: string): EmulatorResponse {
    const parts = assertion.split(".");
    if (parts.length !== 3) return oauthError("invalid_grant", "invalid assertion");
    let header: { alg?: string };
    let claims: { iss?: string; sub?: string; aud?: string | string[]; exp?: number };
    try {
      header = JSON.parse(Buffer.from(parts[0]!, "base64url").toString("utf8"));
      claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
    } catch {
      return oauthError("invalid_grant", "invalid assertion");
    }
    const client = this.clients.find((c) => c.clientId === claims.iss);
    if (!client) return oauthError("invalid_client_id", "client identifier invalid");
    if (header.alg !== "RS256" || !client.certificate) return oauthError("invalid_grant", "invalid assertion");
    let valid = false;
    try {
      valid = createVerify("RSA-SHA256").update(`${parts[0]}.${parts[1]}`).verify(createPublicKey(client.certificate), Buffer.from(parts[2]!, "base64url"));
    } catch {
      valid = false;
    }
    if (!valid) return oauthError("invalid_grant", "invalid assertion");
    const audiences = (Array.isArray(claims.aud) ? claims.aud : [claims.aud]).map((a) => String(a).replace(/\/+$/, ""));
    if (!audiences.some((a) => a === this.settings.url() || LOGIN_HOSTS.includes(a))) return oauthError("invalid_grant", "audience is invalid");
    // exp is in seconds; Salesforce allows a few minutes of clock skew.
    if (typeof claims.exp !== "number" || claims.exp * 1000 < this.settings.now() - 180_000) return oauthError("invalid_grant", "expired authorization code");
    if (claims.sub !== this.settings.username) return oauthError("invalid_grant", "user hasn't approved this consumer");
    return this.#grant(client, "api");
  }
}

/** An OAuth error answer: 400 with `{error, error_description}`. */
function oauthError(error: string, description: string): EmulatorResponse {
  return { status: 400, body: { error, error_description: description } };
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
