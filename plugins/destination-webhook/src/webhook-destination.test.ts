import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ConnectionError, silentLogger } from "@reverse-etl/core";
import type { DestinationConnection, Logger, OutgoingRecord, WriteContext, WriteOutcome } from "@reverse-etl/core";
import { startFaultProxy, testDestinationContract } from "@reverse-etl/testkit";
import type { FaultRule } from "@reverse-etl/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { startWebhookReceiver } from "./emulator/webhook-receiver.js";
import type { WebhookReceiver, WebhookReceiverOptions } from "./emulator/webhook-receiver.js";
import type { WebhookDestinationOptions } from "./webhook-destination-options.js";
import { webhookDestination } from "./webhook-destination.js";

const SECRET = "Bearer s3cr3t-token-value";
const messages: string[] = [];
const running: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  await Promise.all(running.map((r) => r.close()));
});

async function receiver(options?: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const started = await startWebhookReceiver(options);
  running.push(started);
  return started;
}

/** A receiver behind the testkit's fault proxy playing `faults`: the destination posts to `url`, the proxy's. */
async function faultyReceiver(faults: FaultRule[], options?: WebhookReceiverOptions): Promise<{ hook: WebhookReceiver; url: string }> {
  const hook = await receiver(options);
  const proxy = await startFaultProxy({ target: hook.url, faults });
  running.push(proxy);
  return { hook, url: proxy.url };
}

function connect(options: WebhookDestinationOptions, logger: Logger = silentLogger): Promise<DestinationConnection> {
  return webhookDestination.connect(options, { configDir: process.cwd(), name: "hook", logger });
}

function context(signal = new AbortController().signal): WriteContext {
  return { sync: "customers", object: "contacts", options: {}, runId: "run-1", idempotencyKey: randomUUID(), signal, acquireRequests: async () => undefined };
}

const batch: OutgoingRecord[] = [1, 2, 3].map((id) => ({
  key: String(id),
  keyValue: id,
  match: { email: `u${id}@example.com` },
  fields: { id, plan: id === 2 ? null : "pro" },
}));

/** Write and remember every message, to prove none of them leaks the secret header. */
async function write(connection: DestinationConnection, records = batch, ctx = context()): Promise<WriteOutcome> {
  const outcome = await connection.write("upsert", records, ctx);
  if (outcome.type !== "results") messages.push(outcome.message);
  else for (const r of outcome.results) if ("message" in r) messages.push(r.message);
  return outcome;
}

const contractReceiver = await receiver({ requiredHeaders: { authorization: SECRET } });
testDestinationContract({
  name: "webhook",
  object: "contacts",
  connect: () => connect({ url: contractReceiver.url, headers: { authorization: SECRET }, batchSize: 50 }),
  readBack: async () => new Map([...contractReceiver.records].map(([key, record]) => [key, record.fields])),
});

