import { DestinationUnreachableError, withoutPrefix } from "../errors.js";
import { describeConnectionFailure, type ConnectionFailure } from "../plugins/connection-failure.js";
import { secrets } from "../secrets/redactor.js";

/**
 * Whether a run's destination can be reached at all. While no request has had an answer and every one
 * failed the same way at the connection level (refused, DNS, TLS), retrying for minutes only delays the
 * news: after `threshold` such failures the run stops as failed, saying why. One answer of any kind, or
 * failures of different kinds, and the usual retries go on.
 */
export class ReachWatch {
  #answered = false;
  #failure: ConnectionFailure | undefined;
  #failures = 0;
  #error: DestinationUnreachableError | undefined;

  constructor(
    /** The destination's name in the config, for the message. */
    private readonly destination: string,
    /** Connection failures, all alike and with no answer in between, that stop the run. */
    private readonly threshold = 3,
  ) {}

  /** A write had an answer (whatever it said): the destination is reachable. */
  answered(): void {
    this.#answered = true;
  }

  /** A write could not connect; throws `DestinationUnreachableError` once the run should stop. */
  failed(failure: ConnectionFailure, message: string): void {
    if (this.#error) throw this.#error;
    if (this.#answered) return;
    if (this.#failure !== undefined && this.#failure !== failure) {
      // Failing in different ways is not one outage: keep retrying.
      this.#answered = true;
      return;
    }
    this.#failure = failure;
    this.#failures++;
    if (this.#failures < this.threshold) return;
    this.#error = new DestinationUnreachableError(
      `destination "${this.destination}" cannot be reached: ${describeConnectionFailure(failure)} on each of the first ${this.#failures} requests ` +
        `(${withoutPrefix(secrets.redact(message)).replace(/\.$/, "")}); the run stopped early and its rows wait for the next run: check that the destination is up and its address in the config`,
    );
    throw this.#error;
  }
}
