import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createCliLogger } from "./cli-logger.js";
import { createBarProgress, createLogProgress } from "./sync-progress.js";

describe("createLogProgress", () => {
  it("logs every phase change and throttles events within a phase", () => {
    const lines: string[] = [];
    const logger = createCliLogger({ level: "info", format: "human", write: (l) => lines.push(l) });
    let clock = 0;
    const progress = createLogProgress(logger, { intervalMs: 1000, now: () => clock });
    progress.onProgress({ sync: "a", phase: "planning", done: 0 });
    progress.onProgress({ sync: "a", phase: "sending", done: 0, total: 300 });
    clock = 500;
    progress.onProgress({ sync: "a", phase: "sending", done: 100, total: 300 }); // throttled
    clock = 1500;
    progress.onProgress({ sync: "a", phase: "sending", done: 200, total: 300 });
    progress.onProgress({ sync: "b", phase: "sending", done: 1 }); // another sync is not throttled by a
    progress.onProgress({ sync: "a", phase: "finishing", done: 300, total: 300 });
    expect(lines).toEqual([
      "progress sync=a phase=planning done=0",
      "progress sync=a phase=sending done=0 total=300",
      "progress sync=a phase=sending done=200 total=300",
      "progress sync=b phase=sending done=1",
      "progress sync=a phase=finishing done=300 total=300",
    ]);
  });
});

describe("createBarProgress", () => {
  it("draws a bar per sync while sending and ends at the final count", async () => {
    const stream = new PassThrough();
    let drawn = "";
    stream.on("data", (chunk: Buffer) => (drawn += chunk.toString()));
    // cli-progress only draws on a terminal; pretend this stream is one.
    Object.assign(stream, { isTTY: true, columns: 120, cursorTo() {}, moveCursor() {}, clearLine() {}, clearScreenDown() {} });
    const progress = createBarProgress(stream);
    progress.onProgress({ sync: "customers", phase: "planning", done: 0 });
    progress.onProgress({ sync: "customers", phase: "sending", done: 0, total: 200 });
    progress.onProgress({ sync: "customers", phase: "sending", done: 200, total: 200 });
    progress.stop();
    progress.stop();
    expect(drawn).toContain("customers");
    expect(drawn).toContain("200/200 rows");
    expect(drawn).toContain("100%");
  });
});
