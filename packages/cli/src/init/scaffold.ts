import { existsSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { CONFIG_FILE_NAMES } from "@reverse-etl/core";

/** Name of the config file `init` writes. */
export const CONFIG_FILE_NAME = "reverse-etl.config.ts";


/** A file of the scaffold. */
export interface ScaffoldFile {
  /** Path relative to the project directory. */
  path: string;
  contents: string;
  /** Written only when absent, even with `force` (never clobber a user's data or docs). */
  keepExisting?: boolean;
}

/** The starter project: a DuckDB warehouse, a file destination, one model and one sync. */
export function scaffoldFiles(): ScaffoldFile[] {
  return [
    { path: CONFIG_FILE_NAME, contents: CONFIG_TEMPLATE },
    { path: "data/customers.csv", contents: CUSTOMERS_CSV, keepExisting: true },
    { path: "models/README.md", contents: MODELS_README_TEMPLATE, keepExisting: true },
  ];
}

/** What `writeScaffold` did. */
export interface ScaffoldResult {
  /** Absolute project directory. */
  dir: string;
  /** Paths written, relative to `dir`. */
  written: string[];
  /** Paths left as they were, relative to `dir`. */
  skipped: string[];
  /**
   * With `force`, other config files moved aside (to `NAME.bak`, relative to `dir`) so that discovery finds
   * the new config alone: `[from, to]`.
   */
  movedAside: Array<[string, string]>;
}

/** Thrown when a config exists and `force` is not set; names the file. */
export class ConfigExistsError extends Error {
  constructor(readonly file: string) {
    super(`${file} already exists. Pass --force to overwrite it.`);
    this.name = "ConfigExistsError";
  }
}

/** Write the starter project into `dir`, refusing to overwrite an existing config unless `force`. */
export async function writeScaffold(dir: string, options: { force: boolean }): Promise<ScaffoldResult> {
  const existing = CONFIG_FILE_NAMES.filter((name) => existsSync(join(dir, name)));
  if (!options.force && existing.length > 0) throw new ConfigExistsError(join(dir, existing[0]!));
  const result: ScaffoldResult = { dir, written: [], skipped: [], movedAside: [] };
  // Two configs in one directory: discovery would silently pick one. Keep the old one beside, inert.
  for (const name of existing.filter((n) => n !== CONFIG_FILE_NAME)) {
    await rename(join(dir, name), join(dir, `${name}.bak`));
    result.movedAside.push([name, `${name}.bak`]);
  }
  for (const file of scaffoldFiles()) {
    const target = join(dir, file.path);
    if (file.keepExisting && existsSync(target)) {
      result.skipped.push(file.path);
      continue;
    }
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.contents);
    result.written.push(relative(dir, target));
  }
  return result;
}

const CONFIG_TEMPLATE = `import { defineConfig } from "@reverse-etl/core";

// reverse-etl config: what to read (sources, models), where to send it (destinations), and how (syncs).
// \`reverse-etl validate\` checks it, \`reverse-etl plan\` shows what would change, \`reverse-etl sync\` sends it.
export default defineConfig({
  sources: {
    // An embedded DuckDB database file: no server, no credentials. reverse-etl keeps its sync state
    // there too (schema reverse_etl). Relative file paths in model SQL resolve against this directory.
    warehouse: { plugin: "@reverse-etl/source-duckdb", path: "warehouse.duckdb" },
  },

  destinations: {
    // Writes each run's changes as JSON lines: {"op": "upsert" | "delete", "key": ..., "fields": {...}}.
    out: { plugin: "@reverse-etl/destination-file", path: "out/customers.jsonl", format: "jsonl" },
  },

  models: {
    customers: {
      source: "warehouse",
      primaryKey: "customer_id",
      sql: \`
        select customer_id, email, full_name, plan, lifetime_value
        from read_csv('data/customers.csv', header = true)
      \`,
      description: "One row per customer.",
    },
  },

  syncs: {
    customers_to_file: {
      model: "customers",
      destination: "out",
      // upsert | update | insert | mirror (mirror also deletes rows that left the model)
      mode: "upsert",
      // model column -> destination field
      fields: {
        email: "email",
        full_name: "name",
        plan: "plan",
        lifetime_value: "ltv",
      },
    },
  },
});
`;

/** Example rows the starter model reads; edit them and run \`plan\` to see the diff. */
const CUSTOMERS_CSV = `customer_id,email,full_name,plan,lifetime_value
1,ada@example.com,Ada Lovelace,enterprise,12500.00
2,grace@example.com,Grace Hopper,pro,3400.50
3,alan@example.com,Alan Turing,free,0.00
4,edsger@example.com,Edsger Dijkstra,pro,2100.00
5,barbara@example.com,Barbara Liskov,enterprise,9800.25
`;

const MODELS_README_TEMPLATE = `# Models

A model is a SELECT over your warehouse, declared under \`models\` in \`reverse-etl.config.ts\`. Its
\`primaryKey\` identifies a row; the columns a sync maps in \`fields\` are what gets sent, and only rows whose
mapped values changed since the last successful sync are sent again.

The starter model reads \`data/customers.csv\` through DuckDB, so it works without loading anything. Change
a row there and run \`reverse-etl plan\` to see exactly that change; \`reverse-etl sync\` sends it.

Point the model at your own gold tables when you are ready (for example
\`select ... from gold.customers\` in the DuckDB file, or a PostgreSQL source), then run
\`reverse-etl plan\` to see what would be sent.
`;
