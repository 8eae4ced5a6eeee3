import { spawn } from "node:child_process";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import type { CliResult } from "./support/cli.js";
import { projectDir } from "./support/warehouse.js";

// The pull-request recipe end to end: its CI script (examples/pull-request-review/ci/plan-comment.mjs) on
// a copy of the example, driving the built CLI, the HubSpot emulator and a seeded DuckDB warehouse, and
// posting to a local server that plays GitHub's issue comments API. GitHub itself is not under test.

const EXAMPLE = fileURLToPath(new URL("../examples/pull-request-review/", import.meta.url));
const TOKEN = "ghs_test_token_0123456789";
const REPOSITORY = "acme/crm-syncs";

/** A comment as GitHub's REST API returns it (the fields the script reads, and a few it does not). */
interface IssueComment {
  id: number;
  body: string;
  html_url: string;
  user: { login: string; type: string };
}

interface RecordedRequest {
  method: string;
  url: string;
  body?: { body: string };
}

/**
 * GitHub's issue comments API for pull request 7 of acme/crm-syncs, in memory: list (paged), create and
 * update, with Bearer authentication, as https://docs.github.com/en/rest/issues/comments describes them.
 */
async function startGitHub(comments: IssueComment[]): Promise<{ url: string; requests: RecordedRequest[]; comments: IssueComment[]; server: Server }> {
  const requests: RecordedRequest[] = [];
  let nextId = 2001;
  const readJson = async (req: IncomingMessage) => {
    let text = "";
    for await (const chunk of req) text += chunk;
    return text ? (JSON.parse(text) as { body: string }) : undefined;
  };
  const server = createServer(async (req, res) => {
    const body = await readJson(req);
    requests.push({ method: req.method!, url: req.url!, ...(body ? { body } : {}) });
    const reply = (status: number, json: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(json));
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return reply(401, { message: "Bad credentials" });
    const url = new URL(req.url!, "http://github.test");
    if (req.method === "GET" && url.pathname === `/repos/${REPOSITORY}/issues/7/comments`) {
      const perPage = Number(url.searchParams.get("per_page") ?? 30);
      const page = Number(url.searchParams.get("page") ?? 1);
      return reply(200, comments.slice((page - 1) * perPage, page * perPage));
    }
    if (req.method === "POST" && url.pathname === `/repos/${REPOSITORY}/issues/7/comments`) {
      const id = nextId++;
      const comment = { id, body: body!.body, html_url: `https://github.com/${REPOSITORY}/pull/7#issuecomment-${id}`, user: { login: "github-actions[bot]", type: "Bot" } };
      comments.push(comment);
      return reply(201, comment);
    }
    const patch = /^\/repos\/acme\/crm-syncs\/issues\/comments\/(\d+)$/.exec(url.pathname);
    const existing = patch && comments.find((c) => c.id === Number(patch[1]));
    if (req.method === "PATCH" && existing) {
      existing.body = body!.body;
      return reply(200, existing);
    }
    return reply(404, { message: "Not Found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, comments, server };
}

let github: Awaited<ReturnType<typeof startGitHub>> | undefined;
afterEach(async () => {
  await new Promise((resolve) => github?.server.close(resolve) ?? resolve(undefined));
  github = undefined;
});

/** A copy of the example, as a repository that uses it would hold it. */
function copyExample(prefix: string): string {
  const dir = projectDir(prefix);
  cpSync(EXAMPLE, dir, { recursive: true, filter: (source) => !/warehouse\.duckdb|reverse-etl-plan\.md/.test(source) });
  return dir;
}

/** Run the example's CI script in `dir`, as a CI job would. */
function runScript(dir: string, args: string[], env: Record<string, string | undefined>): Promise<CliResult> {
  const child = spawn(process.execPath, ["ci/plan-comment.mjs", ...args], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: "1", GITHUB_TOKEN: undefined, GITHUB_EVENT_PATH: undefined, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  return new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
}

const SHIPPED_FIELDS = 'fields: { first_name: "firstname", last_name: "lastname", country: "country", lifecycle_stage: "lifecyclestage" }';
const BASE_FIELDS = 'fields: { first_name: "firstname", last_name: "lastname", country: "city", lifecycle_stage: "lifecyclestage" }';

/** The example's config with `country` written to HubSpot's `city` property: the base branch's mapping. */
function baseConfigText(): string {
  const shipped = readFileSync(join(EXAMPLE, "reverse-etl.config.ts"), "utf8");
  expect(shipped).toContain(SHIPPED_FIELDS);
  return shipped.replace(SHIPPED_FIELDS, BASE_FIELDS);
}

const SUMMARY_HEADER = [
  "| Sync | Model → Destination | Mode | Added | Changed | Removed | Unchanged | Invalid | To send |",
  "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
].join("\n");
const FOOTER =
  "<sub>Planned for 4f2a9c1 against the fixture warehouse (`ci/seed.sql`) and the HubSpot emulator, after syncing the base " +
  "branch's config once, so the counts are what this pull request changes. This comment is updated on every push.</sub>";

describe("examples/pull-request-review: ci/plan-comment.mjs", () => {
  it("comments the plan of a pull request that renames a mapped HubSpot property: every contact sent again, and why; each push updates the same comment", { timeout: 180_000 }, async () => {
    const dir = copyExample("example-pr-review");
    const human: IssueComment = { id: 1001, body: "Could you check the country mapping?", html_url: "", user: { login: "ada", type: "User" } };
    github = await startGitHub([human]);
    const env = { GITHUB_TOKEN: TOKEN, GITHUB_REPOSITORY: REPOSITORY, PR_NUMBER: "7", GITHUB_API_URL: github.url, PR_HEAD_SHA: "4f2a9c1e0b7d" };
    const args = ["--config", "reverse-etl.config.ts", "--base-config", "reverse-etl.base.config.ts", "--out", "plan.md"];
    writeFileSync(join(dir, "reverse-etl.base.config.ts"), baseConfigText());

    // First push: the pull request's config still maps like the base branch's, so nothing would change.
    writeFileSync(join(dir, "reverse-etl.config.ts"), baseConfigText());
    const first = await runScript(dir, args, env);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const unchanged = readFileSync(join(dir, "plan.md"), "utf8");
    expect(unchanged).toBe(
      [
        "<!-- reverse-etl-plan -->",
        "### reverse-etl plan",
        "",
        "No changes: every sync is up to date.",
        "",
        SUMMARY_HEADER,
        "| `customers_to_contacts` | `customers` → `hubspot/contacts` | upsert | 0 | 0 | 0 | 250 | 0 | 0 writes, 0 deletes |",
        "",
        "**customers_to_contacts**: nothing to show.",
        "",
        FOOTER,
        "",
      ].join("\n"),
    );
    expect(github.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      `GET /repos/${REPOSITORY}/issues/7/comments?per_page=100&page=1`,
      `POST /repos/${REPOSITORY}/issues/7/comments`,
    ]);
    expect(github.requests[1]!.body).toEqual({ body: unchanged });
    expect(first.stdout).toContain(`[plan-comment] posted comment 2001 on ${REPOSITORY}#7: https://github.com/${REPOSITORY}/pull/7#issuecomment-2001`);

    // Second push: `country` now goes to HubSpot's `country` property instead of `city`.
    writeFileSync(join(dir, "reverse-etl.config.ts"), readFileSync(join(EXAMPLE, "reverse-etl.config.ts"), "utf8"));
    const second = await runScript(dir, args, env);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    const renamed = readFileSync(join(dir, "plan.md"), "utf8");
    // The sample's five keys are whichever rows the warehouse reads first: their order is not the point.
    const sampleRow = /^\| (`\d+`, ){4}`\d+` \| _\(none\)_ \| \| _same values; sent again because the fingerprint changed \(the mapping is part of it\)_ \|$/m;
    expect(renamed).toMatch(sampleRow);
    expect(renamed.replace(sampleRow, "| SAMPLE KEYS | ... |")).toBe(
      [
        "<!-- reverse-etl-plan -->",
        "### reverse-etl plan",
        "",
        "1 of 1 sync would send changes.",
        "",
        SUMMARY_HEADER,
        "| `customers_to_contacts` | `customers` → `hubspot/contacts` | upsert | 0 | 250 | 0 | 0 | 0 | 250 writes, 0 deletes |",
        "",
        "> [!WARNING]",
        '> `customers_to_contacts`: mapping changed since the last sync: column "country" now maps to field "country" (was "city"); ' +
          "every row will be sent again, because a row's fingerprint covers the mapping",
        "",
        "<details><summary><b>customers_to_contacts</b>: sample rows</summary>",
        "",
        "**Changed** (5 of 250)",
        "",
        "| Key | Field | From | To |",
        "| --- | --- | --- | --- |",
        "| SAMPLE KEYS | ... |",
        "",
        "</details>",
        "",
        FOOTER,
        "",
      ].join("\n"),
    );
    // Updated in place: the same comment, found by its marker; the reviewer's comment is left alone.
    expect(github.requests.slice(2).map((r) => `${r.method} ${r.url}`)).toEqual([
      `GET /repos/${REPOSITORY}/issues/7/comments?per_page=100&page=1`,
      `PATCH /repos/${REPOSITORY}/issues/comments/2001`,
    ]);
    expect(github.comments).toEqual([human, expect.objectContaining({ id: 2001, body: renamed })]);
    expect(second.stdout).toContain(`[plan-comment] updated comment 2001 on ${REPOSITORY}#7`);
    for (const output of [first.stdout, first.stderr, second.stdout, second.stderr, renamed]) expect(output).not.toContain(TOKEN);
  });

  it("without a GitHub token, writes the comment to the file only; an invalid config is the comment, naming the file and field, and exits 2", { timeout: 120_000 }, async () => {
    const dir = copyExample("example-pr-review-invalid");
    const config = join(dir, "reverse-etl.config.ts");
    writeFileSync(config, readFileSync(config, "utf8").replace('mode: "upsert"', 'mode: "upsrt"'));
    const result = await runScript(dir, [], { GITHUB_REPOSITORY: REPOSITORY, PR_NUMBER: "7" });
    expect(result.code).toBe(2);
    expect(result.stdout).toContain("[plan-comment] not posting a comment (GITHUB_TOKEN not set); the comment is in reverse-etl-plan.md");
    expect(readFileSync(join(dir, "reverse-etl-plan.md"), "utf8")).toBe(
      [
        "<!-- reverse-etl-plan -->",
        "### reverse-etl plan",
        "",
        "> [!CAUTION]",
        "> `reverse-etl validate --offline` failed (exit 2): nothing was planned. Fix the problem below and push again.",
        "",
        "```text",
        "[reverse-etl] Invalid configuration (1 problem):",
        '  reverse-etl.config.ts: /syncs/customers_to_contacts/mode: must be one of upsert, update, insert, mirror; got "upsrt"; did you mean "upsert"?',
        "```",
        "",
        "<sub>Checked. This comment is updated on every push.</sub>",
        "",
      ].join("\n"),
    );
  });
});
