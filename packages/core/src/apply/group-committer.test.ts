import { describe, expect, it } from "vitest";
import { GroupCommitter } from "./group-committer.js";

describe("GroupCommitter", () => {
  it("commits items added while a commit runs together, in order, within the weight limit", async () => {
    const groups: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const committer = new GroupCommitter<number>(async (items) => {
      groups.push(items);
      if (groups.length === 1) await gate;
    }, 5, (n) => n);
    const done = [committer.add(1), committer.add(2), committer.add(3), committer.add(1), committer.add(4)];
    expect(committer.backlog).toBe(4);
    release();
    await Promise.all(done);
    await committer.idle();
    expect(groups).toEqual([[1], [2, 3], [1, 4]]);
  });

  it("rejects the items of a failed commit and remembers the first error", async () => {
    const committer = new GroupCommitter<number>(async () => {
      throw new Error("warehouse down");
    });
    await expect(committer.add(1)).rejects.toThrow("warehouse down");
    expect((committer.error as Error).message).toBe("warehouse down");
  });
});
