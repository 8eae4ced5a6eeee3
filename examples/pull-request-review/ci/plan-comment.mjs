#!/usr/bin/env node
// Plan a pull request's reverse-etl config and post the plan on the pull request, from any CI system:
//
//   node ci/plan-comment.mjs --config reverse-etl.config.ts [--base-config reverse-etl.base.config.ts] [--out reverse-etl-plan.md]
//
// Steps, each with the real CLI:
//   1. start the HubSpot emulator (`reverse-etl emulate hubspot --json`) and export its URL and token;
//   2. `reverse-etl validate --offline` the config;
//   3. seed a fresh DuckDB warehouse with ci/seed.sql (the config reads its path from WAREHOUSE_PATH);
//   4. with --base-config (the target branch's config), `reverse-etl sync` it once, so the state holds what
//      the base branch would have synced and the plan shows only what the pull request changes;
//   5. `reverse-etl plan --format markdown` the config, and write it to --out with a hidden marker;
//   6. when GITHUB_TOKEN, GITHUB_REPOSITORY and the pull request number (PR_NUMBER, or the event file
//      GitHub Actions gives in GITHUB_EVENT_PATH) are set, post it as a pull-request comment, or update the
//      comment an earlier run posted (found by the marker), through GITHUB_API_URL (default api.github.com).
// A failing step is reported in the comment too, with its output, and the script exits with its exit code.
// GITHUB_TOKEN is never passed to the CLI nor printed.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

/** The hidden first line that marks the comment this script owns, so each push updates it in place. */
const MARKER = "<!-- reverse-etl-plan -->";
/** GitHub refuses comment bodies longer than this many characters. */
const MAX_COMMENT = 65_536;
const here = dirname(fileURLToPath(import.meta.url));
const log = (line) => console.log(`[plan-comment] ${line}`);

/** A failure to report: what failed, its output, and the exit code to end with. */
class StepFailure extends Error {
  constructor(step, output, exitCode) {
    super(`${step} failed (exit ${exitCode})`);
    this.step = step;
    this.output = output;
    this.exitCode = exitCode;
  }
}

function usage(message) {
  console.error(`[reverse-etl] [plan-comment] ${message}`);
  console.error("Usage: node ci/plan-comment.mjs --config reverse-etl.config.ts [--base-config FILE] [--seed ci/seed.sql] [--out reverse-etl-plan.md]");
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    options: {
      config: { type: "string", default: "reverse-etl.config.ts" },
      "base-config": { type: "string" },
      seed: { type: "string", default: relative(process.cwd(), join(here, "seed.sql")) },
      out: { type: "string", default: "reverse-etl-plan.md" },
    },
  }).values;
} catch (error) {
  usage(error.message);
}
const configFile = resolve(args.config);
const baseConfigFile = args["base-config"] === undefined ? undefined : resolve(args["base-config"]);
const seedFile = resolve(args.seed);
const outFile = resolve(args.out);
for (const [flag, file] of [["--config", configFile], ["--base-config", baseConfigFile], ["--seed", seedFile]]) {
  if (file !== undefined && !existsSync(file)) usage(`${flag}: no file at ${file}`);
}

/** A path as the reader of a CI log or comment knows it: relative to the working directory. */
const shown = (text) => text.split(process.cwd() + sep).join("");

/** The reverse-etl CLI installed beside the config (its package's `bin`), run with this Node.js. */
function cliPath() {
  const require = createRequire(join(dirname(configFile), "package.json"));
  let manifest;
  try {
    manifest = require.resolve("@reverse-etl/cli/package.json");
  } catch {
    usage(`@reverse-etl/cli is not installed beside ${shown(configFile)}; run npm install -D @reverse-etl/cli`);
  }
  const bin = JSON.parse(readFileSync(manifest, "utf8")).bin;
  return join(dirname(manifest), typeof bin === "string" ? bin : bin["reverse-etl"]);
}
const cli = cliPath();

// The CLI never needs the GitHub token: children get the environment without it.
const { GITHUB_TOKEN: githubToken, ...inherited } = process.env;
const childEnv = { ...inherited };

/** Run `reverse-etl ARGS`, echoing its output into the CI log, and return what it printed. */
function reverseEtl(cliArgs) {
  log(`$ reverse-etl ${cliArgs.map(shown).join(" ")}`);
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [cli, ...cliArgs], { cwd: dirname(configFile), env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => { stdout += d; process.stdout.write(d); });
    child.stderr.on("data", (d) => { stderr += d; process.stderr.write(d); });
    child.on("error", reject);
    child.on("close", (code, signal) => resolveRun({ code: code ?? 1, signal, stdout, stderr }));
  });
}

