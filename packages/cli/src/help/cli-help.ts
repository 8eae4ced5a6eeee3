import { Help } from "@oclif/core";
import type { Command, Interfaces } from "@oclif/core";

/**
 * The CLI's help (oclif's, configured as `oclif.helpClass`), plus one thing oclif cannot do from static
 * flags: `reverse-etl emulate NAME --help` lists the flags of emulator NAME, which only its package knows.
 * oclif answers `--help` before any command runs, so the command cannot render it itself.
 */
export default class CliHelp extends Help {
  override async showHelp(argv: string[]): Promise<void> {
    const args = argv.filter((arg) => arg !== "--help" && arg !== "-h" && arg !== "help");
    const command = args[0] === "emulate" ? this.config.findCommand("emulate") : undefined;
    if (command === undefined) return super.showHelp(argv);
    // Imported for `emulate` only: they import core, which every other `--help` does without.
    const { emulatorNameIn, valueFlagSpellings } = await import("../emulate/emulator-flags.js");
    const name = emulatorNameIn(args.slice(1), valueFlagSpellings(command.flags as Interfaces.FlagInput));
    if (name === undefined) return super.showHelp(argv);
    let help: Command.Loadable;
    try {
      help = await emulatorCommandHelp(command, name);
    } catch (error) {
      // The same message and exit code as running the command with that NAME.
      const { describeFailure } = await import("../failure.js");
      const failure = describeFailure(error);
      process.stderr.write(`${failure.message}\n`);
      process.exitCode = failure.exitCode;
      return;
    }
    await this.showCommandHelp(help);
  }
}

/** `emulate`'s help for one emulator: its description first, its options as a group of flags. */
async function emulatorCommandHelp(command: Command.Loadable, name: string): Promise<Command.Loadable> {
  const [{ loadEmulator }, { emulatorHelpFlags }] = await Promise.all([
    import("../emulate/load-emulator.js"),
    import("../emulate/emulator-flags.js"),
  ]);
  const { emulator, packageName, version } = await loadEmulator(name, process.cwd());
  const from = `${packageName}${version ? ` ${version}` : ""}`;
  return {
    ...command,
    summary: `${emulator.description ?? `The ${emulator.name} emulator.`} (${from})`,
    usage: `<%= command.id %> ${name} [FLAGS]`,
    flags: { ...command.flags, ...emulatorHelpFlags(emulator) },
  };
}
