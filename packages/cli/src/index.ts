// Public API of @reverse-etl/cli besides the `reverse-etl` bin: the renderers the commands use, for tools
// (a CI action, a bot) that call core's project API and want the same output.
export { ExitCode, exitCodeForSyncReport } from "./exit-codes.js";
export { renderPlanMarkdown } from "./format/plan-markdown.js";
export { renderPlanTable } from "./format/plan-table.js";
export { renderRunsTable } from "./format/runs-table.js";
export { renderSyncSummary } from "./format/sync-summary.js";
