// Public API of @reverse-etl/server. Explicit named exports only.
export { SyncScheduler } from "./scheduler/sync-scheduler.js";
export type { ActiveRun, RunEvent, RunReason, RunRequest, SyncSchedulerOptions } from "./scheduler/sync-scheduler.js";
export { shouldRunAfter } from "./scheduler/after-chains.js";
export { missedScheduledRun } from "./scheduler/catch-up.js";
export type { ServerLogger } from "./runtime/server-logger.js";
