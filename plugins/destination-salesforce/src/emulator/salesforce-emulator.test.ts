import { generateKeyPairSync, createSign } from "node:crypto";
import jsforce from "@jsforce/jsforce-node";
import { afterAll, describe, expect, it } from "vitest";
import { startSalesforceEmulator } from "./salesforce-emulator.js";
import type { SalesforceEmulatorOptions } from "./salesforce-emulator.js";
import type { SalesforceEmulator } from "./emulator-control.js";

const started: SalesforceEmulator[] = [];
afterAll(async () => {
  await Promise.all(started.map((e) => e.close()));
});

/** Contact with an external id, and a custom object with a restricted picklist, as most tests need. */
const SCHEMA: SalesforceEmulatorOptions = {
  fields: {
    Contact: [
      { name: "External_Id__c", type: "string", label: "External Id", length: 40, externalId: true, unique: true },
      { name: "Tier__c", type: "picklist", label: "Tier", picklistValues: ["Free", "Pro"], restrictedPicklist: true },
      { name: "Score__c", type: "double", label: "Score", precision: 5, scale: 2 },
      { name: "Locked__c", type: "string", label: "Locked", createable: true, updateable: false },
    ],
  },
  objects: [{ name: "Thing__c", label: "Thing", fields: [{ name: "Code__c", type: "string", externalId: true, unique: true, length: 10 }] }],
};

async function emulator(options: SalesforceEmulatorOptions = SCHEMA): Promise<SalesforceEmulator> {
  const e = await startSalesforceEmulator(options);
  started.push(e);
  return e;
}

/** jsforce, unchanged, pointed at the emulator with its access token. */
function connect(e: SalesforceEmulator, accessToken = e.accessToken) {
  return new jsforce.Connection({ instanceUrl: e.url, accessToken, version: "62.0" });
}

/** The error a jsforce call failed with. */
async function failure(promise: PromiseLike<unknown>): Promise<{ name: string; errorCode: string; message: string; data?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as { name: string; errorCode: string; message: string };
  }
  throw new Error("expected the call to fail");
}

