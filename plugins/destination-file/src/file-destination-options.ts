import { defineOptionsSchema } from "@reverse-etl/core";

/** Line formats the file destination writes. */
export type FileFormat = "jsonl" | "csv";

/** Options of `@reverse-etl/destination-file`, written beside `plugin` in the config. */
export interface FileDestinationOptions {
  /**
   * File to write, relative to the config file's directory. May contain `{sync}` (the sync's name) and
   * `{runId}` (the run's id), e.g. `out/{sync}.jsonl`. Missing directories are created at the first write.
   */
  path: string;
  /** `jsonl` or `csv`. Default: from the extension of `path` (`.csv` gives csv), else `jsonl`. */
  format?: FileFormat;
  /** Records per `write` call. Default 10000; the file is written at disk speed, so batches can be large. */
  maxBatchSize?: number;
}

/**
 * JSON schema of {@link FileDestinationOptions}, type-checked against it. `maxBatchSize`'s default is also
 * `DEFAULT_MAX_BATCH_SIZE` in file-destination.ts, for callers of `connect` that skip validation: keep both equal.
 */
export const fileDestinationOptionsSchema = defineOptionsSchema<FileDestinationOptions>({
  type: "object",
  properties: {
    path: {
      type: "string",
      minLength: 1,
      description: "File to write, relative to the config file. May contain {sync} and {runId}.",
    },
    format: {
      type: "string",
      enum: ["jsonl", "csv"],
      nullable: true,
      description: "Line format. Default: from the extension of path (.csv), else jsonl.",
    },
    maxBatchSize: {
      type: "integer",
      minimum: 1,
      maximum: 1000000,
      default: 10000,
      nullable: true,
      description: "Records per write call. Default 10000.",
    },
  },
  required: ["path"],
  additionalProperties: false,
});
