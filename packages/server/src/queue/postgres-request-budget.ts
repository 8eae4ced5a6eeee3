import type { RateLimit, SharedRequestBudget } from "@reverse-etl/core";
import type pg from "pg";
import { WORKERS_SCHEMA } from "./queue-schema.js";

/**
 * Added to every window: a request is counted when it is granted here and reaches the vendor a little
 * later, and a later grant can arrive sooner (another worker, another network path). Counting a grant for
 * this much longer keeps the vendor's own window, which counts arrivals, under the limit.
 */
const IN_FLIGHT_MARGIN_MS = 500;

/** Longest wait between two looks at a full budget, so an abort or a freed slot is noticed soon. */
const MAX_WAIT_MS = 1000;

/** Windows up to this long are counted grant by grant; longer ones (daily quotas) by the minute. */
const EXACT_WINDOW_MAX_MS = 60_000;

/** Where a kind of window is counted: its table, its time column, and how long one of its rows spans. */
interface Ledger {
  table: string;
  column: string;
  spanMs: number;
}

const EXACT: Ledger = { table: `${WORKERS_SCHEMA}.request_log`, column: "at", spanMs: 0 };
const BY_MINUTE: Ledger = { table: `${WORKERS_SCHEMA}.request_minutes`, column: "minute", spanMs: 60_000 };

/**
 * A destination's request budget in PostgreSQL, shared by every worker of a queue. A grant is made under a
 * transaction-scoped advisory lock per destination, after counting what was granted over each limit's
 * sliding window by the database's clock (one clock for every machine). Short windows (HubSpot's 10 s) are
 * counted exactly from a log of grants (`request_log`), so three workers together never send more than the
 * limit in any window; long ones (250,000 a day) from per-minute totals (`request_minutes`), counting a
 * minute until its last instant leaves the window, which keeps a day's count to 1,440 rows and errs on the
 * safe side by at most a minute.
 */
export class PostgresRequestBudget implements SharedRequestBudget {
  constructor(private readonly pool: pg.Pool) {}

  async acquire(destination: string, limits: readonly RateLimit[], count: number, signal?: AbortSignal): Promise<void> {
    const windows = limits.filter((l) => l.requests > 0 && l.perMs > 0);
    if (windows.length === 0) return;
    for (;;) {
      signal?.throwIfAborted();
      const waitMs = await this.#tryGrant(destination, windows, count);
      if (waitMs <= 0) return;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(done, Math.min(MAX_WAIT_MS, waitMs));
        function done() {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        }
        function onAbort() {
          clearTimeout(timer);
          reject(signal!.reason);
        }
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    }
  }

  async pause(destination: string, ms: number): Promise<void> {
    if (!(ms > 0)) return;
    await this.pool.query(
      `insert into ${WORKERS_SCHEMA}.request_pauses (budget, until) values ($1, clock_timestamp() + make_interval(secs => $2::float8 / 1000))
       on conflict (budget) do update set until = greatest(${WORKERS_SCHEMA}.request_pauses.until, excluded.until)`,
      [destination, ms],
    );
  }

  /** Grant `count` requests and answer 0, or answer how long to wait before they could fit. */
  async #tryGrant(destination: string, limits: readonly RateLimit[], count: number): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query("begin");
      await client.query("select pg_advisory_xact_lock(hashtext($1))", [`reverse-etl:budget:${destination}`]);
      const paused = await client.query<{ wait_ms: string }>(
        `select extract(epoch from (until - clock_timestamp())) * 1000 as wait_ms from ${WORKERS_SCHEMA}.request_pauses where budget = $1 and until > clock_timestamp()`,
        [destination],
      );
      let waitMs = paused.rows[0] ? Math.max(1, Math.ceil(Number(paused.rows[0].wait_ms))) : 0;
      for (const limit of limits) {
        const ledger = limit.perMs <= EXACT_WINDOW_MAX_MS ? EXACT : BY_MINUTE;
        waitMs = Math.max(waitMs, await waitBeforeGrant(client, ledger, destination, limit, count));
      }
      if (waitMs > 0) {
        await client.query("rollback");
        return waitMs;
      }
      for (const ledger of [EXACT, BY_MINUTE]) {
        const counted = limits.filter((l) => (l.perMs <= EXACT_WINDOW_MAX_MS) === (ledger === EXACT));
        if (counted.length > 0) await record(client, ledger, destination, count, Math.max(...counted.map((l) => l.perMs)));
      }
      await client.query("commit");
      return 0;
    } catch (error) {
      await client.query("rollback").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

/** How long until `count` more requests fit under `limit` in `ledger`: 0 when they fit now. */
async function waitBeforeGrant(client: pg.PoolClient, ledger: Ledger, destination: string, limit: RateLimit, count: number): Promise<number> {
  // A request costing more than a whole window still goes, alone in it.
  const room = limit.requests - Math.min(count, limit.requests);
  const windowMs = limit.perMs + IN_FLIGHT_MARGIN_MS + ledger.spanMs;
  // Walking back from the newest row, the first one past `room` must leave the window before these fit.
  const { rows } = await client.query<{ wait_ms: string | null }>(
    `select extract(epoch from (max(${ledger.column}) + make_interval(secs => $2::float8 / 1000) - clock_timestamp())) * 1000 as wait_ms
       from (select ${ledger.column}, sum(requests) over (order by ${ledger.column} desc) as newer
               from ${ledger.table}
              where budget = $1 and ${ledger.column} > clock_timestamp() - make_interval(secs => $2::float8 / 1000)) w
      where newer > $3`,
    [destination, windowMs, room],
  );
  return rows[0]?.wait_ms == null ? 0 : Math.max(1, Math.ceil(Number(rows[0].wait_ms)));
}

/** Count a grant of `count` requests now, and forget rows older than `longestMs` (plus margins). */
async function record(client: pg.PoolClient, ledger: Ledger, destination: string, count: number, longestMs: number): Promise<void> {
  const keepMs = longestMs + IN_FLIGHT_MARGIN_MS + ledger.spanMs;
  await client.query(`delete from ${ledger.table} where budget = $1 and ${ledger.column} < clock_timestamp() - make_interval(secs => $2::float8 / 1000)`, [destination, keepMs]);
  if (ledger === EXACT) {
    await client.query(`insert into ${EXACT.table} (budget, at, requests) values ($1, clock_timestamp(), $2)`, [destination, count]);
  } else {
    await client.query(
      `insert into ${BY_MINUTE.table} (budget, minute, requests) values ($1, date_trunc('minute', clock_timestamp()), $2)
       on conflict (budget, minute) do update set requests = ${BY_MINUTE.table}.requests + excluded.requests`,
      [destination, count],
    );
  }
}
