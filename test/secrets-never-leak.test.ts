// Issue 15: no form of any secret reaches any output or state table, for every destination with secrets,
// even when the destination echoes whole requests back in its error answers. The file destination takes
// no credentials (a path only), so it has nothing to leak and no run here.
import { startHubSpotEmulator } from "@reverse-etl/destination-hubspot/emulator";
import { startSalesforceEmulator } from "@reverse-etl/destination-salesforce/emulator";
import { startSegmentEmulator } from "@reverse-etl/destination-segment/emulator";
import { startWebhookReceiver } from "@reverse-etl/destination-webhook/emulator";
import { testSecretsNeverLeak } from "@reverse-etl/testkit";
import { CLI } from "./support/cli.js";
import { projectDir } from "./support/warehouse.js";

const withUserInfo = (url: string, user: string, password: string): string => {
  const parsed = new URL(url);
  parsed.username = user;
  parsed.password = encodeURIComponent(password);
  return parsed.href;
};

const people = { mode: "upsert", fields: { email: "email", first_name: "first_name", last_name: "last_name" } };

// Webhook: the URL's password from env() (sent as Basic auth), a bearer token written literally in a header.
const HOOK_PASSWORD = "h00k pass/w0rd+env";
const HOOK_TOKEN = "wh-literal-t0ken-0c9f2e";
testSecretsNeverLeak({
  name: "webhook, credentials in the URL from env() and a literal Authorization header",
  dir: () => projectDir("leak-webhook"),
  cli: CLI,
  startEmulator: () => startWebhookReceiver(),
  destination: (url) => ({
    entry: { plugin: "@reverse-etl/destination-webhook", url: { $env: "LEAK_HOOK_URL" }, headers: { "X-Hook-Token": HOOK_TOKEN }, batchSize: 2 },
    env: { LEAK_HOOK_URL: withUserInfo(url, "svc", HOOK_PASSWORD) },
    secrets: [withUserInfo(url, "svc", HOOK_PASSWORD), HOOK_TOKEN],
  }),
  sync: people,
});

// Webhook with a password written literally in the URL: a secret though it is not read with env().
const LITERAL_PASSWORD = "l1teral-url-passw0rd";
testSecretsNeverLeak({
  name: "webhook, a password written literally in the URL",
  dir: () => projectDir("leak-webhook-literal"),
  cli: CLI,
  startEmulator: () => startWebhookReceiver(),
  destination: (url) => ({
    entry: { plugin: "@reverse-etl/destination-webhook", url: withUserInfo(url, "svc", LITERAL_PASSWORD) },
    secrets: [withUserInfo(url, "svc", LITERAL_PASSWORD)],
  }),
  sync: people,
});

const HUBSPOT_TOKEN = "pat-na1-leak0000-hub5-4a2b-9c3d-e2etokenvalue";
testSecretsNeverLeak({
  name: "hubspot",
  dir: () => projectDir("leak-hubspot"),
  cli: CLI,
  startEmulator: () => startHubSpotEmulator({ accessToken: HUBSPOT_TOKEN }),
  destination: (url) => ({
    entry: { plugin: "@reverse-etl/destination-hubspot", accessToken: { $env: "LEAK_HUBSPOT_TOKEN" }, baseUrl: url },
    env: { LEAK_HUBSPOT_TOKEN: HUBSPOT_TOKEN },
    secrets: [HUBSPOT_TOKEN],
  }),
  sync: { object: "contacts", mode: "upsert", match: { email: "email" }, fields: { first_name: "firstname", last_name: "lastname" } },
});

// Segment sends the write key as Basic auth's user: base64 of "KEY:".
const SEGMENT_KEY = "seg-leak-writekey-7d1e0f9a";
testSecretsNeverLeak({
  name: "segment",
  dir: () => projectDir("leak-segment"),
  cli: CLI,
  startEmulator: () => startSegmentEmulator({ writeKey: SEGMENT_KEY }),
  destination: (url) => ({
    entry: { plugin: "@reverse-etl/destination-segment", writeKey: SEGMENT_KEY, baseUrl: url },
    secrets: [SEGMENT_KEY],
  }),
  sync: { object: "identify", mode: "upsert", match: { userId: "id" }, fields: { email: "email", first_name: "first_name" } },
});

// Salesforce, access-token flow: the data requests (Bearer token) go through the proxy.
const SF_ACCESS_TOKEN = "00Dleak0000!AQ4AQleakAccessTokenValue.s3cr3t";
testSecretsNeverLeak({
  name: "salesforce, access token",
  dir: () => projectDir("leak-salesforce"),
  cli: CLI,
  startEmulator: () => startSalesforceEmulator({ accessToken: SF_ACCESS_TOKEN }),
  destination: (url) => ({
    entry: { plugin: "@reverse-etl/destination-salesforce", instanceUrl: url, accessToken: { $env: "LEAK_SF_TOKEN" }, apiVersion: "62.0" },
    env: { LEAK_SF_TOKEN: SF_ACCESS_TOKEN },
    secrets: [SF_ACCESS_TOKEN],
  }),
  sync: { object: "Contact", mode: "insert", fields: { email: "Email", first_name: "FirstName", last_name: "LastName" } },
});

// Salesforce, refresh-token flow: the token request (a form body with the client secret and refresh token)
// goes through the proxy and is echoed; the org's instance URL is the emulator's own.
const SF_CLIENT = { clientId: "3MVG9leakclientidvalue", clientSecret: "8F1C2D3E4Bleak5A6978s3cr3t", refreshToken: "5Aep861leakRefresh.s3cr3t/+=" };
testSecretsNeverLeak({
  name: "salesforce, refresh token",
  dir: () => projectDir("leak-salesforce-oauth"),
  cli: CLI,
  startEmulator: () => startSalesforceEmulator(SF_CLIENT),
  destination: (url) => ({
    entry: {
      plugin: "@reverse-etl/destination-salesforce",
      loginUrl: url,
      apiVersion: "62.0",
      clientId: SF_CLIENT.clientId,
      clientSecret: { $env: "LEAK_SF_SECRET" },
      refreshToken: { $env: "LEAK_SF_REFRESH" },
    },
    env: { LEAK_SF_SECRET: SF_CLIENT.clientSecret, LEAK_SF_REFRESH: SF_CLIENT.refreshToken },
    secrets: [SF_CLIENT.clientSecret, SF_CLIENT.refreshToken],
  }),
  sync: { object: "Contact", mode: "insert", fields: { email: "Email", first_name: "FirstName", last_name: "LastName" } },
  echo: { path: "/services/oauth2/token" },
});
