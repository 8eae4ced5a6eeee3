import { generateKeyPairSync, randomUUID } from "node:crypto";
import { ConfigError, ConnectionError, silentLogger } from "@reverse-etl/core";
import type { DestinationConnection, OutgoingRecord, WriteContext, WriteOutcome } from "@reverse-etl/core";
import { afterAll, describe, expect, it } from "vitest";
import { startSalesforceEmulator } from "./emulator/salesforce-emulator.js";
import type { SalesforceEmulatorOptions } from "./emulator/salesforce-emulator.js";
import type { SalesforceEmulator } from "./emulator/emulator-control.js";
import type { SalesforceDestinationOptions } from "./salesforce-destination-options.js";
import { salesforceDestination } from "./salesforce-destination.js";

const started: SalesforceEmulator[] = [];
afterAll(async () => {
  await Promise.all(started.map((e) => e.close()));
});

const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
const PRIVATE_KEY = keys.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const ORG: SalesforceEmulatorOptions = {
  certificate: keys.publicKey.export({ type: "spki", format: "pem" }).toString(),
  fields: { Contact: [{ name: "External_Id__c", type: "string", externalId: true, unique: true }] },
};

async function emulator(options: SalesforceEmulatorOptions = ORG): Promise<SalesforceEmulator> {
  const e = await startSalesforceEmulator(options);
  started.push(e);
  return e;
}

function connect(options: SalesforceDestinationOptions): Promise<DestinationConnection> {
  return salesforceDestination.connect({ apiVersion: "62.0", ...options }, { configDir: process.cwd(), name: "crm", logger: silentLogger });
}

/** The options of each of the four ways to sign in, against an emulator. */
function flows(e: SalesforceEmulator): Record<string, SalesforceDestinationOptions> {
  return {
    "access token": { instanceUrl: e.url, accessToken: e.accessToken },
    "refresh token": { loginUrl: e.url, clientId: e.clientId, clientSecret: e.clientSecret, refreshToken: e.refreshToken },
    "client credentials": { instanceUrl: e.url, clientId: e.clientId, clientSecret: e.clientSecret },
    "JWT bearer": { loginUrl: e.url, clientId: e.clientId, username: e.username, privateKey: PRIVATE_KEY.replace(/\n/g, "\\n") },
  };
}

function context(counter = { extra: 0 }): WriteContext {
  return {
    sync: "people",
    object: "Contact",
    options: { bulk: "never", bulkThreshold: 2000, bulkJobSize: 150_000 },
    runId: "run-1",
    idempotencyKey: randomUUID(),
    signal: new AbortController().signal,
    acquireRequests: async (count = 1) => void (counter.extra += count),
  };
}

function person(i: number): OutgoingRecord {
  return { key: String(i), keyValue: i, match: { External_Id__c: `p-${i}` }, fields: { LastName: `Last${i}` } };
}

function statuses(outcome: WriteOutcome): string[] {
  return outcome.type === "results" ? outcome.results.map((r) => r.status) : [outcome.type];
}

