import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Scratch projects of end-to-end tests live in `.tmp/` (gitignored); start and finish with none. */
const SCRATCH = fileURLToPath(new URL("../../.tmp/", import.meta.url));

export function setup(): void {
  rmSync(SCRATCH, { recursive: true, force: true });
}

export function teardown(): void {
  if (!process.env.KEEP_TEST_PROJECTS) rmSync(SCRATCH, { recursive: true, force: true });
}
