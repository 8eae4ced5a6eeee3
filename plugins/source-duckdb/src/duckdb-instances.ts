import { DuckDBInstance } from "@duckdb/node-api";
import { ConnectionError } from "@reverse-etl/core";

/** A DuckDB database opened by this process, shared by every source connection on the same file. */
export interface DuckDbInstanceLease {
  readonly instance: DuckDBInstance;
  /** Give the lease back; the database closes when the last lease is returned. Safe to call twice. */
  release(): void;
}

interface OpenInstance {
  readonly opening: Promise<DuckDBInstance>;
  readonly configKey: string;
  leases: number;
}

const MEMORY = ":memory:";
const open = new Map<string, OpenInstance>();

/**
 * Opens `path`, or shares the instance this process already has open on it. DuckDB's file lock is per
 * process, so two instances on one file in one process would not exclude each other: each would keep its
 * own cache and write-ahead log, and they would silently diverge. `:memory:` is never shared.
 */
export async function leaseDuckDbInstance(path: string, config: Record<string, string>): Promise<DuckDbInstanceLease> {
  if (path === MEMORY) {
    const instance = await DuckDBInstance.create(path, config);
    return lease(instance, () => instance.closeSync());
  }
  const configKey = JSON.stringify(Object.entries(config).sort());
  let entry = open.get(path);
  if (entry && entry.configKey !== configKey) {
    throw new ConnectionError(
      `[reverse-etl] [duckdb] warehouse file ${path} is already open in this process with other options; ` +
        "give every source on the same file the same readOnly, threads, memoryLimit and tempDirectory",
    );
  }
  if (!entry) {
    const opening = DuckDBInstance.create(path, config);
    entry = { opening, configKey, leases: 0 };
    open.set(path, entry);
    opening.catch(() => open.delete(path));
  }
  const shared = entry;
  shared.leases++;
  let instance: DuckDBInstance;
  try {
    instance = await shared.opening;
  } catch (error) {
    shared.leases--;
    throw error;
  }
  return lease(instance, () => {
    if (--shared.leases > 0) return;
    open.delete(path);
    instance.closeSync();
  });
}

function lease(instance: DuckDBInstance, close: () => void): DuckDbInstanceLease {
  let released = false;
  return {
    instance,
    release() {
      if (released) return;
      released = true;
      close();
    },
  };
}
