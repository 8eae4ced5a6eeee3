import { describe, expect, it } from "vitest";
import type { AlertConfig } from "../config/types.js";
import { alertEventFor, type RunFigures } from "./alert-transition.js";

const ok: RunFigures = { status: "succeeded", sent: 100, rejected: 0, failed: 0 };
const failed: RunFigures = { status: "failed", sent: 10, rejected: 0, failed: 10 };
const partial = (rejected: number): RunFigures => ({ status: "partial", sent: 100, rejected, failed: 0 });
const all: AlertConfig = { url: "http://x", on: ["failed", "partial", "recovered"] };

describe("alertEventFor: one alert per transition", () => {
  it("alerts on the first failure, not the next ones, then on recovery", () => {
    const history = [ok, failed, failed, failed, ok, ok];
    const events = history.map((run, i) => alertEventFor("s", run, history[i - 1], all));
    expect(events).toEqual([undefined, "failed", undefined, undefined, "recovered", undefined]);
  });

  it("counts a partial run only at or above minRejectedShare, for partial and for recovered", () => {
    const strict = { ...all, minRejectedShare: 0.05 };
    expect(alertEventFor("s", partial(3), ok, strict)).toBeUndefined();
    expect(alertEventFor("s", ok, partial(3), strict)).toBeUndefined();
    expect(alertEventFor("s", partial(5), ok, strict)).toBe("partial");
    expect(alertEventFor("s", ok, partial(5), strict)).toBe("recovered");
    expect(alertEventFor("s", failed, partial(5), strict)).toBe("failed");
  });

  it("sends only the events an alert listens to, for the syncs it watches", () => {
    expect(alertEventFor("s", failed, ok, { ...all, on: ["recovered"] })).toBeUndefined();
    expect(alertEventFor("s", failed, ok, { ...all, syncs: ["other"] })).toBeUndefined();
    expect(alertEventFor("s", failed, undefined, all)).toBe("failed");
  });
});
