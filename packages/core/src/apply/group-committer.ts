/**
 * Serialises state commits and groups them: while one commit runs, the batches acknowledged meanwhile
 * wait and are committed together by the next one. State still advances only after acknowledgement, but a
 * fast destination does not pay one warehouse transaction per batch.
 */
export class GroupCommitter<T> {
  #waiting: Array<{ item: T; resolve: () => void; reject: (error: unknown) => void }> = [];
  #running: Promise<void> | undefined;
  #error: unknown;

  constructor(
    private readonly commit: (items: T[]) => Promise<void>,
    /** Largest group, by the weight of its items. */
    private readonly maxWeight = Number.POSITIVE_INFINITY,
    private readonly weigh: (item: T) => number = () => 1,
  ) {}

  /** Queue an item; resolves once it is committed. */
  add(item: T): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.#waiting.push({ item, resolve, reject }));
    this.#kick();
    return done;
  }

  /** Items waiting for a commit. */
  get backlog(): number {
    return this.#waiting.length;
  }

  /** The first commit failure, if any. */
  get error(): unknown {
    return this.#error;
  }

  /** Resolve when nothing is waiting or running. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  #kick(): void {
    if (this.#running) return;
    this.#running = (async () => {
      while (this.#waiting.length > 0) {
        let weight = 0;
        let take = 0;
        while (take < this.#waiting.length && (take === 0 || weight + this.weigh(this.#waiting[take]!.item) <= this.maxWeight)) {
          weight += this.weigh(this.#waiting[take]!.item);
          take++;
        }
        const group = this.#waiting.splice(0, take);
        try {
          await this.commit(group.map((g) => g.item));
          for (const g of group) g.resolve();
        } catch (error) {
          this.#error ??= error;
          for (const g of group) g.reject(error);
        }
      }
      this.#running = undefined;
    })();
  }
}
