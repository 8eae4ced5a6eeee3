import { afterEach } from "vitest";
import { startCli, type CliResult, type RunningCli } from "./cli.js";

/** Poll `check` until it returns a value other than undefined/false, or fail after `timeoutMs` saying `what`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** A long-running CLI command (`start`, `ui`) and what it wrote so far. */
export interface Daemon extends RunningCli {
  /** stderr so far (log lines). */
  stderr(): string;
  /** stdout so far. */
  stdout(): string;
  /** Send SIGTERM and wait for the process to end. */
  stop(): Promise<CliResult>;
}

/** Start `reverse-etl ARGS` as a daemon, collecting its output as it comes. */
export function startDaemon(args: string[], options: { cwd: string; env?: Record<string, string> }): Daemon {
  const running = startCli(args, options);
  let out = "";
  let err = "";
  running.child.stdout!.on("data", (d) => (out += d));
  running.child.stderr!.on("data", (d) => (err += d));
  return {
    ...running,
    stderr: () => err,
    stdout: () => out,
    async stop() {
      if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill("SIGTERM");
      return running.done;
    },
  };
}

/** The first stdout line of a daemon started with `--json` (`start`, `ui`): its `url`, and more. */
export function readyLine<T extends { url: string }>(daemon: Daemon): Promise<T> {
  return waitFor("the ready line", () => (daemon.stdout().includes("\n") ? (JSON.parse(daemon.stdout().split("\n")[0]!) as T) : undefined));
}

/**
 * The daemons and other servers a test file starts, stopped after each test: daemons killed first (so none
 * is left writing), then the closers run.
 */
export function stopAfterEach(): { daemons: Daemon[]; closers: Array<() => Promise<void>> } {
  const started = { daemons: [] as Daemon[], closers: [] as Array<() => Promise<void>> };
  afterEach(async () => {
    for (const d of started.daemons.splice(0)) if (d.child.exitCode === null) d.child.kill("SIGKILL");
    for (const close of started.closers.splice(0)) await close();
  });
  return started;
}
