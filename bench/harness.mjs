// What the DuckDB bench (bench/run.mjs, bench/measure.mjs) and the PostgreSQL bench (bench/postgres.mjs,
// bench/postgres-measure.mjs) share: reading the sizes and timeout, running each measurement in a fresh
// Node process, formatting figures, and, inside a measurement, sampling memory, logging progress, timing
// plan() and sync(), and reporting.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { performance } from "node:perf_hooks";

/** `1e6` for powers of ten, else the number. */
export const label = (n) => (Number.isInteger(Math.log10(n)) ? `1e${Math.log10(n)}` : String(n));
/** A figure with `digits` decimals, or `-` when it was not measured. */
export const fmt = (value, digits = 2) => (value === undefined || value === null || Number.isNaN(value) ? "-" : value.toFixed(digits));
/** A whole number with thousands separators, or `-`. */
export const int = (value) => (value === undefined || value === null ? "-" : Math.round(value).toLocaleString("en-US"));

/** Print a table: a header, a rule, then the rows; the first column left-aligned, the others right. */
export function printColumns(header, body) {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of body) console.log(line(row));
}

function usage(variable, message) {
  console.error(`[reverse-etl] [bench] ${variable}: ${message}`);
  process.exit(2);
}

/** BENCH_SIZES (comma-separated row counts, default `fallback`); exits 2 on a bad one. */
export function benchSizes(fallback) {
  return (process.env.BENCH_SIZES ?? fallback).split(",").map((s) => s.trim()).filter(Boolean).map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 100) usage("BENCH_SIZES", `"${s}" is not a whole number of rows >= 100. Example: BENCH_SIZES=1e5,1e6`);
    return n;
  });
}

/** BENCH_TIMEOUT_S (default `fallbackSeconds`), in seconds; exits 2 unless it is a positive number. */
export function benchTimeoutSeconds(fallbackSeconds) {
  const seconds = Number(process.env.BENCH_TIMEOUT_S ?? fallbackSeconds);
  if (!(seconds > 0)) usage("BENCH_TIMEOUT_S", `"${process.env.BENCH_TIMEOUT_S}" is not a positive number of seconds. Example: BENCH_TIMEOUT_S=600`);
  return seconds;
}

/** The measurement processes running, so an interrupt can stop them too. */
export const children = new Set();

/**
 * Run `script` in a fresh Node process (its peak RSS is its own) and return the JSON of its
 * `BENCH_RESULT` line. Node gets BENCH_NODE_OPTIONS (as its own arguments: Node refuses some flags in
 * NODE_OPTIONS, such as --cpu-prof) and `nodeArgs`. Killed, and rejected, after `timeoutSeconds`.
 */
export function runMeasurement(script, args, { name, timeoutSeconds, nodeArgs = [] }) {
  return new Promise((resolveResult, reject) => {
    const benchNodeArgs = (process.env.BENCH_NODE_OPTIONS ?? "").split(/\s+/).filter(Boolean);
    const child = spawn(process.execPath, [...benchNodeArgs, ...nodeArgs, script, ...args], {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, BENCH_TIMEOUT_S: String(timeoutSeconds) },
    });
    children.add(child);
    let stdout = "";
    let timedOut = false;
    child.stdout.on("data", (chunk) => (stdout += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutSeconds * 1000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      if (timedOut) {
        reject(new Error(`${name} took longer than ${timeoutSeconds} s (BENCH_TIMEOUT_S) and was stopped`));
        return;
      }
      const line = stdout.split("\n").find((l) => l.startsWith("BENCH_RESULT "));
      if (code !== 0 || !line) {
        reject(new Error(`${name} exited with ${signal ?? `code ${code}`}${stdout ? `; output:\n${stdout}` : ""}`));
        return;
      }
      resolveResult(JSON.parse(line.slice("BENCH_RESULT ".length)));
    });
  });
}

/** The machine, for the results file: compare figures of the same machine only. */
export function machine() {
  return { cpus: cpus().length, cpuModel: cpus()[0]?.model, totalMemoryMB: Math.round(totalmem() / 2 ** 20), node: process.version, platform: process.platform };
}

// ---- Inside a measurement process ----

/**
 * Sample the JS heap (and memory outside it) beside RSS from now on: if RSS grows with rows while the heap
 * stays flat, the memory is native (the warehouse's library, socket buffers); if the heap grows, Node is
 * holding rows. `report(result)` adds the memory figures, prints the `BENCH_RESULT` line and exits.
 */
export function memoryProbe() {
  const startRss = process.memoryUsage().rss;
  let peakHeap = 0;
  let peakExternal = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakExternal = Math.max(peakExternal, m.external + m.arrayBuffers);
  };
  setInterval(sample, 25).unref();
  return {
    report(result) {
      sample();
      result.startRssMB = startRss / 2 ** 20;
      result.peakRssMB = process.resourceUsage().maxRSS / 1024;
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
      if (hwm) result.vmHwmMB = Number(hwm[1]) / 1024;
      result.peakHeapMB = peakHeap / 2 ** 20;
      result.peakExternalMB = peakExternal / 2 ** 20;
      process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
      process.exit(0);
    },
  };
}

/** An `onProgress` for plan() and sync() that writes a line to stderr at most every `everyMs`. */
export function progressLogger(phase, everyMs) {
  let last = 0;
  return (event) => {
    const now = performance.now();
    if (now - last < everyMs) return;
    last = now;
    const total = event.total === undefined ? "" : ` of ${event.total.toLocaleString("en-US")}`;
    process.stderr.write(`    ${phase}: ${event.phase} ${event.done.toLocaleString("en-US")}${total}\n`);
  };
}

export const secondsSince = (from) => (performance.now() - from) / 1000;

/**
 * Time `project.plan()` when `plan` and `project.sync()` when `sync`, into `result`: their seconds, the
 * plan's counts, the run's counts, status, error and results, and what the null destination received.
 */
export async function planAndSync(project, { plan, sync, onProgress, written }, result) {
  if (plan) {
    const t = performance.now();
    const report = await project.plan({ sampleSize: 5, onProgress });
    result.planSeconds = secondsSince(t);
    result.planCounts = report.syncs[0].counts;
  }
  if (sync) {
    const t = performance.now();
    const report = await project.sync({ onProgress });
    result.syncSeconds = secondsSince(t);
    const run = report.syncs[0];
    result.counts = run.counts;
    result.status = run.status;
    result.error = run.error;
    result.results = run.results;
    result.written = { ...written, byOperation: { ...written.byOperation } };
  }
}
