import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { loadSourcePlugin, silentLogger, validatePluginOptions } from "@reverse-etl/core";
import { Kysely, sql } from "kysely";
import { describe, expect, it } from "vitest";
import type { FaultRule } from "./fault-plan.js";
import { startFaultProxy, type FaultProxy } from "./fault-proxy.js";
import { leakIn } from "./leak-forms.js";

/** A running emulator (or any server of the destination's API). */
export interface LeakTestEmulator {
  /** Where it listens; the suite puts its fault proxy in front. */
  readonly url: string;
  close(): Promise<void>;
}

/** The destination entry under test, with its secrets. */
export interface LeakTestDestination {
  /** `destinations.<name>` of the config, pointed at `url`; secrets as `{ $env: NAME }` or written literally. */
  readonly entry: Record<string, unknown>;
  /** Environment variables the CLI runs with: the values of the entry's `$env` references. */
  readonly env?: Readonly<Record<string, string>>;
  /** Every secret value (env or literal), none of whose forms may reach any output or state table. */
  readonly secrets: readonly string[];
}

/** Options of {@link testSecretsNeverLeak}. */
export interface SecretsNeverLeakOptions {
  /** Name of the suite, e.g. the plugin's name. */
  readonly name: string;
  /** A fresh project directory whose `node_modules` resolve the CLI, the plugin and the source. */
  readonly dir: () => string;
  /** Start the destination's emulator. */
  readonly startEmulator: () => Promise<LeakTestEmulator>;
  /** The destination's config entry pointing at `url` (the fault proxy), with its secrets. */
  readonly destination: (url: string, emulator: LeakTestEmulator) => LeakTestDestination;
  /** The sync, beside `model` and `destination`: `object`, `mode`, `match`, `fields`, `options`. */
  readonly sync: Record<string, unknown>;
  /** Model SQL with the columns `sync` maps. Default: three rows of `id, email, first_name, last_name`. */
  readonly modelSql?: string;
  /** Which requests the proxy answers with the echo (default: every POST, PATCH, PUT and DELETE). */
  readonly echo?: Omit<FaultRule, "fault">;
  /** `sources.warehouse` of the config. Default: `@reverse-etl/source-duckdb` on `warehouse.duckdb`. */
  readonly source?: Record<string, unknown>;
  /** The `reverse-etl` launcher. Default: `@reverse-etl/cli`'s `bin/run.js` as resolved from the project. */
  readonly cli?: string;
}

const STATE_SCHEMA = "reverse_etl_leak_check";
const STATE_TABLES = ["sync_runs", "sync_errors", "sync_state", "sync_locks", "sync_columns"];
const DEFAULT_MODEL =
  "select * from (values (1, 'ada@example.com', 'Ada', 'Lovelace'), (2, 'grace@example.com', 'Grace', 'Hopper'), " +
  "(3, 'alan@example.com', 'Alan', 'Turing')) as t(id, email, first_name, last_name)";

/** One CLI invocation's output. */
interface Printed {
  readonly what: string;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runCli(cli: string, args: string[], cwd: string, env: Readonly<Record<string, string>>): Promise<Printed> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd, env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ what: `reverse-etl ${args.join(" ")}`, code, stdout, stderr }));
  });
}

/** Every row of every state table, as JSON text per table. */
async function stateTables(dir: string, source: Record<string, unknown>): Promise<Array<{ what: string; text: string }>> {
  const { plugin: name, ...given } = source as { plugin: string };
  const { plugin } = await loadSourcePlugin(name, dir);
  const options = structuredClone(given);
  validatePluginOptions(plugin, options, "/sources/warehouse");
  const connection = await plugin.connect(options, { configDir: dir, name: "warehouse", logger: silentLogger });
  const db = new Kysely<Record<string, Record<string, unknown>>>({ dialect: connection.dialect });
  try {
    const tables: Array<{ what: string; text: string }> = [];
    for (const table of STATE_TABLES) {
      // A run that failed while connecting to the destination never created the state tables.
      const rows = await sql<Record<string, unknown>>`select * from ${sql.table(`${STATE_SCHEMA}.${table}`)}`.execute(db).catch(() => ({ rows: [] }));
      tables.push({ what: `state table ${table}`, text: JSON.stringify(rows.rows, (_key, value: unknown) => (typeof value === "bigint" ? String(value) : value)) });
    }
    return tables;
  } finally {
    await db.destroy();
    await connection.close();
  }
}

/** An endpoint that keeps the body of every alert POSTed to it. */
async function startAlertSink(): Promise<{ url: string; bodies: string[]; close(): Promise<void> }> {
  const bodies: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d));
    req.on("end", () => {
      bodies.push(`${req.url ?? ""} ${body}`);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, bodies, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/**
 * The dashboard's pages as `reverse-etl ui` serves them over the state: the sync list, the sync's page and
 * every run's page (with its rejected and failed rows).
 */
async function dashboardPages(cli: string, dir: string, env: Readonly<Record<string, string>>, runIds: readonly string[], sync: string): Promise<Array<{ what: string; text: string }>> {
  const child: ChildProcess = spawn(process.execPath, [cli, "ui", "--port", "0", "--json"], { cwd: dir, env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (d: Buffer) => {
        out += d;
        if (out.includes("\n")) resolve((JSON.parse(out.slice(0, out.indexOf("\n"))) as { url: string }).url);
      });
      child.on("close", (code) => reject(new Error(`reverse-etl ui exited ${code} before it listened: ${stderr}`)));
    });
    const paths = ["/", `/syncs/${encodeURIComponent(sync)}`, ...runIds.map((id) => `/runs/${encodeURIComponent(id)}`)];
    const pages: Array<{ what: string; text: string }> = [];
    for (const path of paths) {
      const response = await fetch(new URL(path, url));
      pages.push({ what: `dashboard page ${path} (HTTP ${response.status})`, text: await response.text() });
    }
    return [...pages, { what: "stderr of reverse-etl ui", text: stderr }];
  } finally {
    child.kill("SIGTERM");
    if (child.exitCode === null) await new Promise((resolve) => child.once("close", resolve));
  }
}

