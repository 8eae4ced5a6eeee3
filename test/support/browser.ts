import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

/**
 * The Chromium the browser tests drive: `CHROME_PATH`, else `chromium` (Debian's package, which `.ci/run`
 * installs) on PATH. Undefined, with the reason, when there is none: those tests then skip saying why.
 */
export function findChromium(): { path?: string; reason?: string } {
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv) return existsSync(fromEnv) ? { path: fromEnv } : { reason: `CHROME_PATH=${fromEnv} does not exist` };
  for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
    try {
      const path = execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim();
      if (path) return { path };
    } catch {
      // not this one
    }
  }
  return { reason: "no Chromium: install Debian's chromium package (apt-get install -y chromium) or set CHROME_PATH" };
}
