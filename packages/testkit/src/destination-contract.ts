import { randomUUID } from "node:crypto";
import { SYNC_MODES } from "@reverse-etl/core";
import type {
  DestinationConnection,
  FieldValue,
  OutgoingRecord,
  RecordResult,
  SyncContext,
  WriteContext,
  WriteOperation,
} from "@reverse-etl/core";
import { describe, expect, it } from "vitest";

/** What a `readBack` hook is asked about: the sync and run the suite wrote with. */
export interface ReadBackContext {
  /** Sync name the suite wrote under. */
  readonly sync: string;
  /** Run id of the write that should be visible now. */
  readonly runId: string;
  /** The object written to. */
  readonly object: string | undefined;
}

/** Options of {@link testDestinationContract}. */
export interface DestinationContractOptions {
  /** Name of the suite, e.g. the plugin's name. */
  readonly name: string;
  /** Open a fresh connection to a working destination. Called once per test; the suite closes it. */
  readonly connect: () => Promise<DestinationConnection>;
  /** The sync's `object`, for destinations that have several. */
  readonly object?: string;
  /** The sync's `options`, as validated against the plugin's `syncOptionsSchema` (defaults filled in). */
  readonly syncOptions?: Readonly<Record<string, unknown>>;
  /** Records to write. Default: three records with text, number, boolean, null and unicode values. */
  readonly sampleRecords?: readonly OutgoingRecord[];
  /** `match` for every default sample record, for destinations that need an identifier. */
  readonly sampleMatch?: (index: number) => Record<string, FieldValue>;
  /**
   * Read what the destination now holds, as key (`OutgoingRecord.key`) -> fields, to prove that records
   * really arrived (and that deleted ones are gone). Called after a write and its flush.
   */
  readonly readBack?: (context: ReadBackContext) => Promise<ReadonlyMap<string, Readonly<Record<string, FieldValue>>>>;
}

const RESULT_STATUSES = ["ok", "rejected", "retryable", "deferred"];

/**
 * The conformance suite every destination plugin should pass: sane capabilities, a description, one result
 * per record, `deferred` only with a confirming `flush`, deletes for mirror mode, a double `close`, and
 * (with `readBack`) records that really arrived. Call it at the top level of a test file.
 */
