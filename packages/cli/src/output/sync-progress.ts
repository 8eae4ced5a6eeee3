import type { ProgressEvent } from "@reverse-etl/core";
import cliProgress from "cli-progress";
import type { CliLogger } from "./cli-logger.js";

/** Shows the progress events of a long command, then stops. */
export interface ProgressReporter {
  /** Handle one event from core. */
  onProgress(event: ProgressEvent): void;
  /** Finish: draw final bars, stop timers. Safe to call twice. */
  stop(): void;
}

/**
 * Progress bars on a terminal: one bar per sync, drawn while it is in the `sending` phase (planning is
 * one warehouse query and has no meaningful total).
 */
export function createBarProgress(stream: NodeJS.WritableStream): ProgressReporter {
  const multibar = new cliProgress.MultiBar(
    {
      stream,
      format: " {sync} |{bar}| {value}/{total} rows | {percentage}% | ETA {eta_formatted}",
      hideCursor: true,
      clearOnComplete: false,
      autopadding: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  let stopped = false;
  return {
    onProgress(event) {
      if (stopped || event.phase !== "sending") return;
      let bar = bars.get(event.sync);
      if (!bar) {
        bar = multibar.create(event.total ?? 0, 0, { sync: event.sync });
        bars.set(event.sync, bar);
      }
      if (event.total !== undefined && event.total !== bar.getTotal()) bar.setTotal(event.total);
      bar.update(event.done, { sync: event.sync });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      multibar.stop();
    },
  };
}

/**
 * Plain log lines instead of bars (stdout is not a terminal, or `--json`): every phase change, and at most
 * one line per `intervalMs` within a phase, so CI logs show the run is alive without flooding.
 */
export function createLogProgress(
  logger: CliLogger,
  options: { intervalMs?: number; now?: () => number; level?: "debug" | "info" } = {},
): ProgressReporter {
  const log = logger[options.level ?? "info"];
  const intervalMs = options.intervalMs ?? 5000;
  const now = options.now ?? Date.now;
  const last = new Map<string, { phase: string; at: number }>();
  return {
    onProgress(event) {
      const previous = last.get(event.sync);
      const time = now();
      if (previous && previous.phase === event.phase && time - previous.at < intervalMs) return;
      last.set(event.sync, { phase: event.phase, at: time });
      log("progress", {
        sync: event.sync,
        phase: event.phase,
        done: event.done,
        ...(event.total !== undefined ? { total: event.total } : {}),
      });
    },
    stop() {},
  };
}
