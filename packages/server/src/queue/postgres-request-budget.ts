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

/**
 * A destination's request budget in PostgreSQL, shared by every worker of a queue: a log of granted
 * requests (`reverse_etl_workers.request_log`), and a grant made under a transaction-scoped advisory lock
 * per destination, after counting the log over each limit's sliding window by the database's clock (one
 * clock for every machine). Exact, like the in-process limiter: three workers together never send more
 * than a limit allows in any window of it.
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

  /** Grant `count` requests and answer 0, or answer how long to wait before they could fit. */
  async #tryGrant(destination: string, limits: readonly RateLimit[], count: number): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query("begin");
      await client.query("select pg_advisory_xact_lock(hashtext($1))", [`reverse-etl:budget:${destination}`]);
      let waitMs = 0;
      for (const limit of limits) {
        // A request costing more than a whole window still goes, alone in it.
        const room = limit.requests - Math.min(count, limit.requests);
        // Walking back from the newest grant, the first one past `room` must leave the window before these fit.
        const { rows } = await client.query<{ wait_ms: string | null }>(
          `select extract(epoch from (max(at) + make_interval(secs => $2::float8 / 1000) - clock_timestamp())) * 1000 as wait_ms
             from (select at, sum(requests) over (order by at desc) as newer
                     from ${WORKERS_SCHEMA}.request_log
                    where budget = $1 and at > clock_timestamp() - make_interval(secs => $2::float8 / 1000)) w
            where newer > $3`,
          [destination, limit.perMs + IN_FLIGHT_MARGIN_MS, room],
        );
        const wait = rows[0]?.wait_ms == null ? 0 : Math.max(1, Math.ceil(Number(rows[0].wait_ms)));
        waitMs = Math.max(waitMs, wait);
      }
      if (waitMs > 0) {
        await client.query("rollback");
        return waitMs;
      }
      const longest = Math.max(...limits.map((l) => l.perMs)) + IN_FLIGHT_MARGIN_MS;
      await client.query(`delete from ${WORKERS_SCHEMA}.request_log where budget = $1 and at < clock_timestamp() - make_interval(secs => $2::float8 / 1000)`, [destination, longest]);
      await client.query(`insert into ${WORKERS_SCHEMA}.request_log (budget, at, requests) values ($1, clock_timestamp(), $2)`, [destination, count]);
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
