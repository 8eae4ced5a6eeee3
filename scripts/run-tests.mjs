#!/usr/bin/env node
// The whole test suite: build every package (tests drive the built CLI and plugins), run vitest, then
// print the plain `N passed, N failed[, N skipped]` line from vitest's own JSON report.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: "inherit" }).status ?? 1;

// Build the packages and the CLI's command manifest, then type-check the tests themselves (vitest only
// strips their types).
if (
  run("npx", ["tsc", "-b"]) !== 0 ||
  run("node", ["packages/cli/scripts/write-manifest.mjs"]) !== 0 ||
  run("npx", ["tsc", "-p", "tsconfig.test.json"]) !== 0
) {
  console.log("0 passed, 1 failed");
  console.error("build failed: fix the TypeScript errors above");
  process.exit(1);
}
const report = join(root, "test-results.json");
rmSync(report, { force: true });
const status = run("npx", [
  "vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...process.argv.slice(2),
]);
let summary;
try {
  const r = JSON.parse(readFileSync(report, "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  summary = `${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : "");
  if (r.numTotalTests === 0) summary = "0 passed, 0 failed";
} catch {
  summary = "0 passed, 1 failed";
}
console.log(summary);
process.exit(status);
