import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const RUN = fileURLToPath(new URL("../examples/duckdb-to-segment/run.mjs", import.meta.url));

describe("examples/duckdb-to-segment", () => {
  it("runs in one command: identify calls for the customers, track calls for the events, then only what changed", async () => {
    const child = spawn(process.execPath, [RUN, "--rows", "300"], { env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    expect(stdout).toContain("sent: 300 writes, 0 deletes -> 300 succeeded, 0 rejected, 0 failed");
    expect(stdout).toContain("sent: 328 writes, 0 deletes -> 328 succeeded, 0 rejected, 0 failed");
    expect(stdout).toContain("This sync sent 187 calls: the changed customers and the new events only.");
    expect(stdout).toMatch(/323 identify calls and 492 track calls in \d+ batch requests/);
    expect(stdout).toContain('{"type":"identify","userId":"1","traits":{"email":"customer00001@example.com","name":"Grace Thompson","plan":"free","ltv":1047.29},"timestamp":"2024-03-03T15:16:01.000Z"');
    expect(stdout).toContain("0 calls dropped or duplicated.");
  }, 120_000);
});
