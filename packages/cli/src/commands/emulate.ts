import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Args, Flags } from "@oclif/core";
import { findPackageDir, loadDestinationPlugin } from "@reverse-etl/core";
import { BaseCommand } from "../base-command.js";
import { ExitCode } from "../exit-codes.js";

/** What `reverse-etl emulate --json` prints once the emulator answers. */
export interface EmulateReady {
  /** Base URL to give the destination (its `baseUrl` option). */
  url: string;
  /** A token the emulator accepts (its `accessToken` option). */
  accessToken: string;
}

/** Options every destination's `startEmulator` takes (each emulator may take more). */
interface StartEmulatorOptions {
  port: number;
  host: string;
  accessToken?: string;
  requestsPer10s?: number;
  dailyLimit?: number;
}

/** The part of a running emulator this command uses. */
interface RunningEmulator {
  readonly url: string;
  readonly accessToken: string;
  close(): Promise<void>;
}

/** The file an `exports` entry points to under ESM conditions (`import`, `node`, `default`). */
function exportTarget(entry: unknown): string | undefined {
  if (typeof entry === "string") return entry;
  if (Array.isArray(entry)) return entry.map(exportTarget).find((t) => t !== undefined);
  if (entry === null || typeof entry !== "object") return undefined;
  const conditions = entry as Record<string, unknown>;
  for (const condition of ["import", "node", "default"]) {
    const target = exportTarget(conditions[condition]);
    if (target !== undefined) return target;
  }
  return undefined;
}

/** `reverse-etl emulate DESTINATION`: run a destination's local API emulator until stopped. */
export default class Emulate extends BaseCommand<typeof Emulate> {
  static override summary = "Run a destination's local API emulator (e.g. HubSpot) for tests, demos and CI.";

  static override description = `Starts the in-memory emulator that a SaaS destination package ships, on loopback, and keeps it running until Ctrl-C (SIGINT) or SIGTERM. Point the destination at it with the printed baseUrl and token; nothing is sent to the real service and nothing is kept after it stops.

DESTINATION names the package @reverse-etl/destination-DESTINATION, resolved from the current directory like the config's plugins (install it there with npm). By convention every SaaS destination's emulator is its package's \`./emulator\` export, whose \`startEmulator(options)\` takes { port, host, accessToken?, requestsPer10s?, dailyLimit? } and resolves to { url, accessToken, close() }.

With --json, one line {"url": ..., "accessToken": ...} is printed as soon as the emulator answers, so scripts can read it, and the emulator keeps running.`;

  static override examples = [
    { description: "Run the HubSpot emulator on a free port and print the URL and token to use:", command: "<%= config.bin %> <%= command.id %> hubspot" },
    { description: "On a fixed port, with a token of your choice:", command: "<%= config.bin %> <%= command.id %> hubspot --port 4010 --token my-test-token" },
    { description: "With a Professional account's limits:", command: "<%= config.bin %> <%= command.id %> hubspot --requests-per-10s 190 --daily-limit 625000" },
    { description: "In a script: read the URL and token from the first line:", command: "<%= config.bin %> <%= command.id %> hubspot --json > emulator.json &" },
  ];

  static override args = {
    destination: Args.string({ description: "Destination to emulate, e.g. hubspot (the package @reverse-etl/destination-DESTINATION).", required: true }),
  };

  static override flags = {
    port: Flags.integer({ summary: "Port to listen on; 0 picks a free port.", default: 0, min: 0, max: 65_535 }),
    host: Flags.string({ summary: "Address to listen on.", default: "127.0.0.1" }),
    token: Flags.string({ summary: "Access token the emulator accepts. Default: the emulator's own (printed)." }),
    "requests-per-10s": Flags.integer({ summary: "Requests allowed per rolling 10-second window. Default: the emulator's (HubSpot: 100).", min: 1 }),
    "daily-limit": Flags.integer({ summary: "Requests allowed per day. Default: the emulator's (HubSpot: 250,000).", min: 1 }),
  };

