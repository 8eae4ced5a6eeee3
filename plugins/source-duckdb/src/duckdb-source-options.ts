import { defineOptionsSchema } from "@reverse-etl/core";

/** Options of `@reverse-etl/source-duckdb`, written beside `plugin` in a source of the config. */
export interface DuckDbSourceOptions {
  /**
   * The database file, relative to the config file's directory (or absolute); created when missing.
   * `:memory:` for an in-process database that disappears at the end of the run.
   */
  path: string;
  /** Open the file read-only, so other processes may read it at the same time. State cannot be written then. Default false. */
  readOnly?: boolean;
  /** Worker threads DuckDB may use. Default: one per core. */
  threads?: number;
  /**
   * DuckDB's memory limit, e.g. `"1GB"` or `"512MB"`. Default `"256MB"`: the warehouse runs inside the
   * reverse-etl process, so it gets a bounded share rather than DuckDB's own default of 80 % of the machine.
   * Larger work spills to DuckDB's temp directory; a larger limit spills less and costs as much more RSS.
   */
  memoryLimit?: string;
  /**
   * Where DuckDB spills what does not fit in `memoryLimit` (sorts, hash tables, the snapshot of a large
   * sync), relative to the config file's directory. Default: DuckDB's own, `<path>.tmp` beside the database
   * file; for `:memory:`, a `reverse-etl-duckdb` directory in the system's temporary directory (DuckDB's
   * own would be `.tmp` in whatever directory the command runs from).
   */
  tempDirectory?: string;
}

/** JSON schema of `DuckDbSourceOptions`, type-checked against it. `connectDuckDbSource` applies the defaults. */
export const duckDbSourceOptionsSchema = defineOptionsSchema<DuckDbSourceOptions>({
  type: "object",
  properties: {
    path: {
      type: "string",
      minLength: 1,
      description: "The database file, relative to the config file's directory, or `:memory:`.",
    },
    readOnly: { type: "boolean", nullable: true, description: "Open the file read-only. Default false." },
    threads: { type: "integer", minimum: 1, nullable: true, description: "Worker threads DuckDB may use. Default: one per core." },
    memoryLimit: {
      type: "string",
      pattern: "^\\s*\\d+(\\.\\d+)?\\s*([KMGT]i?B|B|bytes)?\\s*$",
      nullable: true,
      description: "DuckDB's memory limit, e.g. `1GB`. Default 256MB.",
    },
    tempDirectory: {
      type: "string",
      minLength: 1,
      nullable: true,
      description: "Where DuckDB spills what does not fit in memoryLimit. Default: `<path>.tmp`, or the system's temporary directory for `:memory:`.",
    },
  },
  required: ["path"],
  additionalProperties: false,
});
