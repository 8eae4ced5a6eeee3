import type { Kysely } from "kysely";
import type { RowError, SettledRange, StateCommits } from "../state/state-commits.js";
import { GroupCommitter } from "./group-committer.js";
import type { DeliveryResult } from "./deliver-batch.js";
import { MAX_KEYS_PER_COMMIT } from "../state/state-commits.js";

/** Running totals of a run's records. */
export interface Tally {
  sent: number;
  succeeded: number;
  rejected: number;
  failed: number;
}

/** What settling delivered records needs: the warehouse, its state commits, the run's totals. */
export interface SettleContext {
  db: Kysely<unknown>;
  commits: StateCommits;
  tally: Tally;
  /** The sync resends rejected rows (else their state is remembered). */
  retryRejected: boolean;
}

/** The outcome of one delivered batch, waiting to be committed. */
interface Settlement {
  range: SettledRange;
  /** Rows acknowledged now. */
  ok: number;
  /** Rejected keys whose state is recorded anyway (`retryRejected: false`). */
  remembered: string[];
  errors: RowError[];
}

/**
 * Turns the results of delivered batches into state: counts them, and commits each batch's acknowledged
 * rows, rejected rows to remember and row errors, grouped (`GroupCommitter`) so a fast destination does not
 * pay one warehouse transaction per batch. Records whose delivery is `deferred` to `flush()` are kept as
 * ranges until it answers.
 */
export class Settlements {
  /** Ranges whose records (less `exclude`) wait for `flush()`. */
  readonly deferred: SettledRange[] = [];
  readonly #committer: GroupCommitter<Settlement>;

  constructor(private readonly ctx: SettleContext) {
    // State commits are serialised and grouped: one writer at a time keeps every warehouse happy.
    this.#committer = new GroupCommitter<Settlement>(
      (items) => this.#commit(items),
      MAX_KEYS_PER_COMMIT,
      (item) => 1 + item.range.exclude.length + item.remembered.length + item.errors.length,
    );
  }

  /**
   * Settle one batch: the rows `lo`..`hi` of the snapshot, whose keys are `keys`, with one result each.
   * Resolves once committed; the sender waits for it, so at most `concurrency` acknowledged batches are
   * ever uncommitted (a kill can only make those few be sent again).
   */
  settle(op: "w" | "d", lo: number, hi: number, keys: readonly string[], results: readonly DeliveryResult[]): Promise<void> {
    const settlement: Settlement = { range: { op, lo, hi, exclude: [] }, ok: 0, remembered: [], errors: [] };
    const notDeferred: string[] = [];
    results.forEach((result, i) => {
      const key = keys[i]!;
      if (result.status === "ok") settlement.ok++;
      else settlement.range.exclude.push(key);
      if (result.status !== "deferred") notDeferred.push(key);
      if (result.status === "ok") this.ctx.tally.succeeded++;
      if (result.status === "rejected") {
        this.ctx.tally.rejected++;
        settlement.errors.push({ rowKey: key, kind: "rejected", message: result.message });
        if (!this.ctx.retryRejected) settlement.remembered.push(key);
      }
      if (result.status === "failed") {
        this.ctx.tally.failed++;
        settlement.errors.push({ rowKey: key, kind: "failed", message: result.message });
      }
    });
    if (notDeferred.length < keys.length) this.deferred.push({ op, lo, hi, exclude: notDeferred });
    return this.#committer.add(settlement).catch(() => undefined);
  }

  /** Settle a batch that was never sent (the run is stopping): every record failed with `message`. */
  fail(op: "w" | "d", lo: number, hi: number, keys: readonly string[], message: string): Promise<void> {
    return this.settle(op, lo, hi, keys, keys.map(() => ({ status: "failed", message })));
  }

  /** Wait for every commit; throws the first commit failure. */
  async idle(): Promise<void> {
    await this.#committer.idle();
    if (this.#committer.error) throw this.#committer.error;
  }

  /** Wait for every commit, ignoring failures (the run is failing already). */
  async drain(): Promise<void> {
    await this.#committer.idle().catch(() => undefined);
  }

  async #commit(items: Settlement[]): Promise<void> {
    const acknowledged = items.filter((i) => i.ok > 0).map((i) => i.range);
    const remembered = items.flatMap((i) => i.remembered);
    const errors = items.flatMap((i) => i.errors);
    await this.ctx.db.transaction().execute(async (trx) => {
      if (acknowledged.length > 0) await this.ctx.commits.commitRanges(trx, acknowledged);
      if (remembered.length > 0) await this.ctx.commits.rememberRejected(trx, remembered);
      if (errors.length > 0) await this.ctx.commits.recordErrors(trx, errors);
    });
  }
}
