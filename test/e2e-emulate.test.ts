import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { projectDir, writeConfig } from "./support/warehouse.js";
import { makeWarehouse, modelRowsIn, seedCustomersIn } from "./support/warehouses.js";
import { jsonOf, runCli, startCli, type RunningCli, killIfRunning, stdoutUntil } from "./support/cli.js";

let running: RunningCli | undefined;
afterEach(async () => {
  await killIfRunning(running);
  running = undefined;
});


async function api(url: string, token: string | undefined, path: string, body?: unknown): Promise<{ status: number; json: any; headers: Headers }> {
  const response = await fetch(`${url}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json(), headers: response.headers };
}

describe("reverse-etl emulate hubspot", () => {
  it("--json prints the URL and the options on one line, serves the HubSpot API with the given token and limits, and stops on SIGINT", async () => {
    const dir = projectDir("e2e-emulate");
    running = startCli(["emulate", "hubspot", "--json", "--access-token", "pat-test-123", "--requests-per-10s", "3"], { cwd: dir });
    const ready = JSON.parse(await stdoutUntil(running, "\n")) as { url: string; options: { baseUrl: string; accessToken: string } };
    const url = expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/);
    // accessToken (and baseUrl) also at the top level, for scripts written before `options`.
    expect(ready).toEqual({ url, options: { baseUrl: ready.url, accessToken: "pat-test-123" }, baseUrl: ready.url, accessToken: "pat-test-123" });

    // The emulator keeps running after printing: a real HubSpot batch upsert, then a read of what it holds.
    const upsert = await api(ready.url, ready.options.accessToken, "/crm/v3/objects/contacts/batch/upsert", {
      inputs: [{ id: "ada@example.com", idProperty: "email", properties: { firstname: "Ada" } }],
    });
    expect(upsert.status).toBe(200);
    expect(upsert.json.results[0].properties).toMatchObject({ email: "ada@example.com", firstname: "Ada" });
    const dump = await api(ready.url, undefined, "/_emulator/objects/contacts/records");
    expect(dump.json.results.map((r: { properties: Record<string, string> }) => r.properties.email)).toEqual(["ada@example.com"]);
    // Another token is refused, and --requests-per-10s 3 is the window: the fourth request is a 429.
    expect((await api(ready.url, "emulator-token", "/crm/v3/properties/contacts")).status).toBe(401);
    expect((await api(ready.url, ready.options.accessToken, "/crm/v3/properties/contacts")).status).toBe(200);
    expect((await api(ready.url, ready.options.accessToken, "/crm/v3/properties/contacts")).status).toBe(200);
    const limited = await api(ready.url, ready.options.accessToken, "/crm/v3/properties/contacts");
    expect(limited.status).toBe(429);
    expect(limited.json.policyName).toBe("TEN_SECONDLY_ROLLING");
    expect(limited.headers.get("x-hubspot-ratelimit-max")).toBe("3");

    running.child.kill("SIGINT");
    const ended = await running.done;
    expect(ended.code, ended.stderr).toBe(0);
    await expect(fetch(ready.url)).rejects.toThrow();
  });

  it("prints the URL, the options and a config entry holding them, then runs until SIGTERM", async () => {
    const dir = projectDir("e2e-emulate-human");
    running = startCli(["emulate", "hubspot"], { cwd: dir });
    const text = await stdoutUntil(running, "Ctrl-C");
    running.child.kill("SIGTERM");
    const ended = await running.done;
    expect(ended.code).toBe(0);
    expect(ended.stdout).toBe(`${text} to stop.\n`);
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(ended.stdout)![1];
    expect(ended.stdout).toBe(
      [
        `hubspot emulator (@reverse-etl/destination-hubspot 0.1.0) listening on ${url}`,
        `  baseUrl:     ${url}`,
        "  accessToken: emulator-token",
        "",
        "Point a destination at it, e.g. in reverse-etl.config.ts:",
        `  hubspot: { plugin: "@reverse-etl/destination-hubspot", baseUrl: "${url}", accessToken: "emulator-token" },`,
        "",
        "Records live in memory only. Press Ctrl-C to stop.",
        "",
      ].join("\n"),
    );
  });

  it("--help shows the HubSpot emulator's own flags with their defaults, and not another emulator's", async () => {
    const help = await runCli(["emulate", "hubspot", "--help"], { cwd: projectDir("e2e-emulate-help") });
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^HubSpot's CRM v3 API in memory.*\(@reverse-etl\/destination-hubspot 0\.1\.0\)$/m);
    expect(help.stdout).toContain("$ reverse-etl emulate hubspot [FLAGS]");
    expect(help.stdout).toMatch(/^HUBSPOT EMULATOR FLAGS$/m);
    // Help wraps at the terminal's width: compare with the line breaks folded into spaces.
    const text = help.stdout.replace(/\s+/g, " ");
    expect(text).toContain("--access-token=<value> [default: emulator-token] The token the emulator accepts, with every scope.");
    expect(text).toContain("--requests-per-10s=<value> [default: 100] Requests allowed per rolling window (HubSpot: 100 for Free/Starter apps");
    expect(text).toContain("--daily-limit=<value> [default: 250000] Requests allowed per day");
    expect(text).toContain("--interval-ms=<value> [default: 10000] Length of the rolling window in milliseconds");
    expect(text).toContain("--port=<value> Port to listen on; 0 picks a free port.");
    expect(help.stdout).not.toContain("--max-records=");
  });
});

describe("reverse-etl emulate webhook", () => {
  it("--json prints the URL and the options a webhook destination needs, and a sync configured with them lands the model", async () => {
    const dir = projectDir("e2e-emulate-webhook");
    const warehouse = await makeWarehouse("duckdb", dir);
    await seedCustomersIn(warehouse, 5);
    running = startCli(["emulate", "webhook", "--json", "--authorization", "Bearer hook-test", "--max-records", "2"], { cwd: dir });
    const ready = JSON.parse(await stdoutUntil(running, "\n")) as { url: string; options: { url: string; headers: Record<string, string> } };
    const headers = { authorization: "Bearer hook-test" };
    expect(ready).toEqual({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/webhook$/), options: { url: ready.url, headers }, headers });

    // The options go into the config as they are; --max-records 2 refuses bigger batches, so batchSize follows it.
    writeConfig(dir, { plugin: "@reverse-etl/destination-webhook", ...ready.options, batchSize: 2 });
    const sync = await runCli(["sync", "--json"], { cwd: dir });
    expect(sync.code, sync.stderr).toBe(0);
    expect(jsonOf(sync).syncs[0].results).toEqual({ succeeded: 5, rejected: 0, failed: 0 });
    const held = (await (await fetch(new URL("/_emulator/records", ready.url))).json()) as { results: Array<{ key: string; fields: Record<string, unknown> }> };
    expect(new Map(held.results.map((r) => [r.key, r.fields]))).toEqual(await modelRowsIn(warehouse));
    // Without the header the receiver refuses a batch, as the emulator was told.
    const refused = await fetch(ready.url, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(refused.status).toBe(401);

    running.child.kill("SIGTERM");
    const ended = await running.done;
    expect(ended.code, ended.stderr).toBe(0);
    await expect(fetch(ready.url)).rejects.toThrow();
  });

  it("prints the receiver's URL and a config entry pointing a destination at it", async () => {
    running = startCli(["emulate", "webhook"], { cwd: projectDir("e2e-emulate-webhook-human") });
    const text = await stdoutUntil(running, "Ctrl-C to stop.\n");
    running.child.kill("SIGINT");
    expect((await running.done).code).toBe(0);
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+\/webhook)/.exec(text)![1];
    expect(text).toContain(`  url: ${url}\n`);
    expect(text).toContain(`  webhook: { plugin: "@reverse-etl/destination-webhook", url: "${url}" },`);
  });

  it("--help shows the webhook emulator's own flags, and not HubSpot's", async () => {
    const help = await runCli(["emulate", "webhook", "--help"], { cwd: projectDir("e2e-emulate-webhook-help") });
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^A webhook receiver that applies @reverse-etl\/destination-webhook batches/m);
    expect(help.stdout).toContain("$ reverse-etl emulate webhook [FLAGS]");
    expect(help.stdout).toMatch(/^WEBHOOK EMULATOR FLAGS$/m);
    const text = help.stdout.replace(/\s+/g, " ");
    expect(text).toContain('--authorization=<value> Authorization header every request must carry, e.g. "Bearer test-token"');
    expect(text).toContain("--max-records=<value> Batches with more records are answered 413 Payload Too Large.");
    expect(help.stdout).not.toContain("--requests-per-10s=");
    expect(help.stdout).not.toContain("--access-token=");
  });
});

describe("reverse-etl emulate", () => {
  it("--help without NAME says how to see an emulator's own flags", async () => {
    const help = await runCli(["emulate", "--help"], { cwd: projectDir("e2e-emulate-generic-help") });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("$ reverse-etl emulate NAME [--json]");
    expect(help.stdout).toContain("`reverse-etl emulate NAME --help` lists them");
    expect(help.stdout).not.toContain("EMULATOR FLAGS");
  });

  it("names both packages it tried and the npm install command for an unknown NAME, with or without --help", async () => {
    const outside = mkdtempSync(join(tmpdir(), "reverse-etl-emulate-"));
    try {
      for (const args of [["emulate", "hubspot"], ["emulate", "hubspot", "--help"], ["emulate", "hubspot", "--json"]]) {
        const missing = await runCli(args, { cwd: outside });
        expect(missing.code, args.join(" ")).toBe(2);
        const message = args.includes("--json") ? jsonOf(missing).error.message : missing.stderr;
        expect(message).toContain(
          `[reverse-etl] emulate: no emulator named "hubspot": neither @reverse-etl/destination-hubspot nor @reverse-etl/source-hubspot is installed in ${outside} or above. ` +
            "Install the plugin that ships it: npm install @reverse-etl/destination-hubspot (or npm install @reverse-etl/source-hubspot for a source).",
        );
      }
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it("refuses a plugin without an emulator, a destination's or a source's, without advising an upgrade", async () => {
    const dir = projectDir("e2e-emulate-none");
    const file = await runCli(["emulate", "file"], { cwd: dir });
    expect(file.code).toBe(2);
    expect(file.stderr).toMatch(/^\[reverse-etl\] emulate: @reverse-etl\/destination-file ships no emulator \(no "\.\/emulator" export in its package.json\)/);
    // No version of our own file plugin has one: upgrading it is no advice.
    expect(file.stderr).toContain("file runs locally and needs none");
    expect(file.stderr).not.toContain("@latest");
    const duckdb = await runCli(["emulate", "duckdb"], { cwd: dir });
    expect(duckdb.code).toBe(2);
    expect(duckdb.stderr).toMatch(/^\[reverse-etl\] emulate: @reverse-etl\/source-duckdb ships no emulator/);
  });

  it("treats an emulator's flags as typed usage: another emulator's flag and a bad integer are refused with exit 2", async () => {
    const dir = projectDir("e2e-emulate-usage");
    const foreign = await runCli(["emulate", "webhook", "--requests-per-10s", "3"], { cwd: dir });
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toContain("Nonexistent flag: --requests-per-10s");
    const notANumber = await runCli(["emulate", "hubspot", "--requests-per-10s", "many"], { cwd: dir });
    expect(notANumber.code).toBe(2);
    expect(notANumber.stderr).toContain("Expected an integer but received: many");
  });
});
