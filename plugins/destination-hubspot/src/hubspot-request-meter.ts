import type { WriteContext } from "@reverse-etl/core";

/**
 * Called before each HTTP request to HubSpot, so the request is counted against the account's limits
 * before it is made. It may wait for room in core's limiter.
 */
export type BeforeRequest = () => Promise<void>;

/**
 * Counts a connection's HubSpot requests in core's rate limiter. HubSpot's limits count every request
 * (https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details), and core takes one request
 * before each `write` call: a write that makes more (a mirror delete reads then archives; a first write
 * reads the object's properties first) takes each further one with `acquireRequests` before making it.
 *
 * Requests made outside a write (`check`, `describe` while validating the sync) happen before any limiter
 * exists, yet land in the same 10-second window HubSpot counts; they are owed, and the next write takes
 * them along with its first request. Counting them late only makes the limiter more careful.
 */
export class RequestMeter {
  #owed = 0;

  /** For a request made outside a write: owed to the next write. */
  readonly outsideWrite: BeforeRequest = async () => {
    this.#owed++;
  };

  /**
   * For the requests of one write: the first is the one core took before calling `write`; every later one,
   * and whatever is owed, is taken from core's limiter before the request is made.
   */
  forWrite(context: Pick<WriteContext, "acquireRequests">): BeforeRequest {
    let first = true;
    return async () => {
      const count = this.#owed + (first ? 0 : 1);
      this.#owed = 0;
      first = false;
      if (count > 0) await context.acquireRequests(count);
    };
  }
}