  async run(): Promise<void> {
    const name = this.args.destination;
    if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) {
      this.error(`[reverse-etl] emulate: "${name}" is not a destination name; give the part after @reverse-etl/destination-, e.g. hubspot.`, {
        exit: ExitCode.invalidConfig,
        code: "UsageError",
      });
    }
    const packageName = `@reverse-etl/destination-${name}`;
    const cwd = process.cwd();
    // Core's loader: a missing package fails with the npm install command, a foreign one says so.
    const plugin = await loadDestinationPlugin(packageName, cwd);
    const start = await this.#startEmulatorOf(packageName, cwd);
    const emulator = await start({
      port: this.flags.port,
      host: this.flags.host,
      ...(this.flags.token !== undefined ? { accessToken: this.flags.token } : {}),
      ...(this.flags["requests-per-10s"] !== undefined ? { requestsPer10s: this.flags["requests-per-10s"] } : {}),
      ...(this.flags["daily-limit"] !== undefined ? { dailyLimit: this.flags["daily-limit"] } : {}),
    });
    const stopped = new Promise<NodeJS.Signals>((resolveStop) => {
      process.once("SIGINT", () => resolveStop("SIGINT"));
      process.once("SIGTERM", () => resolveStop("SIGTERM"));
    });
    const ready: EmulateReady = { url: emulator.url, accessToken: emulator.accessToken };
    if (this.jsonEnabled()) {
      // One line as soon as it answers; oclif's --json output only comes when a command ends.
      process.stdout.write(`${JSON.stringify(ready)}\n`);
    } else {
      this.log(
        [
          `${plugin.plugin.name} emulator (${packageName}${plugin.version ? ` ${plugin.version}` : ""}) listening`,
          `  baseUrl:     ${ready.url}`,
          `  accessToken: ${ready.accessToken}`,
          "",
          "Point a destination at it, e.g. in reverse-etl.config.ts:",
          `  ${name}: { plugin: "${packageName}", accessToken: env("${name.toUpperCase().replace(/-/g, "_")}_TOKEN"), baseUrl: "${ready.url}" },`,
          `and run: export ${name.toUpperCase().replace(/-/g, "_")}_TOKEN=${ready.accessToken}`,
          "",
          "Records live in memory only. Press Ctrl-C to stop.",
        ].join("\n"),
      );
    }
    const signal = await stopped;
    this.logger.info("stopping the emulator", { signal });
    await emulator.close();
  }

  /** Import `<package>/emulator` as seen from `dir` and return its `startEmulator`. */
  async #startEmulatorOf(packageName: string, dir: string): Promise<(options: StartEmulatorOptions) => Promise<RunningEmulator>> {
    const packageDir = findPackageDir(packageName, dir);
    const manifest = packageDir === undefined ? undefined : (JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { exports?: unknown });
    const exportsMap = manifest?.exports;
    const target =
      exportsMap !== null && typeof exportsMap === "object" && !Array.isArray(exportsMap)
        ? exportTarget((exportsMap as Record<string, unknown>)["./emulator"])
        : undefined;
    if (packageDir === undefined || target === undefined) {
      this.error(
        `[reverse-etl] emulate: ${packageName} ships no emulator (no "./emulator" export in its package.json); only SaaS destinations have one. Upgrade it (npm install ${packageName}@latest) or choose another destination.`,
        { exit: ExitCode.invalidConfig, code: "PluginError" },
      );
    }
    const module = (await import(pathToFileURL(join(packageDir, target)).href)) as { startEmulator?: unknown };
    if (typeof module.startEmulator !== "function") {
      this.error(
        `[reverse-etl] emulate: ${packageName}/emulator does not export startEmulator(options); report this to the package's authors.`,
        { exit: ExitCode.invalidConfig, code: "PluginError" },
      );
    }
    return module.startEmulator as (options: StartEmulatorOptions) => Promise<RunningEmulator>;
  }
}
