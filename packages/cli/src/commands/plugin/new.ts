import { createRequire } from "node:module";
import { relative, resolve } from "node:path";
import { Args } from "@oclif/core";
import { BaseCommand } from "../../base-command.js";
import { ExitCode } from "../../exit-codes.js";
import { InvalidPluginNameError, pluginNames, SCAFFOLD_KINDS, type PluginNames, type ScaffoldKind } from "../../plugin-scaffold/plugin-name.js";
import { DirectoryNotEmptyError, writePluginScaffold, type PluginScaffoldResult } from "../../plugin-scaffold/plugin-scaffold.js";

/** The version of the @reverse-etl/core this CLI runs: the generated plugin's peer and dev dependency. */
function coreVersion(): string {
  const manifest = createRequire(import.meta.url)("@reverse-etl/core/package.json") as { version: string };
  return manifest.version;
}

/** `reverse-etl plugin new source|destination NAME [DIR]`: scaffold a plugin package. */
export default class PluginNew extends BaseCommand<typeof PluginNew> {
  static override summary = "Scaffold a source or destination plugin package that builds and passes its own tests as generated.";

  static override description = `Writes a new npm package into DIR (default: ./reverse-etl-<kind>-NAME), named reverse-etl-<kind>-NAME (@scope/reverse-etl-<kind>-NAME for a scoped NAME), with @reverse-etl/core as a peer dependency at this CLI's version, TypeScript and vitest. DIR must be missing or empty: nothing is ever overwritten.

A destination gets: its options (an interface, and a JSON schema type-checked against it), a connection whose write() turns every answer of the API into a write outcome, a local in-memory emulator of the API (its ./emulator export: a batch endpoint, an API-key check, and 429 with Retry-After over its rate limit), and a test that runs the testkit's destination contract and each write outcome against the emulator.

A source gets a working plugin over the PostgreSQL wire protocol (Kysely's PostgresDialect on pg, with pg-cursor to stream): the starting point for any warehouse that speaks it (Redshift, CockroachDB, Materialize, ...). Its test starts a throwaway PostgreSQL (the testkit's startPostgres: initdb and pg_ctl on PATH, or REVERSE_ETL_TEST_POSTGRES_URL) and runs the testkit's source contract.

Then: cd DIR, npm install, npm test. "Writing a plugin" in the reverse-etl README walks through every generated file.`;

  static override examples = [
    { description: "A destination for the Acme CRM, in ./reverse-etl-destination-acme:", command: "<%= config.bin %> <%= command.id %> destination acme" },
    { description: "A source for a PostgreSQL-compatible warehouse, in a directory of your choice:", command: "<%= config.bin %> <%= command.id %> source redshift plugins/redshift" },
    { description: "A scoped package, @my-org/reverse-etl-destination-acme:", command: "<%= config.bin %> <%= command.id %> destination @my-org/acme" },
    { description: "Print what was written as JSON ({ dir, package, files }):", command: "<%= config.bin %> <%= command.id %> destination acme --json" },
  ];

  static override args = {
    kind: Args.string({ description: "What the plugin is: a source (warehouse) or a destination (business tool).", required: true, options: [...SCAFFOLD_KINDS] }),
    name: Args.string({
      description: "Short name of the plugin, lowercase with dashes (acme, acme-crm), optionally scoped (@my-org/acme).",
      required: true,
    }),
    dir: Args.string({ description: "Directory to create the package in; must be missing or empty. Default: ./reverse-etl-<kind>-NAME." }),
  };

  async run(): Promise<PluginScaffoldResult> {
    const kind = this.args.kind as ScaffoldKind;
    let names: PluginNames;
    try {
      names = pluginNames(kind, this.args.name);
    } catch (error) {
      if (error instanceof InvalidPluginNameError) {
        this.error(`[reverse-etl] plugin new: ${error.message}.`, { exit: ExitCode.invalidConfig, code: "UsageError" });
      }
      throw error;
    }
    const given = this.args.dir ?? names.unscopedPackageName;
    const dir = resolve(given);
    let result: PluginScaffoldResult;
    try {
      result = await writePluginScaffold(dir, names, coreVersion());
    } catch (error) {
      if (error instanceof DirectoryNotEmptyError) {
        this.error(`[reverse-etl] plugin new: ${error.message}.`, { exit: ExitCode.failure, code: "DirectoryNotEmpty" });
      }
      throw error;
    }
    const cd = relative(process.cwd(), dir) || ".";
    this.print(
      [
        `Created ${result.package}, a ${kind} plugin, in ${dir}`,
        ...result.files.map((file) => `  + ${file}`),
        "",
        "Next steps:",
        ...(cd === "." ? [] : [`  cd ${cd.includes(" ") ? JSON.stringify(cd) : cd}`]),
        "  npm install",
        kind === "source"
          ? "  npm test        # starts a throwaway PostgreSQL (initdb and pg_ctl on PATH) and runs the source contract"
          : "  npm test        # runs the destination contract and every write outcome against the emulator",
        "",
        kind === "source"
          ? `Then adapt src/${names.name}-functions.ts and src/${names.name}-source-adapter.ts to your warehouse's SQL.`
          : `Then point src/${names.name}-connection.ts at your API, and teach src/emulator/ the API's rules.`,
        '"Writing a plugin" in the reverse-etl README explains every file.',
      ].join("\n"),
    );
    return result;
  }
}
