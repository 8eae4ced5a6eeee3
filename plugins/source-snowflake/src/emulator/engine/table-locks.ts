import { SnowflakeError } from "../emulator-errors.js";

/**
 * How a waiter deals with a holder that went quiet: Snowflake aborts a transaction that blocks another and
 * has been idle for five minutes, as when its client died in the middle of it
 * (https://docs.snowflake.com/en/sql-reference/transactions#aborting-transactions).
 */
export interface DetachedTransactions {
  /** Idle time after which a blocking transaction is aborted; Snowflake's is 300 s. */
  readonly abortAfterMs: number;
  /** How long the session has sent no statement. */
  idleMs(session: string): number;
  /** Roll back the session's transaction and release its locks. */
  abort(session: string): Promise<void>;
}

interface Held {
  holder: string;
  waiters: Array<() => void>;
}

/**
 * Table locks, as Snowflake takes them: UPDATE, DELETE, MERGE and DDL lock the table they change until
 * their transaction ends, and a second writer waits for it
 * (https://docs.snowflake.com/en/sql-reference/transactions#resource-locking). DuckDB would instead fail
 * the second writer with a conflict; waiting here gives Snowflake's behaviour. A wait longer than the
 * session's LOCK_TIMEOUT fails with Snowflake's lock-timeout error.
 */
export class TableLocks {
  readonly #locks = new Map<string, Held>();

  constructor(private readonly detached?: DetachedTransactions) {}

  /** Take `key` for `session`; resolves at once when the session holds it already. */
  async acquire(key: string, session: string, timeoutSeconds: number, statement: string): Promise<void> {
    for (;;) {
      const held = this.#locks.get(key);
      if (!held) {
        this.#locks.set(key, { holder: session, waiters: [] });
        return;
      }
      if (held.holder === session) return;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          clearInterval(watch);
          const i = held.waiters.indexOf(wake);
          if (i >= 0) held.waiters.splice(i, 1);
          reject(
            new SnowflakeError(
              "000625",
              "57014",
              `Statement '${statement}' has been aborted because it waited for a lock on ${key.replace(/\0/g, ".")} longer than LOCK_TIMEOUT (${timeoutSeconds} s).`,
            ),
          );
        }, timeoutSeconds * 1000);
        const detached = this.detached;
        const watch = detached
          ? setInterval(() => {
              if (this.#locks.get(key) === held && detached.idleMs(held.holder) >= detached.abortAfterMs) void detached.abort(held.holder);
            }, Math.min(1000, Math.max(50, detached.abortAfterMs / 4)))
          : undefined;
        const wake = () => {
          clearTimeout(timer);
          clearInterval(watch);
          resolve();
        };
        held.waiters.push(wake);
      });
    }
  }

  /** Release every lock `session` holds (its transaction ended). */
  releaseAll(session: string): void {
    for (const [key, held] of this.#locks) {
      if (held.holder !== session) continue;
      this.#locks.delete(key);
      for (const wake of held.waiters) wake();
    }
  }
}
