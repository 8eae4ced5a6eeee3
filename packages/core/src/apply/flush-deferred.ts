import type { FlushOutcome, FlushRecordResult } from "../plugins/destination.js";
import { secrets } from "../secrets/redactor.js";
import { chunkRanges, type RowError, type SettledRange } from "../state/state-commits.js";
import type { SettleContext } from "./settlement.js";

/**
 * Settle the records whose delivery waited for `flush()`, by its outcome: all delivered (`ok`), none
 * (`failed`), or one result per record (`results`, a bulk job's answers), of which only the delivered
 * records' state advances. Returns the error that makes the run fail, if any.
 */
export async function settleDeferred(ctx: SettleContext, deferred: readonly SettledRange[], flushed: FlushOutcome): Promise<string | undefined> {
  switch (flushed.type) {
    case "ok":
      await ctx.db.transaction().execute(async (trx) => {
        for (const group of chunkRanges(deferred)) await ctx.commits.commitRanges(trx, group);
      });
      for (const range of deferred) ctx.tally.succeeded += rangeSize(range);
      return undefined;
    case "failed": {
      const error = `destination did not confirm delivery: ${secrets.redact(flushed.message)}`;
      await failDeferred(ctx, deferred, `not delivered: ${error}`);
      return error;
    }
    case "results":
      await settleRecordResults(ctx, deferred, flushed.results);
      return undefined;
  }
}

/** Record every deferred record as failed: none of them counts as delivered. */
export async function failDeferred(ctx: SettleContext, deferred: readonly SettledRange[], message: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    for (const range of deferred) ctx.tally.failed += await ctx.commits.recordRangeFailed(trx, range, message);
  });
}

/**
 * Per-record flush results: delivered records commit by key; rejected ones are recorded (and remembered
 * when the sync does not retry them); retryable ones, and deferred records the destination gave no result
 * for, are recorded as failed, so the next run sends them again.
 */
async function settleRecordResults(ctx: SettleContext, deferred: readonly SettledRange[], results: ReadonlyMap<string, FlushRecordResult>): Promise<void> {
  const ok: string[] = [];
  const remembered: string[] = [];
  const errors: RowError[] = [];
  // The deferred keys are read back from the snapshot: a result for a key that was not deferred is ignored.
  for await (const key of ctx.commits.keysOf(deferred)) {
    const result = results.get(key);
    if (!result) {
      errors.push({ rowKey: key, kind: "failed", message: "not delivered: the destination gave no result for this record at flush" });
      continue;
    }
    if (result.status === "ok") ok.push(key);
    else if (result.status === "rejected") {
      errors.push({ rowKey: key, kind: "rejected", message: secrets.redact(result.message) });
      if (!ctx.retryRejected) remembered.push(key);
    } else errors.push({ rowKey: key, kind: "failed", message: `not delivered: ${secrets.redact(result.message)}` });
  }
  await ctx.db.transaction().execute(async (trx) => {
    await ctx.commits.commitKeys(trx, ok);
    if (remembered.length > 0) await ctx.commits.rememberRejected(trx, remembered);
    if (errors.length > 0) await ctx.commits.recordErrors(trx, errors);
  });
  ctx.tally.succeeded += ok.length;
  ctx.tally.rejected += errors.filter((e) => e.kind === "rejected").length;
  ctx.tally.failed += errors.filter((e) => e.kind === "failed").length;
}

function rangeSize(range: SettledRange): number {
  return range.hi - range.lo + 1 - range.exclude.length;
}
