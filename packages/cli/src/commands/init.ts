import { resolve } from "node:path";
import { Args, Flags } from "@oclif/core";
import { BaseCommand } from "../base-command.js";
import { ExitCode } from "../exit-codes.js";
import { CONFIG_FILE_NAME, ConfigExistsError, writeScaffold, type ScaffoldResult } from "../init/scaffold.js";

/** `reverse-etl init [DIR]`: scaffold a starter project. */
export default class Init extends BaseCommand<typeof Init> {
  static override summary = "Scaffold a starter config, an example model and the data it reads.";

  static override description = `Writes into DIR (default: the current directory) a ${CONFIG_FILE_NAME} with an embedded DuckDB warehouse (warehouse.duckdb), a file destination (out/customers.jsonl), one model \`customers\` and one sync, plus data/customers.csv, the example rows the model reads (DuckDB queries the file directly: nothing to load). Refuses to overwrite an existing config unless --force (exit 2); with --force, a config of another format (reverse-etl.config.yaml, ...) is moved to NAME.bak, so that the new one is the only config found. Existing files under models/ and data/ are never overwritten.`;

  static override examples = [
    { description: "Start a project in the current directory:", command: "<%= config.bin %> <%= command.id %>" },
    { description: "Start a project in a new directory:", command: "<%= config.bin %> <%= command.id %> my-syncs" },
    { description: "Replace an existing config with the starter one:", command: "<%= config.bin %> <%= command.id %> --force" },
  ];

  static override args = {
    dir: Args.string({ description: "Directory of the new project (created if missing).", default: "." }),
  };

  static override flags = {
    force: Flags.boolean({ summary: "Replace an existing reverse-etl config (one of another format is moved to NAME.bak).", default: false }),
  };

  async run(): Promise<ScaffoldResult> {
    const dir = resolve(this.args.dir);
    let result: ScaffoldResult;
    try {
      result = await writeScaffold(dir, { force: this.flags.force });
    } catch (error) {
      if (error instanceof ConfigExistsError) {
        this.error(`[reverse-etl] ${error.message}`, { exit: ExitCode.usage, code: "ConfigExists" });
      }
      throw error;
    }
    const cd = this.args.dir === "." ? [] : [`cd ${this.args.dir}`];
    const steps = [
      ...cd,
      "npm install @reverse-etl/cli @reverse-etl/core @reverse-etl/source-duckdb @reverse-etl/destination-file",
      `${this.config.bin} validate`,
      `${this.config.bin} plan`,
      `${this.config.bin} sync`,
    ];
    this.print(
      [
        `Created a reverse-etl project in ${dir}`,
        ...result.written.map((file) => `  + ${file}`),
        ...result.skipped.map((file) => `  = ${file} (exists, kept)`),
        ...result.movedAside.map(([from, to]) => `  ~ ${from} moved to ${to} (--force: the new config replaces it)`),
        "",
        "Next steps:",
        ...steps.map((step) => `  ${step}`),
      ].join("\n"),
    );
    return result;
  }
}
