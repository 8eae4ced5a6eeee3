// Public API of __package__. The default export is the plugin, as core loads it.
import { defineSourcePlugin } from "@reverse-etl/core";
import { connect__Name__Source } from "./__name__-connection.js";
import { __nameCamel__SourceOptionsSchema, type __Name__SourceOptions } from "./__name__-source-options.js";

export { connect__Name__Source, __Name__SourceConnection } from "./__name__-connection.js";
export { __nameCamel__Functions } from "./__name__-functions.js";
export { __Name__SourceAdapter } from "./__name__-source-adapter.js";
export { __nameCamel__SourceOptionsSchema } from "./__name__-source-options.js";
export type { __Name__SourceOptions } from "./__name__-source-options.js";

/** The __Title__ source: `plugin: "__package__"` in a config's `sources`. */
const __nameCamel__Source = defineSourcePlugin<__Name__SourceOptions>({
  name: "__name__",
  optionsSchema: __nameCamel__SourceOptionsSchema,
  connect: (options, context) => connect__Name__Source(options, context.logger),
});

export default __nameCamel__Source;
