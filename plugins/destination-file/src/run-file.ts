import { mkdir, open, readdir, rename, unlink } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { RecordEncoder } from "./record-encoder.js";
import { staleTempPattern, tempPathFor } from "./path-template.js";

/**
 * The output of one run of one sync: appended to a temp file beside the target, then fsynced and renamed
 * over the target in one step, so readers see the old file or the whole new one, never half of it.
 */
export class RunFile {
  /** The temp file being written. */
  readonly temp: string;
  #handle: FileHandle | undefined;
  // Appends are chained so that concurrent writes never interleave their lines.
  #queue: Promise<void> = Promise.resolve();

  constructor(
    /** The file that appears at commit. */
    readonly target: string,
    readonly runId: string,
    readonly encoder: RecordEncoder,
    /** Pattern of stale temp names to clean up, built from the template (so `{runId}` matches any run). */
    private readonly stalePattern: RegExp = staleTempPattern(basename(target)),
    /** Temp files of this process's other open runs, which are not stale. */
    private readonly inUse: (tempPath: string) => boolean = () => false,
  ) {
    this.temp = tempPathFor(target, runId);
  }

  /** Append text, opening the temp file (and removing stale ones) on first use. */
  append(text: string): Promise<void> {
    const next = this.#queue.then(async () => {
      if (this.#handle === undefined) this.#handle = await this.#open();
      if (text.length > 0) await this.#handle.write(text);
    });
    this.#queue = next.catch(() => {});
    return next;
  }

  /** Write what the encoder held back, fsync, rename into place, and fsync the directory. */
  async commit(): Promise<void> {
    await this.append(this.encoder.finish());
    await this.#queue;
    const handle = this.#handle;
    if (handle === undefined) return;
    try {
      await handle.sync();
    } finally {
      this.#handle = undefined;
      await handle.close();
    }
    await rename(this.temp, this.target);
    await syncDirectory(dirname(this.target));
  }

  /** Close and delete the temp file; the target is left as it was. */
  async discard(): Promise<void> {
    await this.#queue;
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close().catch(() => {});
    await unlink(this.temp).catch(() => {});
  }

  async #open(): Promise<FileHandle> {
    const dir = dirname(this.target);
    await mkdir(dir, { recursive: true });
    await removeStaleTempFiles(dir, this.stalePattern, (name) => name === basename(this.temp) || this.inUse(join(dir, name)));
    return open(this.temp, "w");
  }
}

/** Delete temp files of crashed runs in `dir` whose names match `pattern`, except those to `keep`. */
export async function removeStaleTempFiles(dir: string, pattern: RegExp, keep: (name: string) => boolean = () => false): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const stale = names.filter((name) => pattern.test(name) && !keep(name));
  await Promise.all(stale.map((name) => unlink(join(dir, name)).catch(() => {})));
  return stale;
}

// The rename is durable only once the directory entry is on disk. Some platforms cannot fsync a directory.
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r").catch(() => undefined);
  if (handle === undefined) return;
  try {
    await handle.sync();
  } catch {
    // EISDIR/EPERM on platforms without directory fsync: the rename is still atomic.
  } finally {
    await handle.close();
  }
}
