// Public API of @reverse-etl/destination-file. The default export is the plugin, as core loads it.
export { fileDestination as default, fileDestination } from "./file-destination.js";
export type { FileDestinationOptions, FileFormat } from "./file-destination-options.js";
export { fileDestinationOptionsSchema } from "./file-destination-options.js";