export function testDestinationContract(options: DestinationContractOptions): void {
  const sync = `contract-${options.name}`.replace(/[^A-Za-z0-9_-]/g, "_");
  const samples = options.sampleRecords ?? defaultSampleRecords(options.sampleMatch);

  async function withConnection<T>(run: (connection: DestinationConnection) => Promise<T>): Promise<T> {
    const connection = await options.connect();
    try {
      return await run(connection);
    } finally {
      await connection.close();
    }
  }

  function syncContext(runId: string): SyncContext {
    return {
      sync,
      object: options.object,
      options: options.syncOptions ?? {},
      runId,
      signal: new AbortController().signal,
      acquireRequests: async () => undefined,
    };
  }

  function context(runId: string): WriteContext {
    return { ...syncContext(runId), idempotencyKey: randomUUID() };
  }

  /** Write one batch and flush it when the destination defers; returns the results. */
  async function writeAndFlush(
    connection: DestinationConnection,
    operation: WriteOperation,
    records: readonly OutgoingRecord[],
    runId: string,
  ): Promise<readonly RecordResult[]> {
    const outcome = await connection.write(operation, records, context(runId));
    expect(outcome, `write(${operation}) outcome`).toMatchObject({ type: "results" });
    if (outcome.type !== "results") return [];
    expect(outcome.results).toHaveLength(records.length);
    if (outcome.results.some((r) => r.status === "deferred")) {
      expect(connection.flush, "a destination that defers results must implement flush()").toBeTypeOf("function");
      const flushed = await connection.flush!(syncContext(runId));
      expect(flushed).toEqual({ type: "ok" });
    }
    return outcome.results;
  }

  describe(`destination contract: ${options.name}`, () => {
    it("declares sane capabilities", async () => {
      await withConnection(async ({ capabilities }) => {
        expect(capabilities.modes.length).toBeGreaterThan(0);
        for (const mode of capabilities.modes) expect(SYNC_MODES).toContain(mode);
        expect(Number.isInteger(capabilities.maxBatchSize)).toBe(true);
        expect(capabilities.maxBatchSize).toBeGreaterThanOrEqual(1);
        if (capabilities.maxConcurrency !== undefined) {
          expect(Number.isInteger(capabilities.maxConcurrency)).toBe(true);
          expect(capabilities.maxConcurrency).toBeGreaterThanOrEqual(1);
        }
        for (const limit of capabilities.rateLimits ?? []) {
          expect(limit.requests).toBeGreaterThan(0);
          expect(limit.perMs).toBeGreaterThan(0);
        }
      });
    });

    it("passes check() on a working destination", async () => {
      await withConnection(async (connection) => {
        await expect(connection.check()).resolves.toBeUndefined();
      });
    });

    it("describes the object with fields and identifiers", async () => {
      await withConnection(async (connection) => {
        const description = await connection.describe(options.object);
        expect(Array.isArray(description.fields)).toBe(true);
        expect(Array.isArray(description.identifiers)).toBe(true);
        for (const field of description.fields) expect(field.name).toBeTypeOf("string");
        if (description.requiresMatch) expect(description.identifiers.length).toBeGreaterThan(0);
      });
    });

    it("returns exactly one result per record, in order, for a batch up to maxBatchSize", async () => {
      await withConnection(async (connection) => {
        const batch = samples.slice(0, connection.capabilities.maxBatchSize);
        const operation: WriteOperation = connection.capabilities.modes.includes("insert") && !connection.capabilities.modes.includes("upsert") ? "insert" : "upsert";
        const results = await writeAndFlush(connection, operation, batch, `contract-run-${randomUUID()}`);
        for (const result of results) {
          expect(RESULT_STATUSES).toContain(result.status);
          expect(result.status, "the sample records are valid and should be accepted").not.toBe("rejected");
        }
      });
    });

    it("returns no results for an empty batch", async () => {
      await withConnection(async (connection) => {
        const runId = `contract-run-${randomUUID()}`;
        const outcome = await connection.write("upsert", [], context(runId));
        expect(outcome).toEqual({ type: "results", results: [] });
      });
    });

    it("returns deferred results only when flush() exists, and flush() confirms them", async () => {
      await withConnection(async (connection) => {
        const runId = `contract-run-${randomUUID()}`;
        const batch = samples.slice(0, connection.capabilities.maxBatchSize);
        const outcome = await connection.write("upsert", batch, context(runId));
        expect(outcome.type).toBe("results");
        const deferred = outcome.type === "results" && outcome.results.some((r) => r.status === "deferred");
        if (deferred) expect(connection.flush).toBeTypeOf("function");
        if (connection.flush) {
          await expect(connection.flush(syncContext(runId))).resolves.toEqual({ type: "ok" });
        }
      });
    });

    it("accepts a delete operation when mirror mode is supported", async (test) => {
      await withConnection(async (connection) => {
        if (!connection.capabilities.modes.includes("mirror")) {
          test.skip();
          return;
        }
        const [first] = samples;
        await writeAndFlush(connection, "upsert", [first], `contract-run-${randomUUID()}`);
        const runId = `contract-run-${randomUUID()}`;
        const results = await writeAndFlush(connection, "delete", [{ ...first, fields: {} }], runId);
        expect(results[0].status).not.toBe("rejected");
        if (options.readBack) {
          const held = await options.readBack({ sync, runId, object: options.object });
          expect(held.has(first.key), `record ${first.key} should be gone after the delete`).toBe(false);
        }
      });
    });

    it("is safe to close twice", async () => {
      const connection = await options.connect();
      await connection.close();
      await expect(connection.close()).resolves.toBeUndefined();
    });

    it.skipIf(options.readBack === undefined)("delivers the records it acknowledged (read back)", async () => {
      await withConnection(async (connection) => {
        const runId = `contract-run-${randomUUID()}`;
        const batch = samples.slice(0, connection.capabilities.maxBatchSize);
        const results = await writeAndFlush(connection, "upsert", batch, runId);
        const held = await options.readBack!({ sync, runId, object: options.object });
        batch.forEach((record, i) => {
          if (results[i].status !== "ok" && results[i].status !== "deferred") return;
          expect(held.get(record.key), `record ${record.key}`).toEqual(record.fields);
        });
      });
    });
  });
}

/** Three valid records covering text, numbers, booleans, null, unicode and a composite key. */
function defaultSampleRecords(match?: (index: number) => Record<string, FieldValue>): OutgoingRecord[] {
  const rows: Array<Record<string, FieldValue>> = [
    { email: "ada@example.com", name: "Ada Lovelace", plan: "pro", ltv: 1234.5, active: true },
    { email: "grace@example.com", name: "Grace \"Amazing\" Hopper, RADM", plan: "free", ltv: 0, active: false },
    { email: "zoë@example.com", name: "Zoë 佐藤\nsecond line", plan: null, ltv: -1, active: true },
  ];
  return rows.map((fields, i) => ({
    key: String(i + 1),
    keyValue: i + 1,
    match: match?.(i) ?? {},
    fields,
  }));
}
