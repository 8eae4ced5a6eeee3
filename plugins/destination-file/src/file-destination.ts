import { defineDestinationPlugin } from "@reverse-etl/core";
import { FileConnection } from "./file-connection.js";
import type { FileDestinationOptions } from "./file-destination-options.js";
import { fileDestinationOptionsSchema } from "./file-destination-options.js";
import { PathTemplate } from "./path-template.js";

/** Default records per write: lines go to a local file, so large batches cost nothing. */
const DEFAULT_MAX_BATCH_SIZE = 10_000;

/**
 * Writes the changes of each run as JSONL or CSV, one operation per line, to a file that appears
 * atomically (temp file + rename) when the run ends.
 */
export const fileDestination = defineDestinationPlugin<FileDestinationOptions>({
  name: "file",
  optionsSchema: fileDestinationOptionsSchema,
  async connect(options, context) {
    const template = new PathTemplate(options.path, context.configDir);
    const connection = new FileConnection({
      template,
      format: options.format ?? template.formatFromExtension,
      maxBatchSize: options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
      logger: context.logger,
    });
    await connection.cleanUp();
    return connection;
  },
});
