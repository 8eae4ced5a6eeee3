import { expect } from "vitest";
import { jsonOf, runCli } from "./cli.js";
import { readyLine, startDaemon, type Daemon } from "./daemon.js";

/** The ready line of `start --json`, with the queue it joined. */
export interface WorkerReady {
  url: string;
  pid: number;
  queue: { worker: string; concurrency: number } | null;
}

/** A worker as `reverse-etl workers --json` lists it. */
export interface ListedWorker {
  id: string;
  pid: number;
  alive: boolean;
  running: Array<{ sync: string; runId: string; attempt: number }>;
}

/**
 * Start `count` workers (`start --json`, each on a free port) of the queue the config in `dir` names, and
 * push each to `daemons` (for the caller's cleanup); resolves once each printed its ready line.
 */
export async function startWorkers(
  dir: string,
  count: number,
  daemons: Daemon[],
  options: { args?: string[]; env?: Record<string, string> } = {},
): Promise<Array<{ daemon: Daemon; ready: WorkerReady }>> {
  const started = Array.from({ length: count }, () => {
    const d = startDaemon(["start", "--json", "--port", "0", "--log-format", "json", ...(options.args ?? [])], { cwd: dir, env: options.env });
    daemons.push(d);
    return d;
  });
  // A worker that exits before its ready line fails the start with what it printed.
  const exited = (daemon: Daemon) =>
    daemon.done.then((end) => {
      throw new Error(`a worker exited (code ${end.code}) before it was ready:\n${end.stdout}\n${end.stderr}`);
    });
  return Promise.all(started.map(async (daemon) => ({ daemon, ready: await Promise.race([readyLine<WorkerReady>(daemon), exited(daemon)]) })));
}

/** The workers `reverse-etl workers --json` lists for the config in `dir`. */
export async function workersOf(dir: string, env?: Record<string, string>): Promise<ListedWorker[]> {
  const listed = await runCli(["workers", "--json"], { cwd: dir, env });
  expect(listed.code, listed.stderr).toBe(0);
  return (jsonOf(listed) as { workers: ListedWorker[] }).workers;
}
