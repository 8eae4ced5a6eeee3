import {
  ConfiguredProject,
  defineConfig,
  validateConfigDocument,
  validatePluginOptions,
  type DestinationPlugin,
  type ModelConfig,
  type ReverseEtlConfig,
  type SourcePlugin,
  type SyncConfig,
} from "@reverse-etl/core";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The package the engine cycle writes with, and where its files go (one file per run, per sync). */
const FILE_DESTINATION = "@reverse-etl/destination-file";
const OUT_DIR = "out";

/** A line of `@reverse-etl/destination-file`'s JSON Lines output. */
export interface FileLine {
  op: string;
  key: unknown;
  fields: Record<string, unknown>;
}

/** What a contract project is made of: the source under test, the file destination, models and syncs. */
export interface ContractProjectSetup {
  /** The project directory: relative paths in options resolve against it; the files go under `out/`. */
  dir: string;
  /** The plugin under test, as its package's default export. */
  sourcePlugin: SourcePlugin;
  /** Its options, as a config gives them (before validation). */
  sourceOptions: Record<string, unknown>;
  /** `@reverse-etl/destination-file`'s default export. */
  filePlugin: DestinationPlugin;
  /** Schema of the state tables. */
  stateSchema: string;
  models: Record<string, ModelConfig>;
  /** Syncs, each to the file destination. */
  syncs: Record<string, Omit<SyncConfig, "destination">>;
}

/**
 * A project on the plugin under test, made as `reverse-etl` makes one from a config file: the document is
 * validated against core's config schema, each plugin's options against its own schema (defaults filled
 * in), then `ConfiguredProject` runs it. Only the package resolution is skipped: the suite holds the
 * plugin objects already.
 */
export class ContractProject {
  readonly config: ReverseEtlConfig;
  /** The source options after validation, defaults filled in: what the plugin's `connect` receives. */
  readonly sourceOptions: Record<string, unknown>;
  readonly #destinationOptions: Record<string, unknown>;

  constructor(private readonly setup: ContractProjectSetup) {
    const destination = { path: `${OUT_DIR}/{sync}-{runId}.jsonl` };
    this.config = defineConfig({
      state: { source: "warehouse", schema: setup.stateSchema },
      sources: { warehouse: { plugin: setup.sourcePlugin.name, ...setup.sourceOptions } },
      destinations: { file: { plugin: FILE_DESTINATION, ...destination } },
      models: setup.models,
      syncs: Object.fromEntries(Object.entries(setup.syncs).map(([name, sync]) => [name, { ...sync, destination: "file" }])),
    });
    this.sourceOptions = structuredClone(setup.sourceOptions);
    this.#destinationOptions = structuredClone(destination);
    const issues = [
      ...validateConfigDocument(this.config, this.file),
      ...validatePluginOptions(setup.sourcePlugin, this.sourceOptions, "/sources/warehouse"),
      ...validatePluginOptions(setup.filePlugin, this.#destinationOptions, "/destinations/file"),
    ];
    if (issues.length > 0) {
      throw new Error(
        `[reverse-etl] [testkit] the source contract's config is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
      );
    }
  }

  /** The config file the project stands for (never written: the document is built in memory). */
  get file(): string {
    return join(this.setup.dir, "reverse-etl.config.json");
  }

  /** A new project over the config, as one CLI invocation opens it: close it when done. */
  open(): ConfiguredProject {
    return new ConfiguredProject(
      { file: this.file, dir: this.setup.dir, config: this.config },
      {
        sources: new Map([["warehouse", { plugin: this.setup.sourcePlugin, options: this.sourceOptions, package: this.setup.sourcePlugin.name }]]),
        destinations: new Map([["file", { plugin: this.setup.filePlugin, options: this.#destinationOptions, package: FILE_DESTINATION }]]),
      },
    );
  }

  /** Open a project, run `work` on it, and close it, whatever happens. */
  async with<T>(work: (project: ConfiguredProject) => Promise<T>): Promise<T> {
    const project = this.open();
    try {
      return await work(project);
    } finally {
      await project.close();
    }
  }

  /** Names of the files the destination has written so far. */
  files(): string[] {
    const dir = join(this.setup.dir, OUT_DIR);
    return existsSync(dir) ? readdirSync(dir).sort() : [];
  }

  /** The file a run of a sync writes. */
  fileOf(sync: string, runId: string): string {
    return `${sync}-${runId}.jsonl`;
  }

  /** The lines a run of a sync wrote, in file order. */
  linesOf(sync: string, runId: string): FileLine[] {
    const text = readFileSync(join(this.setup.dir, OUT_DIR, this.fileOf(sync, runId)), "utf8");
    return text.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line) as FileLine);
  }
}
