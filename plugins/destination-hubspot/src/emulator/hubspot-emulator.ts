import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { RunningEmulator } from "@reverse-etl/core";
import { handleBatch, view } from "./emulator-batch.js";
import type { EmulatorResponse } from "./emulator-errors.js";
import { badRequest, errorBody } from "./emulator-errors.js";
import type { HubSpotPropertyInput } from "./emulator-properties.js";
import { toProperty } from "./emulator-properties.js";
import { DEFAULT_LIMITS, EmulatorRateLimit, rateLimitBody } from "./emulator-rate-limit.js";
import type { RateLimitStats } from "./emulator-rate-limit.js";
import { EMULATOR_PORTAL_ID, EmulatorStore } from "./emulator-store.js";
import type { CustomObjectInput, ObjectType } from "./emulator-store.js";

/** The token with every scope when none is given. */
export const DEFAULT_ACCESS_TOKEN = "emulator-token";

/** A token the emulator accepts, with the scopes granted to it. */
export interface EmulatorToken {
  /** Bearer token value. */
  readonly token: string;
  /** Granted scopes, e.g. `crm.objects.contacts.write`. Default: every scope. */
  readonly scopes?: readonly string[];
}

/** Options of {@link startHubSpotEmulator}. */
export interface HubSpotEmulatorOptions {
  /** Port to listen on; default 0 (a free port). */
  readonly port?: number;
  /** Host to listen on. Default `127.0.0.1`. */
  readonly host?: string;
  /** The token with every scope. Default `emulator-token`. */
  readonly accessToken?: string;
  /** More tokens, e.g. one lacking a scope. */
  readonly tokens?: readonly EmulatorToken[];
  /** Requests per rolling 10-second window. Default 100 (HubSpot Free/Starter private app). */
  readonly requestsPer10s?: number;
  /** Length of the rolling window. Default 10000 ms (HubSpot's). */
  readonly intervalMs?: number;
  /** Requests per day. Default 250000. */
  readonly dailyLimit?: number;
  /** Custom objects defined at start. */
  readonly customObjects?: readonly CustomObjectInput[];
  /** Clock, for tests that move time instead of waiting. Default `Date.now`. */
  readonly now?: () => number;
}

/** One request the emulator answered. */
export interface EmulatorRequest {
  readonly method: string;
  /** Path without query string. */
  readonly path: string;
  readonly status: number;
  /** Number of `inputs` in a batch request. */
  readonly inputs?: number;
  /** Clock value when it arrived. */
  readonly at: number;
}

/** A running emulator. */
export interface HubSpotEmulator extends RunningEmulator {
  /** Base URL to give the plugin (`baseUrl`) or the SDK (`basePath`), e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** The destination's options that point it at the emulator: `{ baseUrl: url, accessToken }`. */
  readonly options: { readonly baseUrl: string; readonly accessToken: string };
  /** The token with every scope. */
  readonly accessToken: string;
  /** Every accepted token with its scopes. */
  readonly tokens: readonly EmulatorToken[];
  /** Every request answered, in order (the test endpoints excluded). */
  readonly requestLog: readonly EmulatorRequest[];
  /** Rate-limit counters: admitted, 429s, most requests seen within any window. */
  readonly rateLimitStats: RateLimitStats;
  /** Records of an object type (name, objectTypeId or fully qualified name), ordered by id. */
  dump(objectType: string): Array<{ id: string; properties: Record<string, string> }>;
  /** Preload records (values as HubSpot stores them, unchecked); returns their ids. */
  seed(objectType: string, records: ReadonlyArray<Record<string, string>>): string[];
  /** Define a custom object; returns its ids. */
  defineCustomObject(input: CustomObjectInput): { objectTypeId: string; fullyQualifiedName: string };
  /** Add a property to an object type, as `POST /crm/v3/properties/{objectType}` does. */
  defineProperty(objectType: string, property: HubSpotPropertyInput): void;
  /** Change the limits while running. */
  setLimits(limits: { requestsPer10s?: number; dailyLimit?: number }): void;
  /** Forget the requests counted so far in the window and the day. */
  resetRateLimits(): void;
  /** Stop the server. Safe to call twice. */
  close(): Promise<void>;
}

