import { Args, Flags } from "@oclif/core";
import type { Interfaces } from "@oclif/core";
import type { RunningEmulator } from "@reverse-etl/core";
import { BaseCommand } from "../base-command.js";
import { ExitCode } from "../exit-codes.js";
import { emulatorFlags, emulatorNameIn, emulatorOptionValues, valueFlagSpellings } from "../emulate/emulator-flags.js";
import { loadEmulator } from "../emulate/load-emulator.js";
import type { LoadedEmulator } from "../emulate/load-emulator.js";

/**
 * What `reverse-etl emulate NAME --json` prints, on one line, as soon as the emulator answers: its `url`,
 * the plugin `options` that point the plugin at it, and, for scripts written before `options` existed,
 * each option at the top level too (HubSpot's `accessToken`).
 */
export interface EmulateReady {
  /** Where the emulator answers, e.g. `http://127.0.0.1:4010`. */
  readonly url: string;
  /** The plugin options to spread into the config's destination or source entry. */
  readonly options: Readonly<Record<string, unknown>>;
  /** The same options at the top level (never `url` or `options`). */
  readonly [option: string]: unknown;
}

/** oclif's FlagOutput and ArgOutput (not exported): what a parse yields, by name. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the same constraint as oclif's Command.parse
type ParsedBag = { [name: string]: any };

/** `reverse-etl emulate NAME`: run a plugin's local emulator until stopped. */
export default class Emulate extends BaseCommand<typeof Emulate> {
  static override summary = "Run a plugin's local emulator of its service (HubSpot, a webhook receiver, ...) for development, demos and CI.";

  static override description = `Starts the emulator that a plugin package ships as its \`./emulator\` export, and keeps it running until Ctrl-C (SIGINT) or SIGTERM. It prints the URL and the options that point the plugin at it, to put in the config; nothing reaches the real service, and what the emulator holds is gone when it stops.

NAME is the plugin's short name: @reverse-etl/destination-NAME, else @reverse-etl/source-NAME, resolved from the current directory like the config's plugins (install it there with npm). Each emulator has flags of its own besides --port and --host: \`reverse-etl emulate NAME --help\` lists them.

With --json, one line {"url": ..., "options": {...}} is printed as soon as the emulator answers, so scripts can read it (the options also appear at the top level, e.g. "accessToken"), and the emulator keeps running.`;

  static override examples = [
    { description: "Run the HubSpot emulator on a free port and print the URL and token to use:", command: "<%= config.bin %> <%= command.id %> hubspot" },
    { description: "On a fixed port, with a token of your choice:", command: "<%= config.bin %> <%= command.id %> hubspot --port 4010 --access-token my-test-token" },
    { description: "With a Professional account's limits:", command: "<%= config.bin %> <%= command.id %> hubspot --requests-per-10s 190 --daily-limit 625000" },
    { description: "A webhook receiver that requires a token:", command: '<%= config.bin %> <%= command.id %> webhook --authorization "Bearer test-token"' },
    { description: "The flags of one emulator:", command: "<%= config.bin %> <%= command.id %> hubspot --help" },
    { description: "In a script: read the URL and options from the first line:", command: "<%= config.bin %> <%= command.id %> hubspot --json > emulator.json &" },
  ];

  static override args = {
    name: Args.string({
      description: "Emulator to run, e.g. hubspot or webhook: the plugin @reverse-etl/destination-NAME (or @reverse-etl/source-NAME).",
      required: true,
    }),
  };

  static override flags = {
    port: Flags.integer({ summary: "Port to listen on; 0 picks a free port.", default: 0, min: 0, max: 65_535 }),
    host: Flags.string({ summary: "Address to listen on.", default: "127.0.0.1" }),
  };

  /** The emulator NAME names, found before parsing so that its options can be parsed as flags. */
  #loaded: LoadedEmulator | undefined;

  override async init(): Promise<void> {
    const ownFlags = { ...Emulate.baseFlags, ...Emulate.flags };
    const name = emulatorNameIn(this.argv, valueFlagSpellings(ownFlags));
    // Without NAME, parsing below fails with oclif's "missing required arg" usage error.
    if (name !== undefined) this.#loaded = await loadEmulator(name, process.cwd());
    await super.init();
  }

  protected override async parse<F extends ParsedBag, B extends ParsedBag, A extends ParsedBag>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    if (this.#loaded === undefined || options === undefined) return super.parse(options, argv);
    const taken = ["json", ...Object.keys({ ...Emulate.baseFlags, ...Emulate.flags })];
    const flags = { ...options.flags, ...emulatorFlags(this.#loaded.emulator, taken) } as Interfaces.FlagInput<F>;
    return super.parse({ ...options, flags }, argv);
  }

  async run(): Promise<void> {
    const { emulator, packageName, version, kind } = this.#loaded!;
    const stopped = new Promise<NodeJS.Signals>((resolveStop) => {
      process.once("SIGINT", () => resolveStop("SIGINT"));
      process.once("SIGTERM", () => resolveStop("SIGTERM"));
    });
    let running: RunningEmulator;
    try {
      running = await emulator.start({
        port: this.flags.port,
        host: this.flags.host,
        ...emulatorOptionValues(emulator, this.flags as Record<string, unknown>),
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const hint = (error as { code?: unknown }).code === "EADDRINUSE" ? ": choose another --port" : "";
      this.error(`[reverse-etl] emulate: the ${emulator.name} emulator did not start (${reason})${hint}.`, { exit: ExitCode.failure, code: "EmulatorError" });
    }
    const compat = Object.fromEntries(Object.entries(running.options).filter(([key]) => key !== "url" && key !== "options"));
    const ready: EmulateReady = { url: running.url, options: running.options, ...compat };
    if (this.jsonEnabled()) {
      // One line as soon as it answers; oclif's --json output only comes when a command ends.
      process.stdout.write(`${JSON.stringify(ready)}\n`);
    } else {
      this.log(describeRunning(emulator.name, `${packageName}${version ? ` ${version}` : ""}`, kind, packageName, running));
    }
    const signal = await stopped;
    this.logger.info("stopping the emulator", { signal });
    await running.close();
  }
}

/** The human text: where it listens, the options to use, and a config entry holding them. */
function describeRunning(name: string, from: string, kind: "destination" | "source", packageName: string, running: RunningEmulator): string {
  const options = Object.entries(running.options);
  const width = Math.max(0, ...options.map(([key]) => key.length + 1));
  const entry = [`plugin: ${JSON.stringify(packageName)}`, ...options.map(([key, value]) => `${propertyName(key)}: ${JSON.stringify(value)}`)].join(", ");
  return [
    `${name} emulator (${from}) listening on ${running.url}`,
    ...options.map(([key, value]) => `  ${`${key}:`.padEnd(width)} ${typeof value === "string" ? value : JSON.stringify(value)}`),
    "",
    `Point a ${kind} at it, e.g. in reverse-etl.config.ts:`,
    `  ${propertyName(name)}: { ${entry} },`,
    "",
    "Records live in memory only. Press Ctrl-C to stop.",
  ].join("\n");
}

/** A key as a TypeScript object literal writes it. */
function propertyName(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
}
