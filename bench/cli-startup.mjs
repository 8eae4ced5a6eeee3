// `npm run bench:cli`: how long `reverse-etl --version`, `--help` and `sync --help` take to start and exit,
// against the goal of issue 14 (under 0.3 s), beside a bare `node -e 0` for the floor.
//
//   npm run bench:cli                                  # 20 rounds
//   BENCH_CLI_RUNS=50 npm run bench:cli                # more rounds
//   BENCH_CLI_BINS=packages/cli/bin/run.js,/tmp/old/bin/run.js npm run bench:cli   # compare two builds
//
// Each round runs every command once, in turn, so a change in the machine's load falls on all of them alike
// (the development machine has 2 cores shared with other work). Wall time is what a user waits; CPU time
// (user + system, reported by the child at exit) moves less with the load. The minimum is the best estimate
// of the cost on a quiet machine; the median shows the load. Not a test: nothing fails.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { fmt, printColumns } from "./harness.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const GOAL_SECONDS = 0.3;
const runs = Number(process.env.BENCH_CLI_RUNS ?? 20);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`[reverse-etl] [bench] BENCH_CLI_RUNS: "${process.env.BENCH_CLI_RUNS}" is not a whole number >= 1. Example: BENCH_CLI_RUNS=50`);
  process.exit(2);
}
const bins = (process.env.BENCH_CLI_BINS ?? "packages/cli/bin/run.js").split(",").map((b) => resolve(root, b.trim()));

// The child writes its own CPU time to this file as it exits (preloaded, so the CLI runs unchanged).
const cpuFile = join(tmpdir(), `reverse-etl-cli-startup-${process.pid}.txt`);
const reportCpu = `import{appendFileSync}from"node:fs";process.on("exit",()=>{const u=process.resourceUsage();appendFileSync(${JSON.stringify(cpuFile)},(u.userCPUTime+u.systemCPUTime)/1e6+"\\n")})`;

const commands = [{ name: "node -e 0", args: ["-e", "0"] }];
for (const bin of bins) {
  const shown = bins.length > 1 ? `${relative(root, bin) || bin} ` : "reverse-etl ";
  for (const args of [["--version"], ["--help"], ["sync", "--help"]]) commands.push({ name: `${shown}${args.join(" ")}`, args: [bin, ...args] });
}

function runOnce(args) {
  rmSync(cpuFile, { force: true });
  const started = performance.now();
  const child = spawnSync(process.execPath, ["--import", `data:text/javascript,${encodeURIComponent(reportCpu)}`, ...args], {
    cwd: root,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const wall = (performance.now() - started) / 1000;
  if (child.status !== 0) throw new Error(`node ${args.join(" ")} exited ${child.status}: ${child.stderr}`);
  return { wall, cpu: Number(readFileSync(cpuFile, "utf8").trim()) };
}

const loadBefore = loadavg()[0];
const samples = commands.map(() => ({ wall: [], cpu: [] }));
runOnce(commands[0].args); // warm the file system cache once
for (let round = 0; round < runs; round++) {
  commands.forEach((command, i) => {
    const { wall, cpu } = runOnce(command.args);
    samples[i].wall.push(wall);
    samples[i].cpu.push(cpu);
  });
}
rmSync(cpuFile, { force: true });

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const median = (xs) => sorted(xs)[Math.floor(xs.length / 2)];
console.log(`CLI start-up, ${runs} rounds; load average ${fmt(loadBefore)} before, ${fmt(loadavg()[0])} after (${root})`);
printColumns(
  ["command", "wall min s", "wall median s", "CPU min s", "CPU median s"],
  commands.map((c, i) => [c.name, fmt(Math.min(...samples[i].wall), 3), fmt(median(samples[i].wall), 3), fmt(Math.min(...samples[i].cpu), 3), fmt(median(samples[i].cpu), 3)]),
);
// The goal is the first build's: its --version and --help, the two rows after `node -e 0`.
const slowest = Math.max(Math.min(...samples[1].wall), Math.min(...samples[2].wall));
console.log(`goal: --version and --help under ${GOAL_SECONDS} s (${relative(root, bins[0])}): slowest minimum ${fmt(slowest, 3)} s, ${slowest < GOAL_SECONDS ? "met" : "not met"}`);
