import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Scratch projects of end-to-end tests live in `.tmp/e2e-<pid>/` (gitignored), one folder per test run so
 * that concurrent runs in one checkout never delete each other's projects. Folders of runs whose process
 * is gone are removed at the next start; a run removes its own at the end (KEEP_TEST_PROJECTS=1 keeps it).
 */
const SCRATCH = fileURLToPath(new URL("../../.tmp/", import.meta.url));
const mine = join(SCRATCH, `e2e-${process.pid}`);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function setup(): void {
  mkdirSync(SCRATCH, { recursive: true });
  for (const entry of readdirSync(SCRATCH)) {
    const pid = /^e2e-(\d+)$/.exec(entry)?.[1];
    if (pid && !alive(Number(pid))) rmSync(join(SCRATCH, entry), { recursive: true, force: true });
  }
  mkdirSync(mine, { recursive: true });
  // Test workers are forked from this process after setup, so they inherit it.
  process.env.REVERSE_ETL_TEST_SCRATCH = mine;
}

export function teardown(): void {
  if (!process.env.KEEP_TEST_PROJECTS) rmSync(mine, { recursive: true, force: true });
}
