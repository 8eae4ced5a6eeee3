// Public API of @reverse-etl/server. Explicit named exports only.
export { SyncScheduler } from "./scheduler/sync-scheduler.js";
export type { ActiveRun, RunEvent, RunReason, RunRequest, SyncSchedulerOptions } from "./scheduler/sync-scheduler.js";
export { shouldRunAfter } from "./scheduler/after-chains.js";
export { missedScheduledRun } from "./scheduler/catch-up.js";
export type { ServerLogger } from "./runtime/server-logger.js";
export { startHttpServer } from "./http/http-server.js";
export type { HttpServerOptions, RouteHandler, RunningHttpServer } from "./http/http-server.js";
export { findRun, listSyncs } from "./http/api-routes.js";
export type { ApiContext, SyncSummary } from "./http/api-routes.js";
export { isLoopback } from "./http/http-io.js";
export { metricsRoute, RunMetrics } from "./metrics/run-metrics.js";
export { dashboardRoute } from "./dashboard/dashboard-routes.js";
export { ReloadingProject } from "./config-watch/reloading-project.js";
export type { ReloadingProjectOptions } from "./config-watch/reloading-project.js";
