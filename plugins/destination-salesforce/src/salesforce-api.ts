import type { Connection, OAuth2 as OAuth2Type } from "@jsforce/jsforce-node";
import { secrets } from "@reverse-etl/core";
import type { Logger } from "@reverse-etl/core";
import type { AuthMethod } from "./salesforce-auth.js";
import { AUTH_METHOD_NAMES, jwtAssertion } from "./salesforce-auth.js";
import { classifyFailure, isSessionExpired, SalesforceApiFailure } from "./salesforce-api-error.js";

/** Settings of a {@link SalesforceApi}. */
export interface SalesforceApiSettings {
  readonly auth: AuthMethod;
  readonly apiVersion: string;
  readonly timeoutMs: number;
  /** Share of the daily allocation never used by this integration. */
  readonly reserve: number;
  /** Name of the destination in the config, for messages. */
  readonly destination: string;
  readonly logger: Logger;
}

/** One REST request, by path under the API version (`/composite/sobjects`) or from the root (`/services/...`). */
export interface ApiRequest {
  readonly method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  readonly path: string;
  /** A JSON body, or a text body with `contentType`. */
  readonly body?: unknown;
  readonly contentType?: string;
  /** Read the answer as text instead of parsing it (CSV results). */
  readonly text?: boolean;
}

/** The org's API use as the last answer's `Sforce-Limit-Info` said. */
export interface ApiUsage {
  readonly used: number;
  readonly max: number;
}

type JsforceModule = { Connection: typeof Connection; OAuth2: typeof OAuth2Type };
let jsforceModule: Promise<JsforceModule> | undefined;
/** jsforce loads in about half a second: only runs that talk to Salesforce pay for it. */
function loadJsforce(): Promise<JsforceModule> {
  jsforceModule ??= import("@jsforce/jsforce-node").then((m) => (m.default ?? m) as unknown as JsforceModule);
  return jsforceModule;
}

/**
 * The plugin's door to one org: signs in on first use with the configured flow, sends REST requests through
 * jsforce with jsforce's own retries off (core and the plugin own retries, so each request is counted),
 * renews an expired session once and repeats the request, reads the org's API use from every answer's
 * `Sforce-Limit-Info`, and refuses to start a request once the integration's share of the daily
 * allocation is used.
 */
export class SalesforceApi {
  #connection: Promise<Connection> | undefined;
  #renewing: Promise<void> | undefined;
  /** Bumped at each new session, so concurrent requests that failed with the old one renew once. */
  #generation = 0;
  #usage: ApiUsage | undefined;

  constructor(private readonly settings: SalesforceApiSettings) {}

  /** The API use last reported, if any answer carried it. */
  get usage(): ApiUsage | undefined {
    return this.#usage;
  }

