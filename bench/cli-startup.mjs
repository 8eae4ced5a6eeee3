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
// `measureCliStartup` is also what `npm run bench` prints its start-up line from.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { fmt, printColumns } from "./harness.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
/** The goal of issue 14: `--version` and `--help` start and exit within this many seconds. */
export const CLI_STARTUP_GOAL_SECONDS = 0.3;

// The child writes its own CPU time to this file as it exits (preloaded, so the CLI runs unchanged).
const cpuFile = join(tmpdir(), `reverse-etl-cli-startup-${process.pid}.txt`);
const reportCpu = `import{appendFileSync}from"node:fs";process.on("exit",()=>{const u=process.resourceUsage();appendFileSync(${JSON.stringify(cpuFile)},(u.userCPUTime+u.systemCPUTime)/1e6+"\\n")})`;

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

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const median = (xs) => sorted(xs)[Math.floor(xs.length / 2)];

/**
 * Run `node -e 0`, then `--version`, `--help` and `sync --help` of each bin (paths from the repository root),
 * once each per round for `runs` rounds. Returns each command's name and its wall and CPU minimum and median, in
 * seconds, with the load average before and after.
 */
export function measureCliStartup({ bins = ["packages/cli/bin/run.js"], runs = 20 } = {}) {
  const paths = bins.map((b) => resolve(root, b.trim()));
  const commands = [{ name: "node -e 0", args: ["-e", "0"] }];
  for (const bin of paths) {
    const shown = paths.length > 1 ? `${relative(root, bin) || bin} ` : "reverse-etl ";
    for (const args of [["--version"], ["--help"], ["sync", "--help"]]) commands.push({ name: `${shown}${args.join(" ")}`, args: [bin, ...args] });
  }
  const loadBefore = loadavg()[0];
  const samples = commands.map(() => ({ wall: [], cpu: [] }));
  runOnce(commands[0].args); // warm the file system cache once
  try {
    for (let round = 0; round < runs; round++) {
      commands.forEach((command, i) => {
        const { wall, cpu } = runOnce(command.args);
        samples[i].wall.push(wall);
        samples[i].cpu.push(cpu);
      });
    }
  } finally {
    rmSync(cpuFile, { force: true });
  }
  return {
    runs,
    loadBefore,
    loadAfter: loadavg()[0],
    commands: commands.map((c, i) => ({
      name: c.name,
      wallMin: Math.min(...samples[i].wall),
      wallMedian: median(samples[i].wall),
      cpuMin: Math.min(...samples[i].cpu),
      cpuMedian: median(samples[i].cpu),
    })),
  };
}

/** The slower of the first bin's `--version` and `--help` minimum wall times: what the goal is judged on. */
export const slowestStartup = (measured) => Math.max(measured.commands[1].wallMin, measured.commands[2].wallMin);

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const runs = Number(process.env.BENCH_CLI_RUNS ?? 20);
  if (!Number.isInteger(runs) || runs < 1) {
    console.error(`[reverse-etl] [bench] BENCH_CLI_RUNS: "${process.env.BENCH_CLI_RUNS}" is not a whole number >= 1. Example: BENCH_CLI_RUNS=50`);
    process.exit(2);
  }
  const bins = (process.env.BENCH_CLI_BINS ?? "packages/cli/bin/run.js").split(",");
  const measured = measureCliStartup({ bins, runs });
  console.log(`CLI start-up, ${runs} rounds; load average ${fmt(measured.loadBefore)} before, ${fmt(measured.loadAfter)} after (${root})`);
  printColumns(
    ["command", "wall min s", "wall median s", "CPU min s", "CPU median s"],
    measured.commands.map((c) => [c.name, fmt(c.wallMin, 3), fmt(c.wallMedian, 3), fmt(c.cpuMin, 3), fmt(c.cpuMedian, 3)]),
  );
  // The goal is the first build's: its --version and --help, the two rows after `node -e 0`.
  const slowest = slowestStartup(measured);
  console.log(`goal: --version and --help under ${CLI_STARTUP_GOAL_SECONDS} s (${bins[0].trim()}): slowest minimum ${fmt(slowest, 3)} s, ${slowest < CLI_STARTUP_GOAL_SECONDS ? "met" : "not met"}`);
}
