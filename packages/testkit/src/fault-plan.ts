/**
 * What the fault proxy does to one request: `"drop"` (close the connection without an answer), `"reset"`
 * (abort it with a TCP RST), or a {@link FaultAction}.
 */
export type Fault = "drop" | "reset" | FaultAction;

/**
 * A fault as a declaration. Each member is optional; they combine, e.g.
 * `{ delayMs: 200, status: 503 }` answers 503 after 200 ms, `{ when: "after", connection: "drop" }` lets the
 * target apply the request and then loses its answer.
 */
export interface FaultAction {
  /**
   * Wait this long first: before forwarding (`when: "before"`), or between the target's answer and passing
   * it on (`when: "after"`). Alone, a slow network or server; with a client timeout, a timed-out request.
   */
  readonly delayMs?: number;
  /** Answer this HTTP status instead of the target's answer. */
  readonly status?: number;
  /** With `status`: the `Retry-After` header, in seconds. (An HTTP date goes in `headers`.) */
  readonly retryAfterSeconds?: number;
  /** With `status`: headers of the answer, e.g. a vendor's rate-limit headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * With `status`: the body, a string as is or a value sent as JSON (a vendor's error envelope). Default:
   * `{"error":"fault proxy: injected HTTP <status>"}`.
   */
  readonly body?: string | FaultJson;
  /**
   * With `status`: answer with the whole request echoed back (method, URL, every header, body), as some API
   * gateways and proxies do in their error answers, in a JSON body whose `message`, `error` and
   * `errors[0].message` hold it as text (the fields vendors' error envelopes use, so a plugin quoting the
   * error quotes the request). Tests that no form of a credential reaches any output (`testSecretsNeverLeak`).
   */
  readonly echoRequest?: boolean;
  /** Cut the connection instead of answering: `drop` closes it (FIN), `reset` aborts it (TCP RST). */
  readonly connection?: "drop" | "reset";
  /** Pass the answer's body on in chunks of `chunkBytes` bytes every `intervalMs`: a slow download. */
  readonly slowBody?: { readonly chunkBytes: number; readonly intervalMs: number };
  /**
   * `before` (default): the target never sees the request. `after`: the request is forwarded and the
   * target acts on it, then the fault replaces or cuts its answer: an acknowledgement lost on the way back,
   * which a sender must survive without applying anything twice (idempotency keys).
   */
  readonly when?: "before" | "after";
}

/** A JSON value, as an injected body. */
export type FaultJson = string | number | boolean | null | readonly FaultJson[] | { readonly [key: string]: FaultJson };

/**
 * When a {@link Fault} applies. A rule looks at the requests its `method` and `path` admit (all by default),
 * numbered from 1 in arrival order, and picks them with at most one selector: `every`, `nth` or
 * `probability`; without one it picks every request it admits.
 *
 * ```ts
 * [
 *   { every: 5, fault: { status: 429, retryAfterSeconds: 1 } },        // the 5th, 10th, ... request
 *   { method: "POST", nth: [3, 7], fault: "reset" },                  // the 3rd and 7th POST
 *   { probability: 0.1, seed: 42, fault: { status: 503 } },          // 10%, the same ones every run
 *   { fault: { delayMs: 15 } },                                       // every other request, late
 * ]
 * ```
 */
export interface FaultRule {
  /** What to do to the requests picked. */
  readonly fault: Fault;
  /** Only requests with this method (any case); the others pass and are not counted by this rule. */
  readonly method?: string;
  /** Only requests whose path (without the query) starts with this string or matches this expression. */
  readonly path?: string | RegExp;
  /** Every `every`-th request: 5 picks the 5th, 10th, 15th, ... */
  readonly every?: number;
  /** These requests, counted from 1. */
  readonly nth?: readonly number[];
  /** Each request with this probability (0 to 1), drawn from a generator seeded with `seed`. */
  readonly probability?: number;
  /** Seed of `probability`'s generator, so that a run picks the same requests every time. Default 1. */
  readonly seed?: number;
}

/** A plan of rules with their counters: which fault, if any, a request gets. */
export class FaultPlan {
  readonly #rules: ReadonlyArray<{ readonly rule: FaultRule; seen: number; readonly random: () => number }>;

  constructor(rules: readonly FaultRule[]) {
    rules.forEach(checkRule);
    this.#rules = rules.map((rule) => ({ rule, seen: 0, random: seededRandom(rule.seed ?? 1) }));
  }

  /**
   * The fault of the next request, or undefined to pass it through. Every rule counts (and draws for)
   * every request it admits, even one an earlier rule took, so one rule's numbering never depends on
   * another's; the first rule that picks the request wins.
   */
  next(method: string, path: string): Fault | undefined {
    let chosen: Fault | undefined;
    for (const entry of this.#rules) {
      const { rule } = entry;
      if (rule.method !== undefined && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (rule.path !== undefined && !(typeof rule.path === "string" ? path.startsWith(rule.path) : rule.path.test(path))) continue;
      const n = ++entry.seen;
      const picked =
        rule.every !== undefined
          ? n % rule.every === 0
          : rule.nth !== undefined
            ? rule.nth.includes(n)
            : rule.probability !== undefined
              ? entry.random() < rule.probability
              : true;
      if (picked && chosen === undefined) chosen = rule.fault;
    }
    return chosen;
  }
}

function checkRule(rule: FaultRule, index: number): void {
  const where = `[reverse-etl] [testkit] fault rule ${index + 1}`;
  const selectors = (["every", "nth", "probability"] as const).filter((s) => rule[s] !== undefined);
  if (selectors.length > 1) throw new Error(`${where} has ${selectors.join(" and ")}: give at most one of every, nth and probability.`);
  if (rule.every !== undefined && !(Number.isInteger(rule.every) && rule.every >= 1)) throw new Error(`${where}: every must be an integer of 1 or more.`);
  if (rule.nth?.some((n) => !(Number.isInteger(n) && n >= 1))) throw new Error(`${where}: nth holds request numbers, counted from 1.`);
  if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) throw new Error(`${where}: probability must be between 0 and 1.`);
  const fault = rule.fault;
  if (typeof fault === "string") {
    if (fault !== "drop" && fault !== "reset") throw new Error(`${where}: a fault given as text is "drop" or "reset", not "${fault}".`);
    return;
  }
  if (typeof fault !== "object" || fault === null) throw new Error(`${where}: fault must be "drop", "reset" or an object.`);
  if (fault.status !== undefined && fault.connection !== undefined) throw new Error(`${where}: a fault answers a status or cuts the connection, not both.`);
  if (fault.echoRequest && fault.body !== undefined) throw new Error(`${where}: give body or echoRequest, not both.`);
  const answerParts = (["retryAfterSeconds", "headers", "body", "echoRequest"] as const).filter((p) => fault[p] !== undefined);
  if (fault.status === undefined && answerParts.length > 0) throw new Error(`${where}: ${answerParts.join(", ")} need a status to answer.`);
  if (fault.slowBody !== undefined && !(fault.slowBody.chunkBytes >= 1 && fault.slowBody.intervalMs >= 0)) {
    throw new Error(`${where}: slowBody needs chunkBytes of 1 or more and intervalMs of 0 or more.`);
  }
}

/** mulberry32: a small generator, so a seed replays the same picks. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