  /** Requests this integration may still make today, when known. */
  get remaining(): number | undefined {
    if (!this.#usage) return undefined;
    return Math.floor(this.#usage.max * (1 - this.settings.reserve)) - this.#usage.used;
  }

  /** Base path of the API version: `/services/data/v64.0`. */
  get base(): string {
    return `/services/data/v${this.settings.apiVersion}`;
  }

  /**
   * Send one request. `onRepeat` is called before a request is sent again after a session renewal (the
   * caller counts it). Throws a {@link SalesforceApiFailure}; `allowReserve` lets the request use the
   * share kept for other integrations (reading the results of jobs already sent).
   */
  async request<T>(request: ApiRequest, options: { onRepeat?: () => Promise<void>; allowReserve?: boolean; what?: string } = {}): Promise<T> {
    const what = options.what ?? `${request.method} ${request.path.split("?")[0]}`;
    if (!options.allowReserve) this.#checkBudget();
    const connection = await this.#connect();
    const generation = this.#generation;
    try {
      return await this.#send<T>(connection, request);
    } catch (error) {
      if (!isSessionExpired(error)) throw classifyFailure(error, what);
      await this.#renew(generation, error);
      await options.onRepeat?.();
      try {
        return await this.#send<T>(connection, request);
      } catch (again) {
        if (isSessionExpired(again)) {
          throw new SalesforceApiFailure("auth", this.#message(`Salesforce refused the renewed session too (INVALID_SESSION_ID): the integration user may lack API access`), "INVALID_SESSION_ID");
        }
        throw classifyFailure(again, what);
      }
    } finally {
      const info = connection.limitInfo?.apiUsage;
      if (info) this.#usage = { used: info.used, max: info.limit };
    }
  }

  /** Throw a `limit` failure when the integration's share of the daily allocation is used. */
  #checkBudget(): void {
    const remaining = this.remaining;
    if (remaining === undefined || remaining > 0) return;
    const { used, max } = this.#usage!;
    const kept = Math.round(this.settings.reserve * 100);
    throw new SalesforceApiFailure(
      "limit",
      this.#message(`the org has used ${used} of its ${max} daily API requests, and ${kept}% is kept for its other integrations (option apiReserve); the rest waits for the next run`),
    );
  }

  async #send<T>(connection: Connection, request: ApiRequest): Promise<T> {
    const url = request.path.startsWith("/services/") ? request.path : `${this.base}${request.path}`;
    const json = request.body !== undefined && request.contentType === undefined;
    const body = request.body === undefined ? undefined : json ? JSON.stringify(request.body) : String(request.body);
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["content-type"] = request.contentType ?? "application/json";
    return (await connection.request<T>(
      { method: request.method, url, ...(body !== undefined ? { body } : {}), headers },
      // jsforce retries some methods by itself; off, so every request is one the caller counted.
      { retry: { maxRetries: 0 }, timeout: this.settings.timeoutMs, ...(request.text ? { responseType: "text/plain" } : {}) },
    )) as T;
  }

  #connect(): Promise<Connection> {
    this.#connection ??= (async () => {
      const { Connection } = await loadJsforce();
      const session = await this.#signIn();
      return new Connection({ instanceUrl: session.instanceUrl, accessToken: session.accessToken, version: this.settings.apiVersion });
    })();
    this.#connection.catch(() => (this.#connection = undefined));
    return this.#connection;
  }

  /** Renew the session once for all requests that failed with the same one. */
  async #renew(generation: number, error: unknown): Promise<void> {
    if (this.settings.auth.kind === "access-token") {
      const code = (error as { message?: string }).message ?? "Session expired or invalid";
      throw new SalesforceApiFailure(
        "auth",
        this.#message(`Salesforce refused the access token (INVALID_SESSION_ID: ${code}): it has expired or was revoked; give a new accessToken, or use a flow that renews sessions (refresh token, client credentials or JWT bearer)`),
        "INVALID_SESSION_ID",
      );
    }
    if (generation !== this.#generation) return;
    this.#renewing ??= (async () => {
      try {
        const connection = await this.#connection!;
        const session = await this.#signIn();
        connection.accessToken = session.accessToken;
        this.#generation++;
        this.settings.logger.info("renewed the Salesforce session", { destination: this.settings.destination, flow: this.settings.auth.kind });
      } finally {
        this.#renewing = undefined;
      }
    })();
    await this.#renewing;
  }

  /** Get a session with the configured flow. */
  async #signIn(): Promise<{ accessToken: string; instanceUrl: string }> {
    const auth = this.settings.auth;
    if (auth.kind === "access-token") return { accessToken: auth.accessToken, instanceUrl: auth.instanceUrl };
    const { OAuth2 } = await loadJsforce();
    let answer: { access_token: string; instance_url: string };
    try {
      if (auth.kind === "refresh-token") {
        answer = await new OAuth2({ loginUrl: auth.tokenUrl, clientId: auth.clientId, clientSecret: auth.clientSecret }).refreshToken(auth.refreshToken);
      } else if (auth.kind === "client-credentials") {
        answer = await new OAuth2({ loginUrl: auth.tokenUrl, clientId: auth.clientId, clientSecret: auth.clientSecret }).requestToken({ grant_type: "client_credentials" });
      } else {
        answer = await new OAuth2({ loginUrl: auth.tokenUrl }).requestToken({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion: jwtAssertion(auth) });
      }
    } catch (error) {
      const thrown = error as { name?: string; message?: string; code?: string };
      if (thrown.name === "FetchError" || thrown.code !== undefined) {
        throw new SalesforceApiFailure("transient", this.#message(`cannot reach the token endpoint at ${auth.tokenUrl}: ${thrown.message ?? String(error)}`));
      }
      throw new SalesforceApiFailure(
        "auth",
        this.#message(`Salesforce refused the ${AUTH_METHOD_NAMES[auth.kind]} sign-in at ${auth.tokenUrl} (${thrown.name ?? "error"}: ${thrown.message ?? "no description"}): check those options`),
        thrown.name,
      );
    }
    // A session token is a secret like the credentials that got it.
    secrets.add(answer.access_token);
    return { accessToken: answer.access_token, instanceUrl: answer.instance_url.replace(/\/+$/, "") };
  }

  #message(text: string): string {
    return `[reverse-etl] [salesforce] destination ${this.settings.destination}: ${text}`;
  }
}
