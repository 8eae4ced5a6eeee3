import { createInterface } from "node:readline/promises";
import { Args, Flags } from "@oclif/core";
import { ConfigError } from "@reverse-etl/core";
import { BaseCommand } from "../../base-command.js";
import { ExitCode } from "../../exit-codes.js";

/** `reverse-etl state reset SYNC`: forget what a sync has sent. */
export default class StateReset extends BaseCommand<typeof StateReset> {
  static override summary = "Forget what a sync has sent, so its next run resends every row.";

  static override description = `Deletes the sync's state rows (the fingerprints of the last values each record was synced with) from the warehouse. The destination is not touched. The next plan shows every row as added and the next sync sends them all again; run history (sync_runs, sync_errors) is kept.

Asks for confirmation on a terminal; without a terminal (CI, scripts) --yes is required. To resend everything once without forgetting state, prefer \`sync --full\`.`;

  static override examples = [
    { description: "Reset one sync, confirming interactively:", command: "<%= config.bin %> <%= command.id %> customers_to_hubspot" },
    { description: "Reset from a script or CI job:", command: "<%= config.bin %> <%= command.id %> customers_to_hubspot --yes" },
  ];

  static override args = {
    sync: Args.string({ description: "Name of the sync to reset.", required: true }),
  };

  static override flags = {
    yes: Flags.boolean({ char: "y", summary: "Do not ask for confirmation.", default: false }),
  };

  async run(): Promise<{ sync: string; deleted: number }> {
    const sync = this.args.sync;
    if (!this.flags.yes && (!process.stdin.isTTY || !process.stderr.isTTY)) {
      this.error(`[reverse-etl] Refusing to reset the state of "${sync}" without confirmation: pass --yes when not running on a terminal.`, {
        exit: ExitCode.usage,
        code: "ConfirmationRequired",
      });
    }
    const result = await this.withProject(async (project) => {
      if (!Object.hasOwn(project.config.syncs, sync)) {
        const known = Object.keys(project.config.syncs);
        throw new ConfigError(project.file, [
          { path: `/syncs/${sync}`, message: `no sync named "${sync}"; expected one of: ${known.join(", ") || "(none defined)"}` },
        ]);
      }
      if (!this.flags.yes && !(await confirm(`Forget everything sync "${sync}" has sent? Its next run resends every row. [y/N] `))) {
        this.error("[reverse-etl] Aborted: state not reset.", { exit: ExitCode.failure, code: "Aborted" });
      }
      return project.resetState(sync);
    }, { lazyEnv: true });
    this.print(`Reset state of ${result.sync}: ${result.deleted} record${result.deleted === 1 ? "" : "s"} forgotten. The next sync resends every row.`);
    return result;
  }
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
