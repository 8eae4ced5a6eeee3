import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The built CLI launcher. Tests run `npx tsc -b` first (the test script does). */
export const CLI = fileURLToPath(new URL("../../packages/cli/bin/run.js", import.meta.url));

/** What a finished CLI process printed, and how it ended. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A CLI process that is still running. */
export interface RunningCli {
  child: ChildProcess;
  done: Promise<CliResult>;
}

/**
 * Start `reverse-etl ARGS` in a child process without blocking the test's event loop (servers the test
 * runs, such as a webhook receiver, keep answering).
 */
export function startCli(args: string[], options: { cwd: string; env?: Record<string, string> }): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const done = new Promise<CliResult>((resolve) => {
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

/** Run `reverse-etl ARGS` to the end. */
export function runCli(args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<CliResult> {
  return startCli(args, options).done;
}

/** Parse the JSON document a `--json` command printed on stdout, with the output in the error if it is not JSON. */
export function jsonOf<T = any>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${result.code}):\n${result.stdout}\n--- stderr ---\n${result.stderr}`);
  }
}

/** End a CLI process a test started, if it still runs (an assertion failed before the test stopped it). */
export async function killIfRunning(cli: RunningCli | undefined): Promise<void> {
  if (!cli || cli.child.exitCode !== null || cli.child.signalCode !== null) return;
  cli.child.kill("SIGKILL");
  await cli.done;
}

/** What the process printed on stdout up to and including `marker` (e.g. the first newline). */
export function stdoutUntil(cli: RunningCli, marker: string): Promise<string> {
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
