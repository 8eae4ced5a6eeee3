import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { projectDir } from "./support/warehouse.js";
import { runCli, startCli, type RunningCli } from "./support/cli.js";

let running: RunningCli | undefined;
afterEach(async () => {
  if (running && running.child.exitCode === null && running.child.signalCode === null) {
    running.child.kill("SIGKILL");
    await running.done;
  }
  running = undefined;
});

/** What the process printed on stdout up to and including `marker` (e.g. the first newline). */
function stdoutUntil(cli: RunningCli, marker: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    cli.child.stderr!.on("data", (d) => (err += d));
    cli.child.stdout!.on("data", (d) => {
      out += d;
      const end = out.indexOf(marker);
      if (end >= 0) resolve(out.slice(0, end + marker.length));
    });
    cli.child.on("close", (code) => reject(new Error(`exited ${code} before printing ${JSON.stringify(marker)}:\n${out}\n${err}`)));
  });
}

async function api(url: string, token: string | undefined, path: string, body?: unknown): Promise<{ status: number; json: any; headers: Headers }> {
  const response = await fetch(`${url}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json(), headers: response.headers };
}

describe("reverse-etl emulate hubspot", () => {
  it("--json prints the URL and token on one line, serves the HubSpot API with the given token and limits, and stops on SIGINT", async () => {
    const dir = projectDir("e2e-emulate");
    running = startCli(["emulate", "hubspot", "--json", "--token", "pat-test-123", "--requests-per-10s", "3"], { cwd: dir });
    const ready = JSON.parse(await stdoutUntil(running, "\n")) as { url: string; accessToken: string };
    expect(ready).toEqual({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), accessToken: "pat-test-123" });

    // The emulator keeps running after printing: a real HubSpot batch upsert, then a read of what it holds.
    const upsert = await api(ready.url, ready.accessToken, "/crm/v3/objects/contacts/batch/upsert", {
      inputs: [{ id: "ada@example.com", idProperty: "email", properties: { firstname: "Ada" } }],
    });
    expect(upsert.status).toBe(200);
    expect(upsert.json.results[0].properties).toMatchObject({ email: "ada@example.com", firstname: "Ada" });
    const dump = await api(ready.url, undefined, "/_emulator/objects/contacts/records");
    expect(dump.json.results.map((r: { properties: Record<string, string> }) => r.properties.email)).toEqual(["ada@example.com"]);
    // Another token is refused, and --requests-per-10s 3 is the window: the fourth request is a 429.
    expect((await api(ready.url, "emulator-token", "/crm/v3/properties/contacts")).status).toBe(401);
    expect((await api(ready.url, ready.accessToken, "/crm/v3/properties/contacts")).status).toBe(200);
    expect((await api(ready.url, ready.accessToken, "/crm/v3/properties/contacts")).status).toBe(200);
    const limited = await api(ready.url, ready.accessToken, "/crm/v3/properties/contacts");
    expect(limited.status).toBe(429);
    expect(limited.json.policyName).toBe("TEN_SECONDLY_ROLLING");
    expect(limited.headers.get("x-hubspot-ratelimit-max")).toBe("3");

    running.child.kill("SIGINT");
    const ended = await running.done;
    expect(ended.code, ended.stderr).toBe(0);
    await expect(fetch(ready.url)).rejects.toThrow();
  });

  it("prints the baseUrl, the token to export and a config snippet, then runs until SIGTERM", async () => {
    const dir = projectDir("e2e-emulate-human");
    running = startCli(["emulate", "hubspot"], { cwd: dir });
    const text = await stdoutUntil(running, "Ctrl-C");
    running.child.kill("SIGTERM");
    const ended = await running.done;
    expect(ended.code).toBe(0);
    expect(ended.stdout).toBe(`${text} to stop.\n`);
    expect(ended.stdout).toMatch(/baseUrl: +http:\/\/127\.0\.0\.1:\d+/);
    expect(ended.stdout).toMatch(/accessToken: +emulator-token/);
    expect(ended.stdout).toContain('plugin: "@reverse-etl/destination-hubspot"');
    expect(ended.stdout).toContain("export HUBSPOT_TOKEN=emulator-token");
  });

  it("names the npm install command when the destination package is not installed, and refuses a destination without an emulator", async () => {
    const outside = mkdtempSync(join(tmpdir(), "reverse-etl-emulate-"));
    try {
      const missing = await runCli(["emulate", "hubspot"], { cwd: outside });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain("npm install @reverse-etl/destination-hubspot");
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
    const noEmulator = await runCli(["emulate", "file"], { cwd: projectDir("e2e-emulate-file") });
    expect(noEmulator.code).toBe(2);
    expect(noEmulator.stderr).toMatch(/@reverse-etl\/destination-file ships no emulator/);
  });
});