/** Run a step of the CLI; a non-zero exit becomes a StepFailure naming the step. */
async function step(name, cliArgs) {
  const result = await reverseEtl(cliArgs);
  if (result.code !== 0) throw new StepFailure(name, shown([result.stdout, result.stderr].filter((t) => t.trim()).join("\n").trim()), result.code);
  return result;
}

/** Start `reverse-etl emulate hubspot --json` and resolve with the process and the line it prints. */
function startEmulator() {
  log("$ reverse-etl emulate hubspot --json");
  const child = spawn(process.execPath, [cli, "emulate", "hubspot", "--json"], { cwd: dirname(configFile), env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolveStart, reject) => {
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.on("data", (d) => {
      stdout += d;
      const end = stdout.indexOf("\n");
      if (end < 0) return;
      try {
        resolveStart({ child, ready: JSON.parse(stdout.slice(0, end)) });
      } catch {
        child.kill("SIGTERM"); // its close event rejects, with what it printed
      }
    });
    child.on("close", (code) => reject(new StepFailure("reverse-etl emulate hubspot", shown(`${stdout}${stderr}`.trim()), code ?? 1)));
  });
}

async function stopEmulator(emulator) {
  if (!emulator || emulator.child.exitCode !== null) return;
  const closed = new Promise((resolveClose) => emulator.child.once("close", resolveClose));
  emulator.child.kill("SIGTERM");
  await closed;
}

/** Create the fixture warehouse: a fresh DuckDB file holding what ci/seed.sql creates. */
async function seedWarehouse(file) {
  log(`seeding ${shown(file)} with ${shown(seedFile)}`);
  let duckdb;
  try {
    // Resolved beside the config, like the CLI's plugins: it is the DuckDB that @reverse-etl/source-duckdb uses.
    duckdb = await import(pathToFileURL(createRequire(configFile).resolve("@duckdb/node-api")).href);
  } catch (error) {
    throw new StepFailure("seeding the warehouse", `@duckdb/node-api could not be loaded (${error.message}); it comes with @reverse-etl/source-duckdb, or run npm install -D @duckdb/node-api`, 1);
  }
  const instance = await duckdb.DuckDBInstance.create(file);
  try {
    const connection = await instance.connect();
    try {
      await connection.run(readFileSync(seedFile, "utf8"));
    } catch (error) {
      throw new StepFailure(`seeding the warehouse with ${shown(seedFile)}`, error.message, 1);
    } finally {
      connection.closeSync();
    }
  } finally {
    // Closed before the CLI opens the file: DuckDB lets one process write it at a time.
    instance.closeSync();
  }
}

/** The comment's last line: what the plan ran against (so reviewers read the counts right), and for which commit. */
function footer(planned) {
  const sha = process.env.PR_HEAD_SHA ? ` for ${process.env.PR_HEAD_SHA.slice(0, 7)}` : "";
  if (!planned) return `<sub>Checked${sha}. This comment is updated on every push.</sub>`;
  const against = `the fixture warehouse (\`${shown(seedFile)}\`) and the HubSpot emulator`;
  const base = baseConfigFile
    ? "after syncing the base branch's config once, so the counts are what this pull request changes"
    : "with no base branch config to compare with, so every row counts as added";
  return `<sub>Planned${sha} against ${against}, ${base}. This comment is updated on every push.</sub>`;
}

function fenced(text) {
  // A fence longer than any run of backticks in the text, so the output cannot close it early.
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  return `${fence}text\n${text}\n${fence}`;
}

/** The comment for a failed step: what failed and its output, so the author can fix it from the pull request. */
function failureBody(failure) {
  return [
    MARKER,
    "### reverse-etl plan",
    "",
    "> [!CAUTION]",
    `> \`${failure.step}\` failed (exit ${failure.exitCode}): nothing was planned. Fix the problem below and push again.`,
    "",
    fenced(failure.output || "(no output)"),
    "",
    footer(false),
    "",
  ].join("\n");
}

function planBody(markdown) {
  const end = `\n\n${footer(true)}\n`;
  let plan = markdown.trim();
  const room = MAX_COMMENT - MARKER.length - 1 - end.length;
  if (plan.length > room) {
    const note = "\n\n_(truncated: the whole plan is in this job's log and artifacts)_";
    plan = plan.slice(0, room - note.length) + note;
  }
  return `${MARKER}\n${plan}${end}`;
}

