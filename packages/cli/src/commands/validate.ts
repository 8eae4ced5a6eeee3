import { Flags } from "@oclif/core";
import { BaseCommand } from "../base-command.js";
import { ExitCode } from "../exit-codes.js";
import { renderValidationChecklist } from "../format/validation-checklist.js";
import type { ValidationReport } from "@reverse-etl/core";

/** `reverse-etl validate`: check the config, and unless offline, connections and mappings. */
export default class Validate extends BaseCommand<typeof Validate> {
  static override summary = "Check the config, connections and field mappings.";

  static override description = `Loads the config and validates it against the schema and each plugin's option schema, and checks every cross-reference (a sync's model, destination and mapped columns; a model's source). Every problem is reported at once, with the file and JSON path. Unless --offline, it also connects to each source and destination and checks each sync's mappings against the model's columns and the destination object. Exits 2 when anything is wrong, so CI can gate on it.`;

  static override examples = [
    { description: "Check everything, connecting to warehouses and destinations:", command: "<%= config.bin %> <%= command.id %>" },
    { description: "Check only the config file (no credentials or network needed, e.g. in a pull request):", command: "<%= config.bin %> <%= command.id %> --offline" },
    { description: "Validate a config outside the current directory, machine-readable:", command: "<%= config.bin %> <%= command.id %> --config deploy/reverse-etl.config.ts --json" },
  ];

  static override flags = {
    offline: Flags.boolean({
      summary: "Only check the config file; do not connect to sources or destinations.",
      default: false,
    }),
  };

  async run(): Promise<ValidationReport> {
    const report = await this.withProject((project) => project.validate({ offline: this.flags.offline }));
    this.print(renderValidationChecklist(report));
    if (!report.ok) process.exitCode = ExitCode.invalidConfig;
    return report;
  }
}