/** Scope prefix of an object type's records and schema. */
function scopeName(type: ObjectType): string {
  return type.custom ? "custom" : type.name;
}

/**
 * Start an in-memory emulator of the HubSpot CRM v3 API on loopback: bearer-token auth with scopes, the
 * properties and schemas APIs, batch create/read/update/upsert/archive with HubSpot's limits and error
 * bodies, and HubSpot's rate limits with their 429 answers and headers. The official `@hubspot/api-client`
 * (13.x) works against it unchanged with `basePath: emulator.url`.
 */
export async function startHubSpotEmulator(options: HubSpotEmulatorOptions = {}): Promise<HubSpotEmulator> {
  const now = options.now ?? Date.now;
  const store = new EmulatorStore(now);
  for (const custom of options.customObjects ?? []) store.defineCustomObject(custom);
  const accessToken = options.accessToken ?? DEFAULT_ACCESS_TOKEN;
  const tokens: EmulatorToken[] = [{ token: accessToken }, ...(options.tokens ?? [])];
  const limits = new EmulatorRateLimit(
    {
      requestsPerInterval: options.requestsPer10s ?? DEFAULT_LIMITS.requestsPerInterval,
      intervalMs: options.intervalMs ?? DEFAULT_LIMITS.intervalMs,
      daily: options.dailyLimit ?? DEFAULT_LIMITS.daily,
    },
    now,
  );
  const requestLog: EmulatorRequest[] = [];

  function typeOf(objectType: string): ObjectType {
    const type = store.find(objectType);
    if (!type) throw new Error(`[reverse-etl] [hubspot-emulator] no object type "${objectType}"`);
    return type;
  }

  async function route(method: string, path: string, query: URLSearchParams, body: unknown, auth: string | undefined): Promise<EmulatorResponse> {
    // https://developers.hubspot.com/docs/guides/apps/authentication/intro-to-auth: private app and OAuth
    // tokens go in `Authorization: Bearer <token>`; a missing or unknown token answers 401.
    const token = auth?.startsWith("Bearer ") ? tokens.find((t) => t.token === auth.slice(7)) : undefined;
    if (!token) {
      return {
        status: 401,
        body: errorBody(
          "INVALID_AUTHENTICATION",
          "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
        ),
      };
    }
    const admission = limits.admit();
    if (!admission.ok) {
      // https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details: 429 with policyName.
      return { status: 429, headers: admission.headers, body: rateLimitBody(admission.policy) };
    }
    const answer = handle(method, path, query, body, token);
    return { ...answer, headers: { ...admission.headers, ...answer.headers } };
  }

  /** 403 in HubSpot's shape naming the missing scope, or undefined when the token has it. */
  function missingScope(token: EmulatorToken, scope: string): EmulatorResponse | undefined {
    if (token.scopes === undefined || token.scopes.includes(scope)) return undefined;
    // https://developers.hubspot.com/docs/guides/apps/authentication/scopes: MISSING_SCOPES with the scopes needed.
    return {
      status: 403,
      body: errorBody(
        "MISSING_SCOPES",
        "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
        {
          errors: [{ message: "One or more of the following scopes are required.", context: { requiredGranularScopes: [scope] } }],
          links: { scopes: "https://developers.hubspot.com/scopes" },
        },
      ),
    };
  }

  function unknownType(objectType: string): EmulatorResponse {
    return badRequest(`Unable to infer object type from: ${objectType}`);
  }

  function handle(method: string, path: string, query: URLSearchParams, body: unknown, token: EmulatorToken): EmulatorResponse {
    const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
    // https://developers.hubspot.com/docs/reference/api/settings/account-information: account details.
    if (method === "GET" && path === "/account-info/v3/details") {
      return { status: 200, body: { portalId: EMULATOR_PORTAL_ID, accountType: "STANDARD", timeZone: "US/Eastern", companyCurrency: "USD", additionalCurrencies: [], utcOffset: "-05:00", utcOffsetMilliseconds: -18_000_000, uiDomain: "app.hubspot.com", dataHostingLocation: "na1" } };
    }
    // https://developers.hubspot.com/docs/guides/api/crm/objects/custom-objects: GET /crm/v3/schemas (the SDK
    // 13.x calls the same endpoint as /crm-object-schemas/v3/schemas).
    const isSchemas = (parts[0] === "crm" || parts[0] === "crm-object-schemas") && parts[1] === "v3" && parts[2] === "schemas" && parts.length === 3;
    if (isSchemas && method === "GET") {
      return missingScope(token, "crm.schemas.custom.read") ?? { status: 200, body: { results: store.types.filter((t) => t.custom).map(schemaView) } };
    }

    if (parts[0] !== "crm" || parts[1] !== "v3") return { status: 404, body: errorBody("OBJECT_NOT_FOUND", `No route for ${method} ${path}`) };

    // https://developers.hubspot.com/docs/guides/api/crm/properties
    if (parts[2] === "properties" && parts[3] !== undefined) {
      const type = store.find(parts[3]);
      if (!type) return unknownType(parts[3]);
      const denied = missingScope(token, `crm.schemas.${scopeName(type)}.${method === "GET" ? "read" : "write"}`);
      if (denied) return denied;
      if (method === "GET" && parts.length === 4) return { status: 200, body: { results: [...type.properties.values()] } };
      if (method === "GET" && parts.length === 5) {
        const property = type.properties.get(parts[4]);
        return property
          ? { status: 200, body: property }
          : { status: 404, body: errorBody("OBJECT_NOT_FOUND", `Unable to find property ${parts[4]} on object ${type.objectTypeId}`) };
      }
      if (method === "POST" && parts.length === 4) {
        const input = body as HubSpotPropertyInput | undefined;
        if (!input?.name || !input.type) return badRequest("Properties need a name and a type");
        if (type.properties.has(input.name)) {
          return { status: 409, body: errorBody("OBJECT_ALREADY_EXISTS", `A property named '${input.name}' already exists.`) };
        }
        const property = toProperty({ groupName: "contactinformation", ...input }, type.properties.size);
        type.properties.set(property.name, property);
        return { status: 201, body: property };
      }
    }

    // https://developers.hubspot.com/docs/guides/api/crm/understanding-the-crm: /crm/v3/objects/{objectType}[...]
    if (parts[2] === "objects" && parts[3] !== undefined) {
      const type = store.find(parts[3]);
      if (!type) return unknownType(parts[3]);
      const isRead = method === "GET" || (parts[4] === "batch" && parts[5] === "read");
      const denied = missingScope(token, `crm.objects.${scopeName(type)}.${isRead ? "read" : "write"}`);
      if (denied) return denied;
      if (method === "POST" && parts[4] === "batch" && parts[5] !== undefined && parts.length === 6) {
        return handleBatch(store, type, parts[5], body);
      }
      const wanted = (query.get("properties") ?? "").split(",").filter(Boolean);
      if (method === "GET" && parts.length === 4) {
        const limit = Math.min(Number(query.get("limit") ?? 10) || 10, 100);
        const after = query.get("after");
        const all = [...type.records.values()].sort((a, b) => Number(a.id) - Number(b.id));
        const start = after ? all.findIndex((r) => Number(r.id) > Number(after)) : 0;
        const page = start < 0 ? [] : all.slice(start, start + limit);
        const next = start >= 0 && start + limit < all.length ? page.at(-1)?.id : undefined;
        return { status: 200, body: { results: page.map((r) => view(r, wanted)), ...(next ? { paging: { next: { after: next } } } : {}) } };
      }
      if (method === "GET" && parts.length === 5) {
        const record = store.findBy(type, query.get("idProperty") ?? undefined, parts[4]);
        return record ? { status: 200, body: view(record, wanted) } : { status: 404, body: errorBody("OBJECT_NOT_FOUND", "Object not found.  objectId are usually numeric.") };
      }
      if (method === "POST" && parts.length === 4) {
        const input = body as { properties?: Record<string, string> } | undefined;
        const answer = handleBatch(store, type, "create", { inputs: [{ properties: input?.properties ?? {} }] });
        if (answer.status !== 201) return answer;
        return { status: 201, body: (answer.body as { results: unknown[] }).results[0] };
      }
    }
    return { status: 404, body: errorBody("OBJECT_NOT_FOUND", `No route for ${method} ${path}`) };
  }

  /** Test-only endpoints under /_emulator: no auth, not rate-limited. */
  function handleTestEndpoint(method: string, parts: string[], body: unknown): EmulatorResponse {
    if (method === "GET" && parts[1] === "stats") return { status: 200, body: { rateLimit: limits.stats, requests: requestLog.length } };
    if (parts[1] === "objects" && parts[2] !== undefined && parts[3] === "records") {
      if (!store.find(parts[2])) return unknownType(parts[2]);
      if (method === "GET") return { status: 200, body: { results: emulator.dump(parts[2]) } };
      if (method === "POST") {
        const records = (body as { records?: Array<Record<string, string>> } | undefined)?.records ?? [];
        return { status: 201, body: { ids: emulator.seed(parts[2], records) } };
      }
    }
    return { status: 404, body: errorBody("OBJECT_NOT_FOUND", "Unknown emulator endpoint") };
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      void (async () => {
        const url = new URL(req.url ?? "/", "http://emulator");
        const method = req.method ?? "GET";
        const text = Buffer.concat(chunks).toString("utf8");
        let body: unknown;
        let answer: EmulatorResponse;
        try {
          body = text === "" ? undefined : JSON.parse(text);
        } catch (error) {
          answer = badRequest(`Invalid input JSON on line 1: ${(error as Error).message}`);
        }
        const parts = url.pathname.split("/").filter(Boolean);
        const isTest = parts[0] === "_emulator";
        answer ??= isTest ? handleTestEndpoint(method, parts, body) : await route(method, url.pathname, url.searchParams, body, req.headers.authorization);
        if (!isTest) {
          const inputs = (body as { inputs?: unknown } | undefined)?.inputs;
          requestLog.push({ method, path: url.pathname, status: answer.status, at: now(), ...(Array.isArray(inputs) ? { inputs: inputs.length } : {}) });
        }
        res.writeHead(answer.status, { ...(answer.body !== undefined ? { "content-type": "application/json;charset=utf-8" } : {}), ...answer.headers });
        res.end(answer.body !== undefined ? JSON.stringify(answer.body) : undefined);
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closed: Promise<void> | undefined;

  const url = `http://${host}:${address.port}`;
  const emulator: HubSpotEmulator = {
    url,
    options: { baseUrl: url, accessToken },
    accessToken,
    tokens,
    requestLog,
    rateLimitStats: limits.stats,
    dump(objectType) {
      return [...typeOf(objectType).records.values()]
        .sort((a, b) => Number(a.id) - Number(b.id))
        .map((r) => ({ id: r.id, properties: { ...r.properties } }));
    },
    seed(objectType, records) {
      const type = typeOf(objectType);
      return records.map((values) => store.create(type, values).id);
    },
    defineCustomObject(input) {
      const type = store.defineCustomObject(input);
      return { objectTypeId: type.objectTypeId, fullyQualifiedName: type.fullyQualifiedName };
    },
    defineProperty(objectType, property) {
      const type = typeOf(objectType);
      type.properties.set(property.name, toProperty(property, type.properties.size));
    },
    setLimits(next) {
      limits.limits = {
        ...limits.limits,
        ...(next.requestsPer10s !== undefined ? { requestsPerInterval: next.requestsPer10s } : {}),
        ...(next.dailyLimit !== undefined ? { daily: next.dailyLimit } : {}),
      };
    },
    resetRateLimits() {
      limits.reset();
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
  return emulator;
}

function schemaView(type: ObjectType): Record<string, unknown> {
  return {
    id: type.objectTypeId.split("-")[1],
    objectTypeId: type.objectTypeId,
    fullyQualifiedName: type.fullyQualifiedName,
    name: type.name,
    labels: { singular: type.singular, plural: type.plural },
    primaryDisplayProperty: type.primaryDisplayProperty,
    requiredProperties: type.requiredProperties,
    searchableProperties: [],
    secondaryDisplayProperties: [],
    properties: [...type.properties.values()],
    associations: [],
    archived: false,
    createdAt: "2020-01-01T00:00:00.000Z",
    updatedAt: "2020-01-01T00:00:00.000Z",
  };
}