async function raw(e: SalesforceEmulator, method: string, path: string, body?: unknown, token = e.accessToken) {
  const response = await fetch(`${e.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

describe("OAuth token endpoint", () => {
  it("renews a session with the refresh-token flow, and refuses a wrong secret or an unknown refresh token", async () => {
    const e = await emulator();
    const oauth2 = new jsforce.OAuth2({ loginUrl: e.url, clientId: e.clientId, clientSecret: e.clientSecret });
    const token = await oauth2.refreshToken(e.refreshToken);
    expect(token).toMatchObject({ instance_url: e.url, token_type: "Bearer", scope: "api refresh_token", id: expect.stringContaining(`/id/${e.orgId}/`) });
    expect(token.access_token).toMatch(new RegExp(`^${e.orgId.slice(0, 15)}!`));
    expect((await connect(e, token.access_token).query("SELECT COUNT() FROM Contact")).totalSize).toBe(0);

    const wrongSecret = new jsforce.OAuth2({ loginUrl: e.url, clientId: e.clientId, clientSecret: "nope" });
    expect(await failure(wrongSecret.refreshToken(e.refreshToken))).toMatchObject({ name: "invalid_client", message: "invalid client credentials" });
    expect(await failure(oauth2.refreshToken("not-issued"))).toMatchObject({ name: "invalid_grant", message: "expired access/refresh token" });
    const unknownApp = new jsforce.OAuth2({ loginUrl: e.url, clientId: "other", clientSecret: e.clientSecret });
    expect(await failure(unknownApp.refreshToken(e.refreshToken))).toMatchObject({ name: "invalid_client_id", message: "client identifier invalid" });
  });

  it("issues sessions with the client-credentials flow only to apps that enable it", async () => {
    const e = await emulator({ clients: [{ clientId: "no-cc", clientSecret: "s3cret", clientCredentials: false }] });
    const token = await new jsforce.OAuth2({ loginUrl: e.url, clientId: e.clientId, clientSecret: e.clientSecret }).requestToken({ grant_type: "client_credentials" });
    expect(token).toMatchObject({ instance_url: e.url, scope: "api" });
    expect(token).not.toHaveProperty("refresh_token");
    const refused = new jsforce.OAuth2({ loginUrl: e.url, clientId: "no-cc", clientSecret: "s3cret" }).requestToken({ grant_type: "client_credentials" });
    expect(await failure(refused)).toMatchObject({ name: "invalid_grant", message: "no client credentials user enabled" });
  });

  it("verifies JWT bearer assertions: RS256 by the app's certificate, audience, subject and expiry", async () => {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const e = await emulator({ certificate: publicKey.export({ type: "spki", format: "pem" }).toString() });
    const sign = (claims: Record<string, unknown>, key = privateKey) => {
      const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
      const input = `${encode({ alg: "RS256" })}.${encode(claims)}`;
      return `${input}.${createSign("RSA-SHA256").update(input).sign(key).toString("base64url")}`;
    };
    const exp = Math.floor(Date.now() / 1000) + 180;
    const request = (assertion: string) =>
      new jsforce.OAuth2({ loginUrl: e.url }).requestToken({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion });
    const good = { iss: e.clientId, sub: e.username, aud: e.url, exp };
    expect(await request(sign(good))).toMatchObject({ instance_url: e.url, token_type: "Bearer" });
    expect(await request(sign({ ...good, aud: "https://login.salesforce.com" }))).toMatchObject({ instance_url: e.url });
    expect(await failure(request(sign(good, other.privateKey)))).toMatchObject({ name: "invalid_grant", message: "invalid assertion" });
    expect(await failure(request(sign({ ...good, aud: "https://example.com" })))).toMatchObject({ name: "invalid_grant", message: "audience is invalid" });
    expect(await failure(request(sign({ ...good, sub: "someone@else.com" })))).toMatchObject({ name: "invalid_grant", message: "user hasn't approved this consumer" });
    expect(await failure(request(sign({ ...good, exp: exp - 3600 })))).toMatchObject({ name: "invalid_grant", message: "expired authorization code" });
  });

  it("answers 401 INVALID_SESSION_ID for an expired session, which jsforce renews with its refresh token", async () => {
    const e = await emulator();
    const conn = new jsforce.Connection({
      oauth2: { clientId: e.clientId, clientSecret: e.clientSecret, loginUrl: e.url },
      instanceUrl: e.url,
      accessToken: e.accessToken,
      refreshToken: e.refreshToken,
      version: "62.0",
    });
    e.expireSessions();
    const plain = await failure(connect(e).query("SELECT COUNT() FROM Contact"));
    expect(plain).toMatchObject({ errorCode: "INVALID_SESSION_ID", message: "Session expired or invalid" });
    expect((await conn.query("SELECT COUNT() FROM Contact")).totalSize).toBe(0);
    expect(conn.accessToken).not.toBe(e.accessToken);
    expect(e.requestLog.slice(-3).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      "GET /services/data/v62.0/query 401",
      "POST /services/oauth2/token 200",
      "GET /services/data/v62.0/query 200",
    ]);
  });

  it("times sessions out after their inactivity timeout", async () => {
    let now = 1_000_000;
    const e = await emulator({ sessionTimeoutMs: 60_000, now: () => now });
    now += 59_000;
    expect((await raw(e, "GET", "/services/data/v62.0/limits")).status).toBe(200);
    now += 59_000;
    expect((await raw(e, "GET", "/services/data/v62.0/limits")).status).toBe(200);
    now += 60_001;
    expect(await raw(e, "GET", "/services/data/v62.0/limits")).toMatchObject({ status: 401, body: [{ errorCode: "INVALID_SESSION_ID" }] });
  });
});

describe("versions and limits", () => {
  it("lists versions without a session; every other answer carries Sforce-Limit-Info, errors too", async () => {
    const e = await emulator();
    const versions = await fetch(`${e.url}/services/data`);
    expect(versions.headers.get("sforce-limit-info")).toBeNull();
    const list = (await versions.json()) as Array<{ version: string; label: string; url: string }>;
    expect(list.at(-1)).toEqual({ version: e.apiVersion, label: "Winter '26", url: `/services/data/v${e.apiVersion}` });
    expect(list.find((v) => v.version === "62.0")?.label).toBe("Winter '25");
    const ok = await raw(e, "GET", "/services/data/v62.0/sobjects/Contact/describe");
    expect(ok.headers.get("sforce-limit-info")).toBe("api-usage=1/15000");
    const missing = await raw(e, "GET", "/services/data/v62.0/sobjects/Nope__c/describe");
    expect(missing).toMatchObject({ status: 404, body: [{ errorCode: "NOT_FOUND", message: "The requested resource does not exist" }] });
    expect(missing.headers.get("sforce-limit-info")).toBe("api-usage=2/15000");
    expect((await raw(e, "GET", "/services/data/v99.0/limits")).status).toBe(404);
  });

  it("refuses calls with 403 REQUEST_LIMIT_EXCEEDED once the daily allocation is used, and /limits reports it", async () => {
    const e = await emulator({ dailyApiRequests: 5 });
    e.useApiRequests(3);
    const conn = connect(e);
    const limits = (await conn.limits()) as { DailyApiRequests: { Max: number; Remaining: number } };
    expect(limits.DailyApiRequests).toEqual({ Max: 5, Remaining: 1 });
    expect(conn.limitInfo).toEqual({ apiUsage: { used: 4, limit: 5 } });
    await conn.query("SELECT COUNT() FROM Lead");
    const refused = await raw(e, "GET", "/services/data/v62.0/limits");
    expect(refused).toMatchObject({ status: 403, body: [{ errorCode: "REQUEST_LIMIT_EXCEEDED", message: "TotalRequests Limit exceeded." }] });
    expect(refused.headers.get("sforce-limit-info")).toBe("api-usage=5/5");
    expect(e.apiUsage).toEqual({ used: 5, max: 5, refused: 1 });
  });

  it("counts a rolling 24 hours", async () => {
    let now = Date.UTC(2026, 0, 1, 12);
    const e = await emulator({ dailyApiRequests: 2, now: () => now, sessionTimeoutMs: 10 * 86_400_000 });
    await raw(e, "GET", "/services/data/v62.0/limits");
    now += 12 * 3_600_000;
    await raw(e, "GET", "/services/data/v62.0/limits");
    expect((await raw(e, "GET", "/services/data/v62.0/limits")).status).toBe(403);
    now += 12 * 3_600_000 + 60_000;
    expect((await raw(e, "GET", "/services/data/v62.0/limits")).headers.get("sforce-limit-info")).toBe("api-usage=2/2");
  });
});

describe("describe", () => {
  it("describes the seeded standard objects and custom objects and fields, as jsforce reads them", async () => {
    const e = await emulator();
    const conn = connect(e);
    const global = await conn.describeGlobal();
    expect(global.sobjects.map((o) => o.name)).toEqual(["Account", "Contact", "Lead", "Thing__c"]);
    expect(global.sobjects.find((o) => o.name === "Thing__c")).toMatchObject({ custom: true, keyPrefix: "a00", createable: true });
    const contact = await conn.describe("Contact");
    const field = (name: string) => contact.fields.find((f) => f.name === name)!;
    expect(field("LastName")).toMatchObject({ type: "string", length: 80, nillable: false, createable: true, updateable: true, defaultedOnCreate: false });
    expect(field("Email")).toMatchObject({ type: "email", length: 80, nillable: true });
    expect(field("Name")).toMatchObject({ createable: false, updateable: false });
    expect(field("External_Id__c")).toMatchObject({ externalId: true, unique: true, idLookup: true, custom: true, length: 40 });
    expect(field("Tier__c")).toMatchObject({
      type: "picklist",
      restrictedPicklist: true,
      picklistValues: [expect.objectContaining({ value: "Free", active: true }), expect.objectContaining({ value: "Pro" })],
    });
    expect(field("Score__c")).toMatchObject({ type: "double", precision: 5, scale: 2 });
    const thing = await conn.describe("Thing__c");
    expect(thing.fields.find((f) => f.name === "Name")).toMatchObject({ type: "string", length: 80, nillable: false, nameField: true });
    expect(await failure(conn.describe("Nope__c"))).toMatchObject({ errorCode: "NOT_FOUND" });
  });

  it("refuses definitions Salesforce refuses: custom fields without __c, external ids of other types", async () => {
    const e = await emulator();
    expect(() => e.defineField("Contact", { name: "Plain", type: "string" })).toThrow(/must end with __c/);
    expect(() => e.defineField("Contact", { name: "When__c", type: "date", externalId: true })).toThrow(/external id must be a text, email or number field/);
    expect(() => e.defineObject({ name: "Thing" })).toThrow(/ending with __c/);
  });
});

describe("sObject Collections", () => {
  it("upserts by external id: creates, then updates the same records, matching case-insensitively", async () => {
    const e = await emulator();
    const conn = connect(e);
    const first = await conn.sobject("Contact").upsert([{ External_Id__c: "c-1", LastName: "One" }, { External_Id__c: "c-2", LastName: "Two", Tier__c: "Pro" }], "External_Id__c");
    expect(first).toEqual([
      { id: expect.stringMatching(/^003\w{15}$/), success: true, errors: [], created: true },
      { id: expect.stringMatching(/^003\w{15}$/), success: true, errors: [], created: true },
    ]);
    const second = await conn.sobject("Contact").upsert([{ External_Id__c: "C-1", FirstName: "Uno", LastName: "One" }], "External_Id__c");
    expect(second).toEqual([{ id: (first as Array<{ id: string }>)[0]!.id, success: true, errors: [], created: false }]);
    expect(e.dump("Contact").map((c) => [c.External_Id__c, c.FirstName, c.LastName, c.Name, c.Tier__c])).toEqual([
      ["c-1", "Uno", "One", "Uno One", null],
      ["c-2", null, "Two", "Two", "Pro"],
    ]);
  });

  it("rejects only the records that break a field rule, with Salesforce's codes and messages, and saves the rest", async () => {
    const e = await emulator();
    e.seed("Contact", [{ External_Id__c: "taken", LastName: "Existing" }]);
    const body = {
      allOrNone: false,
      records: [
        { attributes: { type: "Contact" }, LastName: "Good", Email: "good@example.com" },
        { attributes: { type: "Contact" }, LastName: "Bad email", Email: "not-an-email" },
        { attributes: { type: "Contact" }, LastName: "x".repeat(81) },
        { attributes: { type: "Contact" }, LastName: "Bad tier", Tier__c: "Enterprise" },
        { attributes: { type: "Contact" }, FirstName: "No last name" },
        { attributes: { type: "Contact" }, LastName: "Dup", External_Id__c: "TAKEN" },
        { attributes: { type: "Contact" }, LastName: "Too big", Score__c: 1234.5 },
        { attributes: { type: "Contact" }, LastName: "Read-only", Name: "Set by hand" },
      ],
    };
    const answer = await raw(e, "POST", "/services/data/v62.0/composite/sobjects", body);
    expect(answer.status).toBe(200);
    const [takenId] = e.dump("Contact").map((c) => c.Id);
    expect(answer.body.slice(1)).toEqual([
      { success: false, errors: [{ statusCode: "INVALID_EMAIL_ADDRESS", message: "Email: invalid email address: not-an-email", fields: ["Email"] }] },
      { success: false, errors: [{ statusCode: "STRING_TOO_LONG", message: `Last Name: data value too large: ${"x".repeat(81)} (max length=80)`, fields: ["LastName"] }] },
      { success: false, errors: [{ statusCode: "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", message: "Tier: bad value for restricted picklist field: Enterprise", fields: ["Tier__c"] }] },
      { success: false, errors: [{ statusCode: "REQUIRED_FIELD_MISSING", message: "Required fields are missing: [LastName]", fields: ["LastName"] }] },
      { success: false, errors: [{ statusCode: "DUPLICATE_VALUE", message: `duplicate value found: External_Id__c duplicates value on record with id: ${takenId}`, fields: ["External_Id__c"] }] },
      { success: false, errors: [{ statusCode: "NUMBER_OUTSIDE_VALID_RANGE", message: "Score: value outside of valid range on numeric field: 1234.5", fields: ["Score__c"] }] },
      {
        success: false,
        errors: [
          {
            statusCode: "INVALID_FIELD_FOR_INSERT_UPDATE",
            message: "Unable to create/update fields: Name. Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
            fields: ["Name"],
          },
        ],
      },
    ]);
    expect(answer.body[0]).toMatchObject({ success: true, errors: [] });
    expect(e.dump("Contact").map((c) => c.LastName)).toEqual(["Existing", "Good"]);
  });

  it("fails the whole request for an unknown field or a value of the wrong type, saving nothing", async () => {
    const e = await emulator();
    const unknown = await raw(e, "POST", "/services/data/v62.0/composite/sobjects", {
      records: [{ attributes: { type: "Contact" }, LastName: "Fine" }, { attributes: { type: "Contact" }, LastName: "X", Foo__c: 1 }],
    });
    expect(unknown).toMatchObject({ status: 400, body: [{ errorCode: "INVALID_FIELD", message: "No such column 'Foo__c' on sobject of type Contact" }] });
    const wrongType = await raw(e, "POST", "/services/data/v62.0/composite/sobjects", { records: [{ attributes: { type: "Contact" }, LastName: "X", Score__c: "high" }] });
    expect(wrongType).toMatchObject({ status: 400, body: [{ errorCode: "JSON_PARSER_ERROR" }] });
    expect(e.dump("Contact")).toEqual([]);
  });

  it("takes at most 200 records a request", async () => {
    const e = await emulator();
    const records = Array.from({ length: 201 }, (_, i) => ({ attributes: { type: "Contact" }, LastName: `L${i}` }));
    const answer = await raw(e, "POST", "/services/data/v62.0/composite/sobjects", { records });
    expect(answer).toMatchObject({ status: 400, body: [{ errorCode: "EXCEEDED_ID_LIMIT" }] });
    expect((await raw(e, "POST", "/services/data/v62.0/composite/sobjects", { records: records.slice(1) })).body).toHaveLength(200);
  });

  it("rolls every record back under allOrNone when one fails", async () => {
    const e = await emulator();
    const conn = connect(e);
    const results = await conn.sobject("Contact").create([{ LastName: "Kept?" }, { LastName: "Bad", Email: "nope" }], { allOrNone: true });
    expect(results).toEqual([
      {
        id: expect.stringMatching(/^003/),
        success: false,
        errors: [{ statusCode: "ALL_OR_NONE_OPERATION_ROLLED_BACK", message: "Record rolled back because not all records were valid and the request was using AllOrNone header", fields: [] }],
      },
      { success: false, errors: [{ statusCode: "INVALID_EMAIL_ADDRESS", message: "Email: invalid email address: nope", fields: ["Email"] }] },
    ]);
    expect(e.dump("Contact")).toEqual([]);
  });

  it("updates by Id and refuses fields that are not updateable; deletes by Id, reporting ids already deleted", async () => {
    const e = await emulator();
    const [a, b] = e.seed("Contact", [{ LastName: "A", Locked__c: "first" }, { LastName: "B" }]);
    const conn = connect(e);
    const updated = await conn.sobject("Contact").update([
      { Id: a!, LastName: "A2" },
      { Id: b!, Locked__c: "changed" },
      { Id: "003Em000000009ZAAA", LastName: "Nobody" },
    ]);
    expect(updated).toEqual([
      { id: a, success: true, errors: [] },
      { id: b, success: false, errors: [expect.objectContaining({ statusCode: "INVALID_FIELD_FOR_INSERT_UPDATE", fields: ["Locked__c"] })] },
      { id: "003Em000000009ZAAA", success: false, errors: [{ statusCode: "MALFORMED_ID", message: "Contact ID: id value of incorrect type: 003Em000000009ZAAA", fields: ["Id"] }] },
    ]);
    const deleted = await conn.sobject("Contact").destroy([a!, a!.slice(0, 15)]);
    expect(deleted).toEqual([
      { id: a, success: true, errors: [] },
      { id: a!.slice(0, 15), success: false, errors: [{ statusCode: "ENTITY_IS_DELETED", message: "entity is deleted", fields: [] }] },
    ]);
    expect(e.dump("Contact").map((c) => [c.Id, c.LastName])).toEqual([[b, "B"]]);
  });

  it("refuses upserts on a field that is not an external id, and records sharing an external id in one request", async () => {
    const e = await emulator();
    const notExternal = await raw(e, "PATCH", "/services/data/v62.0/composite/sobjects/Contact/Email", { records: [{ attributes: { type: "Contact" }, Email: "a@b.co", LastName: "A" }] });
    expect(notExternal).toMatchObject({ status: 404, body: [{ errorCode: "NOT_FOUND", message: "Provided external ID field does not exist or is not accessible: Email" }] });
    const twice = await raw(e, "PATCH", "/services/data/v62.0/composite/sobjects/Contact/External_Id__c", {
      records: [
        { attributes: { type: "Contact" }, External_Id__c: "x", LastName: "One" },
        { attributes: { type: "Contact" }, External_Id__c: "X", LastName: "Two" },
        { attributes: { type: "Contact" }, LastName: "No id" },
      ],
    });
    expect(twice.body).toEqual([
      { success: false, errors: [{ statusCode: "DUPLICATE_EXTERNAL_ID", message: "Duplicate external id specified: x", fields: ["External_Id__c"] }] },
      { success: false, errors: [{ statusCode: "DUPLICATE_EXTERNAL_ID", message: "Duplicate external id specified: X", fields: ["External_Id__c"] }] },
      { success: false, errors: [{ statusCode: "MISSING_ARGUMENT", message: "External_Id__c not specified", fields: [] }] },
    ]);
  });

  it("fails records with UNABLE_TO_LOCK_ROW and requests with 503 when told to", async () => {
    const e = await emulator();
    e.failNext(1);
    const unavailable = await raw(e, "POST", "/services/data/v62.0/composite/sobjects", { records: [{ attributes: { type: "Contact" }, LastName: "A" }] });
    expect(unavailable).toMatchObject({ status: 503, body: [{ errorCode: "SERVER_UNAVAILABLE" }] });
    e.lockNextRecords(1);
    const locked = await raw(e, "POST", "/services/data/v62.0/composite/sobjects", {
      records: [{ attributes: { type: "Contact" }, LastName: "A" }, { attributes: { type: "Contact" }, LastName: "B" }],
    });
    expect(locked.body[0]).toEqual({ success: false, errors: [{ statusCode: "UNABLE_TO_LOCK_ROW", message: "unable to obtain exclusive access to this record or 1 records: ", fields: [] }] });
    expect(locked.body[1]).toMatchObject({ success: true });
    expect(e.dump("Contact").map((c) => c.LastName)).toEqual(["B"]);
  });
});

describe("references and API versions", () => {
  it("checks that a reference holds the id of a live record of the object it points to", async () => {
    const e = await emulator();
    const [account] = e.seed("Account", [{ Name: "Acme" }]);
    const [contact] = e.seed("Contact", [{ LastName: "Existing" }]);
    const deletedAccount = e.seed("Account", [{ Name: "Gone" }])[0]!;
    await connect(e).sobject("Account").destroy(deletedAccount);
    const answer = await raw(e, "POST", "/services/data/v62.0/composite/sobjects", {
      records: [
        { attributes: { type: "Contact" }, LastName: "A", AccountId: account },
        { attributes: { type: "Contact" }, LastName: "B", AccountId: contact },
        { attributes: { type: "Contact" }, LastName: "C", AccountId: deletedAccount },
      ],
    });
    expect(answer.body).toEqual([
      { id: expect.stringMatching(/^003/), success: true, errors: [] },
      { success: false, errors: [{ statusCode: "FIELD_INTEGRITY_EXCEPTION", message: `Account ID: id value of incorrect type: ${contact}`, fields: ["AccountId"] }] },
      { success: false, errors: [{ statusCode: "INVALID_CROSS_REFERENCE_KEY", message: "Account ID: invalid cross reference id", fields: ["AccountId"] }] },
    ]);
  });

  it("serves each resource from the API version that introduced it", async () => {
    const e = await emulator();
    const records = { records: [{ attributes: { type: "Contact" }, External_Id__c: "v", LastName: "V" }] };
    expect((await raw(e, "PATCH", "/services/data/v45.0/composite/sobjects/Contact/External_Id__c", records)).status).toBe(404);
    expect((await raw(e, "POST", "/services/data/v41.0/composite/sobjects", records)).status).toBe(404);
    expect((await raw(e, "PATCH", "/services/data/v46.0/composite/sobjects/Contact/External_Id__c", records)).status).toBe(200);
    // One record by external id: 201 created, 200 updated from 46.0, 204 before.
    const one = (version: string) => raw(e, "PATCH", `/services/data/v${version}/sobjects/Contact/External_Id__c/w`, { LastName: "W" });
    expect((await one("46.0")).status).toBe(201);
    expect((await one("46.0")).body).toMatchObject({ success: true, created: false });
    expect((await one("45.0")).status).toBe(204);
    expect((await raw(e, "POST", "/services/data/v40.0/jobs/ingest", { object: "Contact", operation: "insert" })).status).toBe(404);
  });
});

describe("SOQL", () => {
  it("finds records by external id with IN, pages results by 2,000, and counts", async () => {
    const e = await emulator();
    e.seed("Thing__c", Array.from({ length: 4500 }, (_, i) => ({ Name: `T${i}`, Code__c: `k${i}` })));
    const conn = connect(e);
    const some = await conn.query<{ Id: string; Code__c: string }>("SELECT Id, Code__c FROM Thing__c WHERE Code__c IN ('K1', 'k7', 'nope')");
    expect(some.records.map((r) => r.Code__c)).toEqual(["k1", "k7"]);
    const all = await conn.query("SELECT Id FROM Thing__c", { autoFetch: true, maxFetch: 10_000 });
    expect(all.totalSize).toBe(4500);
    expect(all.records).toHaveLength(4500);
    expect(e.requestLog.filter((r) => r.path.includes("/query")).map((r) => r.path.replace(/01g\w+/, "LOCATOR"))).toEqual([
      "/services/data/v62.0/query",
      "/services/data/v62.0/query",
      "/services/data/v62.0/query/LOCATOR-2000",
      "/services/data/v62.0/query/LOCATOR-4000",
    ]);
    expect((await conn.query("SELECT COUNT() FROM Thing__c WHERE Code__c != null")).totalSize).toBe(4500);
  });

  it("refuses what it does not run: malformed queries, unknown fields and objects, URIs over 16,384 bytes", async () => {
    const e = await emulator();
    const conn = connect(e);
    expect(await failure(conn.query("SELECT Id FROM Contact GROUP BY Name"))).toMatchObject({ errorCode: "MALFORMED_QUERY" });
    expect(await failure(conn.query("SELECT Nope__c FROM Contact"))).toMatchObject({ errorCode: "INVALID_FIELD" });
    expect(await failure(conn.query("SELECT Id FROM Nope__c"))).toMatchObject({ errorCode: "INVALID_TYPE" });
    const values = Array.from({ length: 1200 }, (_, i) => `'value-${i}'`).join(",");
    const long = await raw(e, "GET", `/services/data/v62.0/query?q=${encodeURIComponent(`SELECT Id FROM Contact WHERE External_Id__c IN (${values})`)}`);
    expect(long.status).toBe(414);
  });
});

describe("Bulk API 2.0 ingest jobs", () => {
  /** jsforce types result rows by the org's schema; these are plain CSV rows of text. */
  const rows = (list: unknown) => list as Array<Record<string, string>>;
  /** CSV of Contacts with external ids `b-<i>`, rows `from`..`to`. */
  function contactsCsv(from: number, to: number, row: (i: number) => string = (i) => `b-${i},Last${i},person${i}@example.com`): string {
    const lines = ["External_Id__c,LastName,Email"];
    for (let i = from; i <= to; i++) lines.push(row(i));
    return `${lines.join("\n")}\n`;
  }

  it("upserts 25,000 records through jsforce's bulk2 unchanged; results come back per record, not in upload order", async () => {
    const e = await emulator();
    const conn = connect(e);
    e.seed("Contact", [{ External_Id__c: "b-7", LastName: "Before" }]);
    const results = await conn.bulk2.loadAndWaitForResults({ object: "Contact", operation: "upsert", externalIdFieldName: "External_Id__c", input: contactsCsv(1, 25_000), pollInterval: 50, pollTimeout: 60_000 });
    expect(results.successfulResults).toHaveLength(25_000);
    expect(results.failedResults).toEqual([]);
    expect(results.unprocessedRecords).toEqual([]);
    const ids = rows(results.successfulResults).map((r) => String(r.External_Id__c));
    expect(ids.slice(0, 2)).toEqual(["b-20001", "b-20002"]);
    expect(new Set(ids).size).toBe(25_000);
    expect(rows(results.successfulResults).find((r) => r.External_Id__c === "b-7")).toMatchObject({ sf__Created: "false", sf__Id: e.dump("Contact")[0]!.Id });
    expect(rows(results.successfulResults).find((r) => r.External_Id__c === "b-8")).toMatchObject({ sf__Created: "true", sf__Id: expect.stringMatching(/^003/) });
    expect(e.dump("Contact")).toHaveLength(25_000);
    expect(e.dump("Contact")[0]).toMatchObject({ External_Id__c: "b-7", LastName: "Last7" });
    const jobPaths = e.requestLog.filter((r) => r.path.includes("/jobs/ingest")).map((r) => `${r.method} ${r.path.replace(/750\w+/, "ID")} ${r.status}`);
    expect(jobPaths.slice(0, 3)).toEqual([
      "POST /services/data/v62.0/jobs/ingest 200",
      "PUT /services/data/v62.0/jobs/ingest/ID/batches 201",
      "PATCH /services/data/v62.0/jobs/ingest/ID 200",
    ]);
    expect(((await conn.limits()) as unknown as { DailyBulkApiBatches: { Remaining: number } }).DailyBulkApiBatches.Remaining).toBe(15_000 - 3);
  });

  it("lists the records that failed with sf__Error as CODE:message:fields, and saves the others", async () => {
    const e = await emulator();
    const conn = connect(e);
    const csv = contactsCsv(1, 4, (i) => (i === 2 ? "b-2,Two,not-an-email" : i === 3 ? `b-3,${"x".repeat(81)},c@example.com` : `b-${i},Last${i},p${i}@example.com`));
    const results = await conn.bulk2.loadAndWaitForResults({ object: "Contact", operation: "upsert", externalIdFieldName: "External_Id__c", input: csv, pollInterval: 50, pollTimeout: 10_000 });
    expect(rows(results.failedResults).map((r) => [r.External_Id__c, r.sf__Error, r.sf__Id])).toEqual([
      ["b-2", "INVALID_EMAIL_ADDRESS:Email: invalid email address: not-an-email:Email --", ""],
      ["b-3", `STRING_TOO_LONG:Last Name: data value too large: ${"x".repeat(81)} (max length=80):LastName --`, ""],
    ]);
    expect(rows(results.successfulResults).map((r) => r.External_Id__c).sort()).toEqual(["b-1", "b-4"]);
  });

  it("leaves a field unchanged for an empty cell and sets it to null for #N/A", async () => {
    const e = await emulator();
    e.seed("Contact", [{ External_Id__c: "a", LastName: "A", Email: "a@example.com", FirstName: "Ann" }]);
    const job = connect(e).bulk2.createJob({ object: "Contact", operation: "upsert", externalIdFieldName: "External_Id__c" });
    await job.open();
    await job.uploadData("External_Id__c,FirstName,Email\na,,#N/A\n");
    await job.close();
    await job.poll(20, 10_000);
    expect(e.dump("Contact")[0]).toMatchObject({ FirstName: "Ann", Email: null });
  });

  it("fails the whole job for a header naming a field the object lacks: every record unprocessed", async () => {
    const e = await emulator();
    const job = connect(e).bulk2.createJob({ object: "Contact", operation: "insert" });
    await job.open();
    await job.uploadData("LastName,Nope__c\nA,1\nB,2\n");
    await job.close();
    let info = await job.check();
    while (info.state !== "Failed" && info.state !== "JobComplete") {
      await new Promise((resolve) => setTimeout(resolve, 20));
      info = await job.check();
    }
    expect(info).toMatchObject({ state: "Failed", errorMessage: "InvalidBatch : Field name not found : Nope__c", numberRecordsProcessed: 0 });
    expect(await job.getUnprocessedRecords()).toEqual([{ LastName: "A", Nope__c: "1" }, { LastName: "B", Nope__c: "2" }]);
    expect(e.dump("Contact")).toEqual([]);
  });

  it("takes one upload a job: closing after a second upload fails", async () => {
    const e = await emulator();
    const created = await raw(e, "POST", "/services/data/v62.0/jobs/ingest", { object: "Contact", operation: "insert" });
    expect(created).toMatchObject({ status: 200, body: { state: "Open", operation: "insert", object: "Contact", contentType: "CSV", lineEnding: "LF", columnDelimiter: "COMMA" } });
    const put = (csv: string) => fetch(`${e.url}/services/data/v62.0/jobs/ingest/${created.body.id}/batches`, { method: "PUT", headers: { authorization: `Bearer ${e.accessToken}`, "content-type": "text/csv" }, body: csv });
    expect((await put("LastName\nA\n")).status).toBe(201);
    expect((await put("LastName\nB\n")).status).toBe(201);
    const closed = await raw(e, "PATCH", `/services/data/v62.0/jobs/ingest/${created.body.id}`, { state: "UploadComplete" });
    expect(closed).toMatchObject({ status: 400, body: [{ errorCode: "INVALIDJOB", message: expect.stringContaining("make sure you only do 'PUT' once on a given Job") }] });
    const early = await raw(e, "GET", `/services/data/v62.0/jobs/ingest/${created.body.id}/successfulResults`);
    expect(early).toMatchObject({ status: 400, body: [{ errorCode: "INVALIDJOBSTATE" }] });
  });
});

describe("@salesforce/core against the emulator", () => {
  it("connects with AuthInfo and Connection by access token and instance URL, unchanged", async () => {
    // @salesforce/core keeps auth files and logs under the home directory: give it a throwaway one.
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    process.env.HOME = mkdtempSync(join(tmpdir(), "sf-home-"));
    process.env.SF_DISABLE_LOG_FILE = "true";
    const { AuthInfo, Connection } = await import("@salesforce/core");
    const e = await emulator();
    const authInfo = await AuthInfo.create({ username: e.accessToken, accessTokenOptions: { instanceUrl: e.url, accessToken: e.accessToken, loginUrl: e.url } });
    const conn = await Connection.create({ authInfo });
    expect(conn.getApiVersion()).toBe(e.apiVersion);
    const saved = await conn.sobject("Thing__c").upsert([{ Code__c: "abc", Name: "A thing" }], "Code__c");
    expect(saved).toEqual([{ id: expect.stringMatching(/^a00/), success: true, errors: [], created: true }]);
    const found = await conn.query<{ Name: string }>("SELECT Name FROM Thing__c WHERE Code__c = 'abc'");
    expect(found.records.map((r) => r.Name)).toEqual(["A thing"]);
  });
});
