import { Args, Flags } from "@oclif/core";
import type { RunRecord } from "@reverse-etl/core";
import { BaseCommand } from "../base-command.js";
import { renderRunsTable } from "../format/runs-table.js";

/** `reverse-etl runs [SYNC]`: run history from the warehouse. */
export default class Runs extends BaseCommand<typeof Runs> {
  static override summary = "Show the history of sync runs, newest first.";

  static override description = `Reads the sync_runs table in the state schema of the warehouse: when each run started, its status, the planned counts, how many rows the destination accepted, rejected or failed, the duration and the error. Rejected rows themselves are in the sync_errors table; query it in the warehouse for the messages.`;

  static override examples = [
    { description: "The last 20 runs of every sync:", command: "<%= config.bin %> <%= command.id %>" },
    { description: "The last 5 runs of one sync:", command: "<%= config.bin %> <%= command.id %> customers_to_hubspot --limit 5" },
    { description: "As JSON, e.g. for a monitoring script:", command: "<%= config.bin %> <%= command.id %> customers_to_hubspot --json" },
  ];

  static override args = {
    sync: Args.string({ description: "Only runs of this sync." }),
  };

  static override flags = {
    limit: Flags.integer({ summary: "Number of runs to show.", default: 20, min: 1 }),
  };

  async run(): Promise<{ runs: RunRecord[] }> {
    const runs = await this.withProject((project) => project.runs({ sync: this.args.sync, limit: this.flags.limit }), { lazyEnv: true });
    this.print(renderRunsTable(runs));
    return { runs };
  }
}
