import { Flags } from "@oclif/core";
import type { Command, Interfaces } from "@oclif/core";
import { PluginError } from "@reverse-etl/core";
import type { EmulatorOption, PluginEmulator } from "@reverse-etl/core";

/** The flag of an emulator option: `requestsPer10s` becomes `requests-per-10s`, `accessToken` `access-token`. */
export function flagName(option: string): string {
  return option
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([a-zA-Z])(\d)/g, "$1-$2")
    .toLowerCase();
}

/** The heading its flags have in `--help`: `HUBSPOT EMULATOR FLAGS`. */
function helpGroup(emulator: PluginEmulator): string {
  return `${emulator.name} emulator`;
}

/**
 * oclif flags for the emulator's own options, keyed by flag name, to parse the command line with. No
 * oclif default: an option not given is not passed, and the emulator applies its own default.
 * `taken` are the command's own flag names; an option that would shadow one is refused.
 */
export function emulatorFlags(emulator: PluginEmulator, taken: readonly string[]): Interfaces.FlagInput {
  const flags: Interfaces.FlagInput = {};
  for (const [option, spec] of Object.entries(emulator.options)) {
    const name = flagName(option);
    if (taken.includes(name)) {
      throw new PluginError(
        `[reverse-etl] emulate: the ${emulator.name} emulator's option ${option} would be the flag --${name}, which reverse-etl emulate already has; report it to the plugin's authors.`,
      );
    }
    flags[name] = flag(spec, helpGroup(emulator));
  }
  return flags;
}

function flag(spec: EmulatorOption, group: string): Interfaces.FlagInput[string] {
  const common = { summary: spec.description, helpGroup: group };
  if (spec.type === "boolean") return Flags.boolean({ ...common, allowNo: true });
  if (spec.type === "integer") return Flags.integer(common);
  return Flags.string(common);
}

/** The same flags as `--help` shows them (oclif's cached form), each with the emulator's default. */
export function emulatorHelpFlags(emulator: PluginEmulator): Record<string, Command.Flag.Cached> {
  const cached: Record<string, Command.Flag.Cached> = {};
  for (const [option, spec] of Object.entries(emulator.options)) {
    const name = flagName(option);
    const shown = { name, summary: spec.description, helpGroup: helpGroup(emulator) };
    cached[name] =
      spec.type === "boolean"
        ? { ...shown, type: "boolean", allowNo: true }
        : { ...shown, type: "option", multiple: false, hasDynamicHelp: false, ...(spec.default !== undefined ? { default: spec.default } : {}) };
  }
  return cached;
}

/** The options to start the emulator with: each of its options given on the command line, by option name. */
export function emulatorOptionValues(emulator: PluginEmulator, flags: Readonly<Record<string, unknown>>): Record<string, string | number | boolean> {
  const values: Record<string, string | number | boolean> = {};
  for (const option of Object.keys(emulator.options)) {
    const value = flags[flagName(option)];
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") values[option] = value;
  }
  return values;
}

/**
 * The emulator NAME in `argv` (the arguments after `emulate`) before the emulator's flags are known: the
 * first argument that is neither a flag nor the value of one of `valueFlags` (`--port`, `-c`, ...).
 * An emulator flag with a value written before NAME is taken for NAME, so NAME goes first.
 */
export function emulatorNameIn(argv: readonly string[], valueFlags: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") return argv[i + 1];
    if (!arg.startsWith("-")) return arg;
    if (!arg.includes("=") && valueFlags.includes(arg)) i++;
  }
  return undefined;
}

/** The spellings (`--port`, `-c`) of the flags that take a value, from oclif flag definitions. */
export function valueFlagSpellings(flags: Interfaces.FlagInput): string[] {
  return Object.entries(flags).flatMap(([name, definition]) =>
    definition.type === "option" ? [`--${name}`, ...(definition.char !== undefined ? [`-${definition.char}`] : [])] : [],
  );
}
