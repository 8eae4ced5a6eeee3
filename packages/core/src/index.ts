// Public API of @reverse-etl/core. Explicit named exports only.
export type {
  DestinationConfig,
  EnvReference,
  ModelConfig,
  ReverseEtlConfig,
  SourceConfig,
  StateConfig,
  SyncConfig,
  SyncMode,
  ScheduleConfig,
  AlertConfig,
  AlertEvent,
} from "./config/types.js";
export { ALERT_EVENTS, SYNC_MODES } from "./config/types.js";
export { checkTimezone, cronOf, parseDuration, syncSchedule } from "./config/sync-schedule.js";
export type { SyncSchedule } from "./config/sync-schedule.js";
export { defineConfig, env, isEnvReference } from "./config/define-config.js";
export { CONFIG_FILE_NAMES, CONFIG_FILE_PATTERN, findConfigFile, loadConfig, readConfigDocument } from "./config/load-config.js";
export type { LoadConfigOptions, LoadedConfig } from "./config/load-config.js";
export { checkConfigDocument, validateConfigDocument } from "./config/validate-config.js";
export type { ConfigCheck } from "./config/validate-config.js";
export { resolveEnvReferences } from "./config/env-references.js";
export type { EnvResolution } from "./config/env-references.js";
export { CONFIG_SCHEMA_FILE, configSchema } from "./config/config-schema.js";
export {
  ConfigError,
  ConnectionError,
  DestinationQuotaError,
  DestinationAuthError,
  DestinationUnreachableError,
  FatalDestinationError,
  MassDeleteError,
  PluginError,
  ReverseEtlError,
  SchemaDriftError,
  SyncLockedError,
} from "./errors.js";
export type { ConfigIssue } from "./errors.js";
export type { JsonSchema, Logger, PluginContext } from "./plugins/plugin-context.js";
export { silentLogger } from "./plugins/plugin-context.js";
export type { OptionsSchema } from "./plugins/options-schema.js";
export { defineOptionsSchema } from "./plugins/options-schema.js";
export type { ColumnInfo, SourceConnection, SourcePlugin } from "./plugins/source.js";
export { SOURCE_API_VERSION, defineSourcePlugin } from "./plugins/source.js";
export type { NamedValue, SqlFunctions } from "./plugins/sql-functions.js";
export type { SourceAdapter, TableName, UpsertOptions } from "./plugins/source-adapter.js";
export { SourceAdapterBase } from "./plugins/source-adapter.js";
export type { EmulatorOption, PluginEmulator, RunningEmulator, StartEmulatorOptions } from "./plugins/emulator.js";
export { defineEmulator, isPluginEmulator } from "./plugins/emulator.js";
export { canonicalDecimal } from "./values/decimal-text.js";
export type { FieldValue } from "./values/field-value.js";
export { toFieldValue } from "./values/field-value.js";
export type { ValueKind } from "./values/value-kind.js";
export { VALUE_KINDS, isNumericKind, isOrderedKind, valueKindOfTypeName } from "./values/value-kind.js";
export { findPackageDir, loadDestinationPlugin, loadPlugin, loadSourcePlugin, validatePluginOptions } from "./plugins/load-plugin.js";
export type { PluginKind, ResolvedPlugin } from "./plugins/load-plugin.js";
export { loadPlugins } from "./project/load-project-plugins.js";
export type { LoadedPlugin, LoadedPlugins } from "./project/load-project-plugins.js";
export type {
  DestinationCapabilities,
  DestinationConnection,
  DestinationPlugin,
  DescribeContext,
  FieldDescription,
  FlushOutcome,
  FlushRecordResult,
  ObjectDescription,
  OutgoingRecord,
  RateLimit,
  RecordResult,
  SyncContext,
  WriteContext,
  WriteOperation,
  WriteOutcome,
} from "./plugins/destination.js";
export { DESTINATION_API_VERSION, defineDestinationPlugin } from "./plugins/destination.js";
export { connectionFailureOf, describeConnectionFailure, type ConnectionFailure } from "./plugins/connection-failure.js";
export { SecretRedactor, secrets } from "./secrets/redactor.js";
export { secretOptionValues } from "./plugins/secret-options.js";
export type { SecretOption } from "./plugins/secret-options.js";
export type {
  FieldChange,
  PlanCounts,
  PlanReport,
  PlanSample,
  ProgressEvent,
  RunError,
  RunRecord,
  RunStatus,
  SyncPlan,
  SyncReport,
  SyncRunReport,
} from "./reports.js";
export type { OpenProjectOptions, PlanOptions, PluginInfo, Project, SyncOptions, ValidationReport } from "./project/project.js";
export { ConfiguredProject } from "./project/configured-project.js";
export { DEFAULT_STATE_SCHEMA } from "./project/project-connections.js";
export type { StateDatabase, SyncErrorRow, SyncRunRow, SyncStateRow } from "./state/state-tables.js";
export type { RetryPolicy } from "./transport/retry-policy.js";
export type { RequestLimiter, SharedRequestBudget } from "./transport/request-budget.js";
export { openProject } from "./project/open-project.js";
export { newRunId } from "./apply/apply-sync.js";
export { alertEventFor } from "./alerts/alert-transition.js";
export type { RunFigures } from "./alerts/alert-transition.js";
export { slackMessage } from "./alerts/alert-message.js";
export type { AlertPayload } from "./alerts/alert-message.js";
export { HEAP_GROWING_PERCENT, limitHeapGrowth } from "./runtime/heap-growth.js";
export { currentSyncRun, inSyncRun } from "./runtime/sync-run-context.js";
export type { SyncRunContext } from "./runtime/sync-run-context.js";
