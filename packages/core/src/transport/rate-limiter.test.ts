import { describe, expect, it } from "vitest";
import { SlidingWindowLimiter } from "./rate-limiter.js";
import { backoffDelay, DEFAULT_RETRY_POLICY } from "./retry-policy.js";

describe("SlidingWindowLimiter", () => {
  it("never grants more calls than a limit allows in any window, across several limits", async () => {
    const granted: number[] = [];
    const realStart = Date.now();
    const fakeNow = () => Date.now() - realStart;
    const real = new SlidingWindowLimiter([{ requests: 3, perMs: 20 }, { requests: 5, perMs: 200 }], fakeNow);
    for (let i = 0; i < 7; i++) {
      await real.acquire();
      granted.push(fakeNow());
    }
    for (let i = 0; i < granted.length; i++) {
      const in20 = granted.filter((t) => t > granted[i]! - 20 && t <= granted[i]!).length;
      const in200 = granted.filter((t) => t > granted[i]! - 200 && t <= granted[i]!).length;
      expect(in20).toBeLessThanOrEqual(3);
      expect(in200).toBeLessThanOrEqual(5);
    }
    // The sixth call had to wait for the 200 ms window to roll.
    expect(granted[5]! - granted[0]!).toBeGreaterThanOrEqual(200);
  });

  it("stops waiting when aborted", async () => {
    const limiter = new SlidingWindowLimiter([{ requests: 1, perMs: 60_000 }]);
    await limiter.acquire();
    const controller = new AbortController();
    const pending = limiter.acquire(controller.signal);
    controller.abort(new Error("cancelled"));
    await expect(pending).rejects.toThrow("cancelled");
  });
});

describe("backoffDelay", () => {
  it("grows exponentially with jitter, is capped, and honours Retry-After", () => {
    const p = DEFAULT_RETRY_POLICY;
    expect(backoffDelay(p, 1, undefined, () => 0)).toBe(250);
    expect(backoffDelay(p, 1, undefined, () => 1)).toBe(500);
    expect(backoffDelay(p, 4, undefined, () => 1)).toBe(4000);
    expect(backoffDelay(p, 20, undefined, () => 1)).toBe(30_000);
    expect(backoffDelay(p, 1, 2000, () => 0)).toBe(2000);
  });
});
