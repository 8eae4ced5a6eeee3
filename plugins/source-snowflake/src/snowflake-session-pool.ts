import type { SnowflakeSession } from "./snowflake-session.js";

/**
 * The source's Snowflake sessions: at most `max` open at once, idle ones reused (a login costs a round
 * trip and a session), callers beyond `max` waiting in line. Sessions close with the pool.
 */
export class SnowflakeSessionPool {
  readonly #idle: SnowflakeSession[] = [];
  readonly #all = new Set<SnowflakeSession>();
  readonly #waiting: Array<{ resolve: (s: SnowflakeSession) => void; reject: (e: unknown) => void }> = [];
  #opening = 0;
  #closed = false;

  constructor(
    private readonly max: number,
    private readonly open: () => Promise<SnowflakeSession>,
  ) {}

  /** A session for one caller's exclusive use, until `release`. */
  async acquire(): Promise<SnowflakeSession> {
    if (this.#closed) throw new Error("[reverse-etl] [snowflake] the source connection is closed");
    const idle = this.#idle.pop();
    if (idle) return idle;
    if (this.#all.size + this.#opening < this.max) {
      this.#opening++;
      try {
        const session = await this.open();
        this.#all.add(session);
        return session;
      } finally {
        this.#opening--;
      }
    }
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  /** Give a session back; the next caller in line gets it. */
  release(session: SnowflakeSession): void {
    if (this.#closed) {
      void session.close();
      return;
    }
    const next = this.#waiting.shift();
    if (next) next.resolve(session);
    else this.#idle.push(session);
  }

  /** Log every session out. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#waiting.splice(0)) w.reject(new Error("[reverse-etl] [snowflake] the source connection is closed"));
    const sessions = [...this.#all];
    this.#all.clear();
    this.#idle.length = 0;
    await Promise.all(sessions.map((s) => s.close().catch(() => undefined)));
  }
}