describe("webhook destination", () => {
  it("POSTs the batch as JSON with the idempotency key and the configured headers", async () => {
    const hook = await receiver({ requiredHeaders: { authorization: SECRET } });
    const connection = await connect({ url: hook.url, headers: { authorization: SECRET, "x-team": "data" } });
    const ctx = context();
    expect(await write(connection, batch, ctx)).toEqual({
      type: "results",
      results: [{ status: "ok" }, { status: "ok" }, { status: "ok" }],
    });
    const [request] = hook.requests;
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.headers["idempotency-key"]).toBe(ctx.idempotencyKey);
    expect(request.headers["x-team"]).toBe("data");
    expect(request.payload).toEqual({
      sync: "customers",
      object: "contacts",
      runId: "run-1",
      operation: "upsert",
      idempotencyKey: ctx.idempotencyKey,
      records: batch,
    });
    expect(hook.records.get("2")?.fields).toEqual({ id: 2, plan: null });
    await connection.close();
  });

  it("turns 429 with Retry-After into a retry with the delay", async () => {
    const { hook, url } = await faultyReceiver([
      { nth: [1], fault: { status: 429, retryAfterSeconds: 7 } },
      { nth: [2], fault: { status: 429, headers: { "retry-after": new Date(Date.now() + 60_000).toUTCString() } } },
    ]);
    const connection = await connect({ url });
    expect(await write(connection)).toMatchObject({ type: "retry", retryAfterMs: 7000 });
    const dated = await write(connection);
    expect(dated.type).toBe("retry");
    expect(dated.type === "retry" && dated.retryAfterMs).toBeGreaterThan(30_000);
    expect(hook.records.size).toBe(0);
    expect(await write(connection)).toMatchObject({ type: "results" });
    expect(hook.records.size).toBe(3);
    await connection.close();
  });

  it("retries on 500 and on a dropped connection", async () => {
    const { url } = await faultyReceiver([
      { nth: [1], fault: { status: 500, body: "internal error" } },
      { nth: [2], fault: "drop" },
    ]);
    const connection = await connect({ url });
    const failed = await write(connection);
    expect(failed).toMatchObject({ type: "retry" });
    expect(failed.type === "retry" && failed.message).toMatch(/HTTP 500: internal error/);
    expect(failed.type === "retry" && failed.retryAfterMs).toBe(undefined);
    expect(await write(connection)).toMatchObject({ type: "retry", message: expect.stringMatching(/no answer from http:\/\/127\.0\.0\.1/) });
    await connection.close();
  });

  it("rejects the batch on a 400, quoting the response body cut to about 1 KB", async () => {
    const { url } = await faultyReceiver([
      { nth: [1], fault: { status: 400, body: { error: "field plan is unknown" } } },
      { nth: [2], fault: { status: 400, body: "y".repeat(10_000) } },
    ]);
    const connection = await connect({ url });
    expect(await write(connection)).toEqual({
      type: "batch-rejected",
      message: `[reverse-etl] [webhook] ${url} rejected the batch (HTTP 400): {"error":"field plan is unknown"}`,
    });
    const long = await write(connection);
    expect(long.type === "batch-rejected" && long.message.length).toBeLessThan(1300);
    await connection.close();
  });

  it("stops the run on 401 and 403 as refused credentials, without naming them", async () => {
    // The receiver itself answers the wrong token with 401; the proxy answers the second request 403.
    const { url } = await faultyReceiver([{ nth: [2], fault: { status: 403 } }], { requiredHeaders: { authorization: "Bearer the-right-one" } });
    const connection = await connect({ url, headers: { authorization: SECRET } });
    expect(await write(connection)).toEqual({
      type: "fatal",
      credentials: true,
      message: "[reverse-etl] [webhook] the webhook refused the credentials (HTTP 401): check the headers option.",
    });
    expect(await write(connection)).toMatchObject({ type: "fatal", credentials: true, message: expect.stringContaining("HTTP 403") });
    await connection.close();
  });

  it("honours the per-record results of a 2xx answer", async () => {
    const hook = await receiver();
    hook.rejectRecord((record) => record.key === "2", "plan must not be empty");
    const connection = await connect({ url: hook.url });
    expect(await write(connection)).toEqual({
      type: "results",
      results: [{ status: "ok" }, { status: "rejected", message: "plan must not be empty" }, { status: "ok" }],
    });
    expect([...hook.records.keys()]).toEqual(["1", "3"]);
    await connection.close();
  });

  it("retries a batch whose answer does not come within timeoutMs", async () => {
    const { url } = await faultyReceiver([{ nth: [1], fault: { delayMs: 5_000 } }]);
    const connection = await connect({ url, timeoutMs: 100 });
    const outcome = await write(connection);
    expect(outcome).toMatchObject({ type: "retry", message: expect.stringContaining("no response within 100 ms") });
    await connection.close();
  });

  it("never throws: a refused connection and a cancelled run become retry outcomes", async () => {
    const port = await closedPort();
    const connection = await connect({ url: `http://127.0.0.1:${port}/hook?token=abcdef123` });
    const refused = await write(connection);
    expect(refused).toMatchObject({ type: "retry", message: expect.stringContaining("ECONNREFUSED") });
    expect(refused.type === "retry" && refused.message).not.toContain("abcdef123");
    const aborted = new AbortController();
    aborted.abort();
    expect(await write(connection, batch, context(aborted.signal))).toMatchObject({ type: "retry" });
    await connection.close();
  });

  it("check() sends no data and treats any HTTP answer as reachable", async () => {
    const hook = await receiver({ requiredHeaders: { authorization: "Bearer other" } });
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (message) => warnings.push(message) };
    const connection = await connect({ url: hook.url, headers: { authorization: SECRET } }, logger);
    await expect(connection.check()).resolves.toBeUndefined();
    expect(hook.requests.map((r) => r.method)).toEqual(["HEAD"]);
    expect(hook.records.size).toBe(0);
    expect(warnings).toEqual([expect.stringContaining("HTTP 401")]);
    expect(warnings.join("")).not.toContain(SECRET);
    await connection.close();
  });

  it("check() fails with a ConnectionError naming the URL without secrets when nothing listens", async () => {
    const port = await closedPort();
    const connection = await connect({ url: `http://user:pa55word@127.0.0.1:${port}/hook?key=topsecret`, headers: { authorization: SECRET } });
    const error = await connection.check().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    const message = (error as Error).message;
    expect(message).toBe(
      `[reverse-etl] [webhook] cannot reach the webhook at http://127.0.0.1:${port}/hook (ECONNREFUSED): check the url option and that the server is running.`,
    );
    await connection.close();
  });

  it("sends credentials written in the url as Basic auth, never in messages", async () => {
    const hook = await receiver({ requiredHeaders: { authorization: `Basic ${Buffer.from("user:pa55word").toString("base64")}` } });
    const connection = await connect({ url: hook.url.replace("http://", "http://user:pa55word@") });
    expect(await write(connection)).toMatchObject({ type: "results" });
    expect(hook.records.size).toBe(3);
    await connection.close();
  });

  it("stops on a redirect instead of following it (a POST would become a GET)", async () => {
    let gets = 0;
    const server = createServer((req, res) => {
      if (req.method === "GET") gets++;
      res.writeHead(301, { location: "/moved?token=hidden" }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const connection = await connect({ url: `http://127.0.0.1:${port}/old` });
      expect(await write(connection)).toEqual({
        type: "fatal",
        message:
          `[reverse-etl] [webhook] http://127.0.0.1:${port}/old redirects (HTTP 301) to http://127.0.0.1:${port}/moved: ` +
          "set the url option to the final address (redirects are not followed, so no batch is sent twice or lost).",
      });
      expect(gets).toBe(0);
      await connection.close();
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("refuses an invalid url without repeating it", async () => {
    await expect(connect({ url: "not a url secret-ish" })).rejects.toThrow(/\[webhook\] destination hook: the url option is not a valid URL/);
    await expect(connect({ url: "ftp://example.com/x" })).rejects.toThrow(/must start with http:\/\/ or https:\/\//);
  });

  it("declares capabilities from its options", async () => {
    const connection = await connect({ url: "http://127.0.0.1:1/", batchSize: 500, maxConcurrency: 4, rateLimit: { requests: 10, perMs: 1000 } });
    expect(connection.capabilities).toEqual({
      modes: ["upsert", "update", "insert", "mirror"],
      maxBatchSize: 500,
      maxConcurrency: 4,
      rateLimits: [{ requests: 10, perMs: 1000 }],
    });
    const defaults = await connect({ url: "http://127.0.0.1:1/" });
    expect(defaults.capabilities).toMatchObject({ maxBatchSize: 100, maxConcurrency: 2 });
    expect(await defaults.describe("anything")).toMatchObject({ acceptsAnyField: true });
    expect(webhookDestination.optionsSchema).toMatchObject({ required: ["url"], additionalProperties: false });
  });

  it("never puts the headers in any message", () => {
    expect(messages.length).toBeGreaterThan(5);
    for (const message of messages) {
      expect(message).not.toContain("s3cr3t");
      expect(message).toMatch(/^\[reverse-etl\] \[webhook\] |^plan must not be empty$/);
    }
  });
});

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
