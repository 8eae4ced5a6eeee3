import { Args } from "@oclif/core";
import { BaseCommand } from "../../base-command.js";

/** `reverse-etl state unlock SYNC`: remove a run lock left by a process that cannot be checked. */
export default class StateUnlock extends BaseCommand<typeof StateUnlock> {
  static override summary = "Remove the run lock of a sync whose process is gone.";

  static override description = `A sync takes a lock (a row in the state schema's sync_locks table) so that only one run happens at a time. A lock held by a process that died on this machine is taken over automatically by the next run; a lock held by a process on another machine cannot be checked, so the next run is refused until you remove it with this command. Only run it when you are sure that process is gone: two concurrent runs of one sync can send rows twice.`;

  static override examples = [
    { description: "Free a sync whose runner machine died:", command: "<%= config.bin %> <%= command.id %> customers_to_hubspot" },
  ];

  static override args = {
    sync: Args.string({ description: "Name of the sync to unlock.", required: true }),
  };

  async run(): Promise<{ sync: string; unlocked: boolean }> {
    const sync = this.args.sync;
    const unlocked = await this.withProject((project) => project.unlock(sync), { lazyEnv: true });
    this.print(unlocked ? `Removed the run lock of ${sync}.` : `${sync} was not locked.`);
    return { sync, unlocked };
  }
}