/** The `reverse-etl` launcher of `@reverse-etl/cli` installed where `dir` resolves packages. */
function cliOf(dir: string): string {
  return join(dirname(createRequire(join(dir, "noop.js")).resolve("@reverse-etl/cli/package.json")), "bin", "run.js");
}

/**
 * The suite every destination plugin with secrets should pass: its emulator, behind the testkit's fault
 * proxy, answers errors that echo the whole request back (headers and body, as some gateways do). It runs
 * `validate`, `plan` (JSON and markdown), two `sync`s (a 400 echo: rejected rows in `sync_errors`; a 401
 * echo: a failed run) at `--log-level debug` in JSON and logfmt, and `runs`, through the real CLI, then
 * checks that no form of any secret (raw, a URL's password or `user:password`, percent- or form-encoded,
 * base64 as in Basic auth) is in any stdout, stderr, `--json` document, plan, alert (JSON and Slack, sent
 * by the failed and partial runs), dashboard page (`reverse-etl ui`), or row of any state table.
 * Call it at the top level of a test file.
 */
export function testSecretsNeverLeak(options: SecretsNeverLeakOptions): void {
  describe(`secrets never leak: ${options.name}`, () => {
    it("keeps every form of every secret out of outputs, logs, plans and state tables, even when the destination echoes requests", async () => {
      const dir = options.dir();
      const emulator = await options.startEmulator();
      let proxy: FaultProxy | undefined;
      const alerts = await startAlertSink();
      try {
        proxy = await startFaultProxy({ target: emulator.url });
        const destination = options.destination(proxy.url, emulator);
        const source = options.source ?? { plugin: "@reverse-etl/source-duckdb", path: "warehouse.duckdb" };
        const config = {
          state: { source: "warehouse", schema: STATE_SCHEMA },
          sources: { warehouse: source },
          destinations: { target: destination.entry },
          models: { people: { source: "warehouse", primaryKey: "id", sql: options.modelSql ?? DEFAULT_MODEL } },
          syncs: { leak_check: { model: "people", destination: "target", ...options.sync } },
          alerts: {
            ops: { url: `${alerts.url}/ops`, on: ["failed", "partial", "recovered"] },
            chat: { url: `${alerts.url}/chat`, format: "slack", on: ["failed", "partial", "recovered"] },
          },
        };
        writeFileSync(join(dir, "reverse-etl.config.json"), JSON.stringify(config, null, 2));
        const cli = options.cli ?? cliOf(dir);
        const env = destination.env ?? {};
        const run = (args: string[]) => runCli(cli, args, dir, env);
        const echo = (status: number): FaultRule[] =>
          options.echo ? [{ ...options.echo, fault: { status, echoRequest: true } }] : ["POST", "PATCH", "PUT", "DELETE"].map((method) => ({ method, fault: { status, echoRequest: true } }));

        const printed: Printed[] = [];
        printed.push(await run(["validate", "--json", "--log-level", "debug"]));
        printed.push(await run(["plan", "--json", "--log-level", "debug"]));
        printed.push(await run(["plan", "--format", "markdown", "--log-level", "debug"]));
        proxy.setFaults(echo(400));
        printed.push(await run(["sync", "--json", "--log-level", "debug", "--log-format", "json"]));
        proxy.setFaults(echo(401));
        printed.push(await run(["sync", "--full", "--log-level", "debug", "--log-format", "logfmt"]));
        proxy.setFaults([]);
        const runs = await run(["runs", "--json"]);
        printed.push(runs, await run(["runs"]));
        const runIds = (JSON.parse(runs.stdout) as { runs: Array<{ runId: string }> }).runs.map((r) => r.runId);

        const echoed = proxy.requests.filter((r) => r.fault !== undefined && (r.outcome === 400 || r.outcome === 401));
        expect(echoed.length, "the destination answered no request with an echo: check the echo option").toBeGreaterThan(0);
        const outputs = [
          ...printed.flatMap((p) => [
            { what: `stdout of ${p.what}`, text: p.stdout },
            { what: `stderr of ${p.what}`, text: p.stderr },
          ]),
          ...(await stateTables(dir, source)),
          ...alerts.bodies.map((body, i) => ({ what: `alert ${i + 1}`, text: body })),
          ...(await dashboardPages(cli, dir, env, runIds, "leak_check")),
        ];
        expect(alerts.bodies.length, "no alert was sent, so alerts were not checked").toBeGreaterThan(0);
        expect(runIds.length, "no run is in sync_runs, so the dashboard's run pages were not checked").toBeGreaterThan(0);
        const echoes = outputs.filter((o) => o.text.includes("fault proxy echo"));
        expect(echoes.length, "no output quotes the echoed answers, so the check would prove nothing").toBeGreaterThan(0);
        const leaks = outputs.flatMap((o) => {
          const leak = leakIn(o.text, destination.secrets);
          return leak ? [`${leak} in ${o.what}`] : [];
        });
        expect(leaks).toEqual([]);
      } finally {
        await proxy?.close();
        await alerts.close();
        await emulator.close();
      }
    });
  });
}
