// What every example's run.mjs starts with: its --rows flag, a check that the packages it runs are built,
// step headings, and the real CLI run as a child process with the example's config.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(root, "packages/cli/bin/run.js");

/**
 * Set up the example `name` (its directory under examples/), which needs `plugin` (e.g.
 * `plugins/destination-hubspot`) built: parse `--rows` (default `defaultRows`), exit 2 on a bad value and 1
 * when the packages are not built.
 */
export function startExample({ name, plugin, defaultRows }) {
  let rows;
  try {
    const { values } = parseArgs({ options: { rows: { type: "string", default: String(defaultRows) } } });
    rows = Number(values.rows);
    if (!Number.isInteger(rows) || rows < 1) throw new Error(`--rows expects a positive whole number, got "${values.rows}"`);
  } catch (error) {
    console.error(`[reverse-etl] [${name}] ${error.message}. Example: node examples/${name}/run.mjs --rows 500`);
    process.exit(2);
  }
  if (!existsSync(join(root, "packages/cli/dist")) || !existsSync(join(root, plugin, "dist"))) {
    console.error(`[reverse-etl] [${name}] The packages are not built. Run \`npm run build\` first.`);
    process.exit(1);
  }
  const configFile = join(root, "examples", name, "reverse-etl.config.ts");
  return {
    rows,
    step: (title) => console.log(`\n== ${title}`),
    /** Run the CLI as a child process without blocking this process, so the emulator keeps answering. */
    reverseEtl: (args, env) =>
      new Promise((resolveRun) => {
        console.log(`$ reverse-etl ${args.join(" ")}`);
        const child = spawn(process.execPath, [cli, ...args, "--config", configFile], { stdio: "inherit", env: { ...process.env, ...env } });
        child.on("close", (code) => resolveRun(code ?? 1));
      }),
  };
}
