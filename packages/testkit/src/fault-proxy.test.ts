import { createServer, get } from "node:http";
import type { IncomingHttpHeaders, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { FaultRule } from "./fault-plan.js";
import { FaultPlan } from "./fault-plan.js";
import type { FaultProxy, FaultProxyOptions } from "./fault-proxy.js";
import { startFaultProxy } from "./fault-proxy.js";

/** A real HTTP server standing in for an emulator: it records what reaches it and echoes it back as JSON. */
interface Target {
  readonly url: string;
  readonly seen: Array<{ method: string; url: string; headers: IncomingHttpHeaders; body: string }>;
  readonly server: Server;
}

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function target(path = ""): Promise<Target> {
  const seen: Target["seen"] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      res.writeHead(201, { "content-type": "application/json", "x-target": "yes" });
      res.end(JSON.stringify({ n: seen.length, method: req.method, url: req.url, body }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  open.push({ close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))) });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, seen, server };
}

async function proxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const started = await startFaultProxy(options);
  open.push(started);
  return started;
}

/** POST through the proxy: the status, or the network error's name when the connection was cut. */
async function post(url: string, body = "{}"): Promise<number | "network error"> {
  try {
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return "network error";
  }
}

describe("startFaultProxy", () => {
  it("forwards method, path, query, headers and body, and passes the target's answer on unchanged", async () => {
    const t = await target("/webhook?tenant=a");
    const p = await proxy({ target: t.url });
    expect(p.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/webhook\?tenant=a$/);
    const response = await fetch(p.url, { method: "PUT", headers: { authorization: "Bearer t", "idempotency-key": "k1" }, body: "hello" });
    expect(response.status).toBe(201);
    expect(response.headers.get("x-target")).toBe("yes");
    expect(await response.json()).toEqual({ n: 1, method: "PUT", url: "/webhook?tenant=a", body: "hello" });
    expect(t.seen[0]!.headers).toMatchObject({ authorization: "Bearer t", "idempotency-key": "k1", host: new URL(t.url).host });
    expect((await fetch(p.url.replace("/webhook?tenant=a", "/other"))).status).toBe(201);
    expect(t.seen.map((s) => `${s.method} ${s.url}`)).toEqual(["PUT /webhook?tenant=a", "GET /other"]);
    expect(p.stats).toEqual({ requests: 2, forwarded: 2, faulted: 0 });
  });

  it("answers every 5th request with the caller's 429: status, Retry-After, vendor headers and JSON body; the target never sees those", async () => {
    const t = await target();
    const hubspot429 = { status: "error", message: "You have reached your ten_secondly_rolling limit.", errorType: "RATE_LIMIT", policyName: "TEN_SECONDLY_ROLLING" };
    const p = await proxy({
      target: t.url,
      faults: [{ every: 5, fault: { status: 429, retryAfterSeconds: 1, headers: { "X-HubSpot-RateLimit-Max": "100" }, body: hubspot429 } }],
    });
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 1; i <= 10; i++) {
      const response = await fetch(p.url, { method: "POST", body: String(i) });
      statuses.push(response.status);
      if (response.status === 429) limited = response;
      else await response.arrayBuffer();
    }
    expect(statuses).toEqual([201, 201, 201, 201, 429, 201, 201, 201, 201, 429]);
    expect(limited!.headers.get("retry-after")).toBe("1");
    expect(limited!.headers.get("x-hubspot-ratelimit-max")).toBe("100");
    expect(limited!.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(await limited!.json()).toEqual(hubspot429);
    expect(t.seen.map((s) => s.body)).toEqual(["1", "2", "3", "4", "6", "7", "8", "9"]);
    expect(p.stats).toEqual({ requests: 10, forwarded: 8, faulted: 2 });
  });

  it("echoes the whole request back in an error answer: method, URL, every header and the body", async () => {
    const t = await target();
    const p = await proxy({ target: t.url, faults: [{ method: "POST", fault: { status: 400, echoRequest: true } }] });
    const response = await fetch(`${p.url}/v1/batch?k=1`, { method: "POST", headers: { authorization: "Basic c3ZjOnB3", "x-api-key": "k3y" }, body: '{"a":1}' });
    expect(response.status).toBe(400);
    const echo = (await response.json()) as { message: string; error: string; errors: Array<{ message: string }>; request: { method: string; url: string; headers: Record<string, string>; body: string } };
    expect(echo.request).toMatchObject({ method: "POST", url: "/v1/batch?k=1", body: '{"a":1}' });
    expect(echo.request.headers).toMatchObject({ authorization: "Basic c3ZjOnB3", "x-api-key": "k3y" });
    for (const text of [echo.message, echo.error, echo.errors[0]!.message]) {
      expect(text).toContain("POST /v1/batch?k=1");
      expect(text).toContain("authorization: Basic c3ZjOnB3");
      expect(text).toContain('body: {"a":1}');
    }
    expect((await fetch(p.url)).status).toBe(201);
    expect(t.seen.map((s) => s.method)).toEqual(["GET"]);
    expect(() => new FaultPlan([{ fault: { echoRequest: true } }])).toThrow(/echoRequest need a status/);
  });

  it("drops and resets the nth requests before they reach the target", async () => {
    const t = await target();
    const p = await proxy({ target: t.url, faults: [{ nth: [2], fault: "drop" }, { nth: [3], fault: "reset" }] });
    expect([await post(p.url, "1"), await post(p.url, "2"), await post(p.url, "3"), await post(p.url, "4")]).toEqual([201, "network error", "network error", 201]);
    expect(t.seen.map((s) => s.body)).toEqual(["1", "4"]);
    expect(p.requests.map((r) => r.outcome)).toEqual([201, "dropped", "reset", 201]);
    expect(p.requests.map((r) => r.forwarded)).toEqual([true, false, false, true]);
  });

  it("with when: after, lets the target act and then loses or replaces its answer", async () => {
    const t = await target();
    const p = await proxy({
      target: t.url,
      faults: [
        { nth: [1], fault: { when: "after", connection: "drop" } },
        { nth: [2], fault: { when: "after", status: 502, body: "bad gateway" } },
      ],
    });
    expect(await post(p.url, "lost answer")).toBe("network error");
    const replaced = await fetch(p.url, { method: "POST", body: "replaced answer" });
    expect(replaced.status).toBe(502);
    expect(await replaced.text()).toBe("bad gateway");
    expect(t.seen.map((s) => s.body)).toEqual(["lost answer", "replaced answer"]);
    expect(p.requests.map((r) => [r.forwarded, r.outcome])).toEqual([[true, "dropped"], [true, 502]]);
  });

  it("delays a request: a client with a shorter timeout gives up, and the target still gets the request", async () => {
    const t = await target();
    const p = await proxy({ target: t.url, faults: [{ nth: [1], fault: { delayMs: 300 } }] });
    const timedOut = await fetch(p.url, { method: "POST", body: "slow", signal: AbortSignal.timeout(50) }).then(
      () => "answered",
      (error: Error) => error.name,
    );
    expect(timedOut).toBe("TimeoutError");
    while (t.seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(t.seen[0]!.body).toBe("slow");
    expect(await post(p.url, "fast")).toBe(201);
  });

  it("picks the same requests for the same seed, and a share of them for a probability", async () => {
    const picks = async (seed: number): Promise<number[]> => {
      const p = await proxy({ target: (await target()).url, faults: [{ probability: 0.3, seed, fault: { status: 503 } }] });
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) statuses.push((await post(p.url)) as number);
      return statuses.flatMap((s, i) => (s === 503 ? [i + 1] : []));
    };
    const first = await picks(7);
    expect(await picks(7)).toEqual(first);
    expect(await picks(8)).not.toEqual(first);
    expect(first.length).toBeGreaterThanOrEqual(4);
    expect(first.length).toBeLessThanOrEqual(20);
  });

  it("counts only the requests a rule's method and path admit, and the first rule that picks a request wins", async () => {
    const t = await target();
    const p = await proxy({
      target: t.url,
      faults: [
        { method: "post", path: "/hooks", nth: [2], fault: { status: 500 } },
        { path: /^\/hooks/, every: 2, fault: { status: 503 } },
      ],
    });
    const call = async (method: string, path: string) => (await fetch(`${p.url}${path}`, { method, ...(method === "POST" ? { body: "x" } : {}) })).status;
    // Rule 1 counts POSTs to /hooks only; rule 2 counts every request to /hooks, GETs included.
    expect([await call("GET", "/hooks"), await call("POST", "/hooks"), await call("POST", "/other"), await call("POST", "/hooks/a"), await call("GET", "/hooks")]).toEqual([
      201, 503, 201, 500, 503,
    ]);
  });

  it("sends a slow body in chunks", async () => {
    const t = await target();
    const p = await proxy({ target: t.url, faults: [{ fault: { status: 200, body: "abcdefghijklmnopqrst", slowBody: { chunkBytes: 4, intervalMs: 20 } } }] });
    const chunks = await new Promise<string[]>((resolve, reject) => {
      get(p.url, (response) => {
        const received: string[] = [];
        response.on("data", (chunk: Buffer) => received.push(chunk.toString()));
        response.on("end", () => resolve(received));
      }).on("error", reject);
    });
    expect(chunks).toEqual(["abcd", "efgh", "ijkl", "mnop", "qrst"]);
  });

  it("setFaults replaces the plan and counts from zero again", async () => {
    const t = await target();
    const p = await proxy({ target: t.url, faults: [{ nth: [1], fault: { status: 500 } }] });
    expect(await post(p.url)).toBe(500);
    expect(await post(p.url)).toBe(201);
    p.setFaults([{ nth: [1], fault: { status: 418 } }]);
    expect(await post(p.url)).toBe(418);
    p.setFaults([]);
    expect(await post(p.url)).toBe(201);
  });

  it("cuts the connection like the target when the target is down", async () => {
    const t = await target();
    const p = await proxy({ target: t.url });
    await new Promise<void>((resolve) => (t.server.closeAllConnections(), t.server.close(() => resolve())));
    expect(await post(p.url)).toBe("network error");
    expect(p.requests[0]).toMatchObject({ forwarded: true, outcome: "dropped" });
  });

  it("closes twice safely, cutting a delayed request in flight", async () => {
    const t = await target();
    const p = await proxy({ target: t.url, faults: [{ fault: { delayMs: 60_000 } }] });
    const pending = post(p.url);
    while (p.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await p.close();
    await p.close();
    expect(await pending).toBe("network error");
    expect(t.seen).toEqual([]);
  });

  it("listens on the port and host it is given", async () => {
    const t = await target();
    const probe = await startFaultProxy({ target: t.url });
    const port = Number(new URL(probe.url).port);
    await probe.close();
    const fixed = await proxy({ target: t.url, port, host: "127.0.0.1" });
    expect(fixed.url).toBe(`http://127.0.0.1:${port}`);
  });
});

describe("FaultPlan", () => {
  it("refuses rules it could not apply, saying which and why", () => {
    const bad = (rule: FaultRule) => () => new FaultPlan([{ fault: "drop" }, rule]);
    expect(bad({ every: 2, nth: [1], fault: "drop" })).toThrow("[reverse-etl] [testkit] fault rule 2 has every and nth: give at most one of every, nth and probability.");
    expect(bad({ every: 0, fault: "drop" })).toThrow(/every must be an integer of 1 or more/);
    expect(bad({ nth: [0], fault: "drop" })).toThrow(/counted from 1/);
    expect(bad({ probability: 2, fault: "drop" })).toThrow(/between 0 and 1/);
    expect(bad({ fault: "explode" as "drop" })).toThrow(/"drop" or "reset", not "explode"/);
    expect(bad({ fault: { status: 500, connection: "drop" } })).toThrow(/not both/);
    expect(bad({ fault: { retryAfterSeconds: 1 } })).toThrow(/retryAfterSeconds need a status/);
  });

  it("picks every nth request of its own count", () => {
    const plan = new FaultPlan([{ every: 3, fault: "reset" }]);
    expect(Array.from({ length: 7 }, () => plan.next("GET", "/"))).toEqual([undefined, undefined, "reset", undefined, undefined, "reset", undefined]);
  });
});
