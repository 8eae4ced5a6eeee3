import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

// Tests run the built CLI (`npx tsc -b packages/cli` first), as a user would.
const bin = fileURLToPath(new URL("../../bin/run.js", import.meta.url));
const exec = promisify(execFile);

/** Run the built CLI in `cwd` without colours; its output and exit code, whether it succeeded or not. */
export async function cli(args: string[], cwd: string): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [bin, ...args], { cwd, env: { ...process.env, NO_COLOR: "1" } });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}
