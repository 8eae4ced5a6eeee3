/** The first SIGINT/SIGTERM, and a hook for the next one. */
export interface StopSignals {
  /** Resolves with the first signal received. */
  first: Promise<NodeJS.Signals>;
  /** Stop listening. */
  dispose(): void;
}

/**
 * Listen for SIGINT and SIGTERM: the first resolves `first` (stop gracefully), any later one calls
 * `onSecond` (stop at once). Long-running commands (`start`, `ui`) share this.
 */
export function waitForStopSignal(onSecond: (signal: NodeJS.Signals) => void): StopSignals {
  let received = false;
  let resolveFirst!: (signal: NodeJS.Signals) => void;
  const first = new Promise<NodeJS.Signals>((resolve) => (resolveFirst = resolve));
  const handler = (signal: NodeJS.Signals) => {
    if (received) return onSecond(signal);
    received = true;
    resolveFirst(signal);
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    first,
    dispose: () => {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}