describe("signing in", () => {
  it.each(["access token", "refresh token", "client credentials", "JWT bearer"])("writes with the %s flow", async (flow) => {
    const e = await emulator();
    const connection = await connect(flows(e)[flow]!);
    await expect(connection.check()).resolves.toBeUndefined();
    expect(statuses(await connection.write("upsert", [person(1)], context()))).toEqual(["ok"]);
    expect(e.dump("Contact").map((c) => c.External_Id__c)).toEqual(["p-1"]);
  });

  it("stops with a message naming the refused flow, never a secret", async () => {
    const e = await emulator();
    const refused: Array<[SalesforceDestinationOptions, RegExp]> = [
      [{ ...flows(e)["refresh token"]!, refreshToken: "5Aep861-not-issued" }, /refused the refresh token \(clientId, clientSecret, refreshToken\) sign-in at .* \(invalid_grant: expired access\/refresh token\)/],
      [{ ...flows(e)["client credentials"]!, clientSecret: "wrong-secret-value" }, /refused the client credentials \(clientId, clientSecret\) sign-in .* \(invalid_client: invalid client credentials\)/],
      [{ ...flows(e)["JWT bearer"]!, username: "someone@else.com" }, /refused the JWT bearer \(clientId, username, privateKey\) sign-in .* \(invalid_grant: user hasn't approved this consumer\)/],
      [{ instanceUrl: e.url, accessToken: "00DEm0000000007!not-a-session" }, /refused the access token \(INVALID_SESSION_ID: Session expired or invalid\)/],
    ];
    for (const [options, message] of refused) {
      const connection = await connect(options);
      const error = await connection.check().then(() => undefined, (caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as Error).message).toMatch(message);
      const outcome = await connection.write("upsert", [person(1)], context());
      expect(outcome).toMatchObject({ type: "fatal", message: expect.stringMatching(message) });
      for (const secret of [options.refreshToken, options.clientSecret, options.accessToken, options.privateKey]) {
        if (secret) expect(JSON.stringify(outcome)).not.toContain(secret);
      }
    }
  });

  it("says when the org does not serve the configured API version", async () => {
    const e = await emulator();
    const connection = await connect({ ...flows(e)["access token"]!, apiVersion: "99.0" });
    await expect(connection.check()).rejects.toThrow(/reading the resources of API version 99\.0: NOT_FOUND: The requested resource does not exist; check instanceUrl and apiVersion/);
  });

  it("refuses options that do not make exactly one way to sign in", async () => {
    const e = await emulator();
    const cases: Array<[SalesforceDestinationOptions, string]> = [
      [{ accessToken: "x" }, "accessToken needs instanceUrl"],
      [{ clientId: "a", clientSecret: "b", loginUrl: "https://login.salesforce.com" }, "the client-credentials flow needs the org's My Domain URL"],
      [{ clientId: "a", refreshToken: "r" }, "set exactly one way to authenticate"],
      [{ accessToken: "x", instanceUrl: e.url, clientId: "a", clientSecret: "b" }, "set exactly one way to authenticate"],
      [{ clientId: "a", username: "u", privateKey: "not a key" }, "privateKey is not a PEM private key"],
      [{ accessToken: "x", instanceUrl: "ftp://example.com" }, "instanceUrl is not an http(s) URL"],
    ];
    for (const [options, message] of cases) {
      const error = await connect(options).then(() => undefined, (caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues).toEqual([{ path: "/destinations/crm", message: expect.stringContaining(message) }]);
    }
  });
});

describe("sessions and limits", () => {
  it.each(["refresh token", "client credentials", "JWT bearer"])("renews an expired session once with the %s flow and repeats the request, counting it", async (flow) => {
    const e = await emulator();
    const connection = await connect(flows(e)[flow]!);
    expect(statuses(await connection.write("upsert", [person(1)], context()))).toEqual(["ok"]);
    e.expireSessions();
    const counter = { extra: 0 };
    expect(statuses(await connection.write("upsert", [person(2)], context(counter)))).toEqual(["ok"]);
    expect(counter.extra).toBe(1);
    const tail = e.requestLog.slice(-3).map((r) => `${r.method} ${r.path} ${r.status}`);
    expect(tail).toEqual([
      "PATCH /services/data/v62.0/composite/sobjects/Contact/External_Id__c 401",
      "POST /services/oauth2/token 200",
      "PATCH /services/data/v62.0/composite/sobjects/Contact/External_Id__c 200",
    ]);
  });

  it("stops the run (fatal) when an access token expires: it cannot be renewed", async () => {
    const e = await emulator();
    const connection = await connect(flows(e)["access token"]!);
    expect(statuses(await connection.write("upsert", [person(1)], context()))).toEqual(["ok"]);
    e.expireSessions();
    expect(await connection.write("upsert", [person(2)], context())).toMatchObject({ type: "fatal", message: expect.stringContaining("give a new accessToken") });
  });

  it("keeps the configured share of the daily allocation for other integrations, then ends the run cleanly", async () => {
    const e = await emulator({ ...ORG, dailyApiRequests: 100 });
    e.useApiRequests(77);
    const connection = await connect({ ...flows(e)["access token"]!, apiReserve: 0.2 });
    // Known use after this answer: 79 (the describe and the write); the budget is 80.
    expect(statuses(await connection.write("upsert", [person(1)], context()))).toEqual(["ok"]);
    expect(statuses(await connection.write("upsert", [person(2)], context()))).toEqual(["ok"]);
    const stopped = await connection.write("upsert", [person(3)], context());
    expect(stopped).toEqual({
      type: "stop",
      message: "[reverse-etl] [salesforce] destination crm: the org has used 80 of its 100 daily API requests, and 20% is kept for its other integrations (option apiReserve); the rest waits for the next run",
    });
    expect(e.apiUsage.used).toBe(80);
  });

  it("ends the run cleanly when Salesforce answers REQUEST_LIMIT_EXCEEDED", async () => {
    const e = await emulator({ ...ORG, dailyApiRequests: 10 });
    const connection = await connect({ ...flows(e)["access token"]!, apiReserve: 0 });
    expect(statuses(await connection.write("upsert", [person(1)], context()))).toEqual(["ok"]);
    // Other integrations spend the rest of the day's allocation: the plugin last saw 2 of 10 used.
    e.useApiRequests(8);
    expect(await connection.write("upsert", [person(2)], context())).toMatchObject({ type: "stop", message: expect.stringContaining("REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.") });
  });
});