/** The pull request number: PR_NUMBER, else the `pull_request` event file GitHub Actions writes. */
function pullRequestNumber() {
  if (process.env.PR_NUMBER) return process.env.PR_NUMBER;
  const eventPath = process.env.GITHUB_EVENT_PATH;
  if (!eventPath || !existsSync(eventPath)) return undefined;
  const event = JSON.parse(readFileSync(eventPath, "utf8"));
  return event.pull_request?.number?.toString();
}

/**
 * Post the body on the pull request, or update this script's earlier comment in place. Pull requests are
 * issues to GitHub's REST API, so their conversation comments are issue comments:
 * https://docs.github.com/en/rest/issues/comments
 */
async function postComment(body) {
  const repository = process.env.GITHUB_REPOSITORY;
  const number = pullRequestNumber();
  if (!githubToken || !repository || !number) {
    const missing = [!githubToken && "GITHUB_TOKEN", !repository && "GITHUB_REPOSITORY", !number && "PR_NUMBER"].filter(Boolean);
    log(`not posting a comment (${missing.join(", ")} not set); the comment is in ${shown(outFile)}`);
    return;
  }
  const api = (process.env.GITHUB_API_URL ?? "https://api.github.com").replace(/\/+$/, "");
  const github = async (method, path, payload) => {
    const response = await fetch(`${api}${path}`, {
      method,
      headers: {
        accept: "application/vnd.github+json",
        authorization: `Bearer ${githubToken}`,
        "x-github-api-version": "2022-11-28",
        "user-agent": "reverse-etl-plan-comment",
        ...(payload ? { "content-type": "application/json" } : {}),
      },
      body: payload ? JSON.stringify(payload) : undefined,
    });
    const text = await response.text();
    if (!response.ok) {
      let message = text.slice(0, 300);
      try {
        message = JSON.parse(text).message ?? message;
      } catch {}
      const hint = response.status === 403 || response.status === 404
        ? " The token needs `pull-requests: write`; on pull requests from forks GitHub gives a read-only token, so the plan is only in the job's log and summary."
        : "";
      throw new StepFailure("posting the comment", `GitHub answered ${response.status} to ${method} ${path}: ${message}.${hint}`, 1);
    }
    return text ? JSON.parse(text) : undefined;
  };
  const comments = `/repos/${repository}/issues/${number}/comments`;
  let existing;
  for (let page = 1; existing === undefined; page++) {
    const batch = await github("GET", `${comments}?per_page=100&page=${page}`);
    existing = batch.find((comment) => typeof comment.body === "string" && comment.body.startsWith(MARKER));
    if (batch.length < 100) break;
  }
  if (existing) {
    const updated = await github("PATCH", `/repos/${repository}/issues/comments/${existing.id}`, { body });
    log(`updated comment ${existing.id} on ${repository}#${number}: ${updated?.html_url ?? ""}`);
  } else {
    const created = await github("POST", comments, { body });
    log(`posted comment ${created?.id} on ${repository}#${number}: ${created?.html_url ?? ""}`);
  }
}

let exitCode = 0;
let body;
let emulator;
const scratch = mkdtempSync(join(tmpdir(), "reverse-etl-plan-"));
try {
  emulator = await startEmulator();
  childEnv.HUBSPOT_TOKEN = emulator.ready.accessToken;
  childEnv.HUBSPOT_BASE_URL = emulator.ready.url;
  childEnv.WAREHOUSE_PATH = join(scratch, "warehouse.duckdb");
  log(`HubSpot emulator at ${emulator.ready.url}`);

  await step("reverse-etl validate --offline", ["validate", "--offline", "--config", configFile]);
  await seedWarehouse(childEnv.WAREHOUSE_PATH);
  if (baseConfigFile) await step("reverse-etl sync (the base branch's config)", ["sync", "--config", baseConfigFile]);
  const plan = await step("reverse-etl plan --format markdown", ["plan", "--format", "markdown", "--config", configFile]);
  body = planBody(plan.stdout);
} catch (error) {
  if (!(error instanceof StepFailure)) throw error;
  console.error(`[reverse-etl] [plan-comment] ${error.message}`);
  body = failureBody(error);
  exitCode = error.exitCode;
} finally {
  await stopEmulator(emulator);
  rmSync(scratch, { recursive: true, force: true });
}

writeFileSync(outFile, body);
log(`wrote ${shown(outFile)}`);
try {
  await postComment(body);
} catch (error) {
  if (!(error instanceof StepFailure)) throw error;
  console.error(`[reverse-etl] [plan-comment] ${error.output}`);
  exitCode ||= 1;
}
process.exit(exitCode);
