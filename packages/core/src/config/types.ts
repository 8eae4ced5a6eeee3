/**
 * The shape of `reverse-etl.config.*`. These types are the single source of truth for the config:
 * `schemas/reverse-etl.config.schema.json` is generated from them (`npm run schema`) and a test fails
 * when the two drift apart.
 */

/** How a sync writes to its destination. */
export type SyncMode = "upsert" | "update" | "insert" | "mirror";

/** Every sync mode, in documentation order. */
export const SYNC_MODES: readonly SyncMode[] = ["upsert", "update", "insert", "mirror"];

/**
 * A reference to an environment variable, resolved when the config is loaded. Create it with `env("NAME")`
 * in TypeScript/JavaScript configs, or write `{ "$env": "NAME" }` in JSON/YAML. Its value is treated as a
 * secret: it is redacted from every log, plan, error and state row.
 */
export interface EnvReference {
  /** Name of the environment variable. */
  $env: string;
}

/** Where reverse-etl keeps sync state, run history and row errors. */
export interface StateConfig {
  /** Name of the source (warehouse) that holds the state tables. Defaults to the only source, if there is one. */
  source?: string;
  /** Schema for the state tables. Default `reverse_etl`. */
  schema?: string;
}

/** A warehouse connection: the plugin package plus that plugin's own options. */
export interface SourceConfig {
  /** npm package name of the source plugin, e.g. `@reverse-etl/source-duckdb`. */
  plugin: string;
  /** Plugin options, validated against the plugin's own schema. */
  [option: string]: unknown;
}

/** A business tool: the plugin package plus that plugin's own options. */
export interface DestinationConfig {
  /** npm package name of the destination plugin, e.g. `@reverse-etl/destination-file`. */
  plugin: string;
  /** Plugin options, validated against the plugin's own schema. */
  [option: string]: unknown;
}

/** A model: SQL over a source whose rows are synced. */
export interface ModelConfig {
  /** Name of the source the SQL runs on. */
  source: string;
  /** A SELECT statement. Its columns are what syncs map. */
  sql: string;
  /** Column (or columns, for a composite key) that identify a row. */
  primaryKey: string | string[];
  /** Human description, shown by `plan`. */
  description?: string;
}

/** A sync: rows of a model kept in step with an object of a destination. */
export interface SyncConfig {
  /** Name of the model to sync. */
  model: string;
  /** Name of the destination to write to. */
  destination: string;
  /** Destination object (e.g. `contacts`), where the destination has several. */
  object?: string;
  /**
   * `upsert` creates or updates, `update` only updates existing records, `insert` only sends new rows,
   * `mirror` upserts and also deletes records whose rows left the model. Default `upsert`.
   */
  mode?: SyncMode;
  /** Destination identifier field <- model column, used to find existing records. */
  match?: Record<string, string>;
  /** Model column -> destination field. */
  fields: Record<string, string>;
  /**
   * Options for the destination, validated against the schema its plugin declares for syncs (e.g.
   * Segment's `event`, Salesforce's `bulk`). See the destination's README.
   */
  options?: Record<string, unknown>;
  /**
   * When `reverse-etl start` runs the sync: a cron expression of 5 fields (minute hour day month weekday)
   * or 6 (seconds first), e.g. `"0 * * * *"`, or `{ cron, timezone }`.
   */
  schedule?: string | ScheduleConfig;
  /** IANA time zone of a string `schedule`, e.g. `"Europe/Paris"`. Default: the machine's. */
  timezone?: string;
  /**
   * Syncs this one runs after: `reverse-etl start` runs it once all of them have succeeded since its own
   * last run (e.g. accounts before contacts).
   */
  after?: string[];
  /**
   * Resend rows that the destination rejected on the next run even when they did not change. Default true.
   * Set false for destinations that bill per call.
   */
  retryRejected?: boolean;
  /**
   * Mirror mode only: refuse to delete more than this share (0..1) of the records synced so far,
   * unless `--allow-mass-delete` is given. Default 0.5.
   */
  maxDeleteShare?: number;
}

/** A cron schedule read in a time zone. */
export interface ScheduleConfig {
  /** Cron expression of 5 fields (minute hour day month weekday) or 6 (seconds first). */
  cron: string;
  /** IANA time zone the expression is read in, e.g. `"Europe/Paris"`. Default: the machine's. */
  timezone?: string;
}

/** What a sync's run can tell an alert. */
export type AlertEvent = "failed" | "partial" | "recovered" | "stale";

/** Every alert event, in documentation order. */
export const ALERT_EVENTS: readonly AlertEvent[] = ["failed", "partial", "recovered", "stale"];

/**
 * Where and when to say that a sync broke or healed. Sent by `sync` and `start`, once per transition: a sync
 * failing on every run alerts once, then once when it recovers.
 */
export interface AlertConfig {
  /** URL the alert is POSTed to (a webhook, or a Slack incoming webhook); usually `env("SLACK_WEBHOOK_URL")`. */
  url: string;
  /** `json`: the run's facts as one JSON document; `slack`: a readable Slack message. Default `json`. */
  format?: "json" | "slack";
  /** Events to send. */
  on: AlertEvent[];
  /** Syncs this alert watches. Default: every sync. */
  syncs?: string[];
  /** `stale`: no successful run for this long, e.g. `"6h"`, `"30m"`, `"2d"`. */
  staleAfter?: string;
  /** `partial`: only when at least this share (0..1) of the rows sent was rejected or failed. Default 0. */
  minRejectedShare?: number;
}

/**
 * How `reverse-etl start` processes share the work. Without `queue`, each process runs every sync itself
 * (one process per config). With it, any number of workers on any machines take runs from one PostgreSQL
 * job queue, each scheduled time runs once across them, and each destination's rate limits are one
 * budget for them all.
 */
export interface SchedulerConfig {
  /**
   * PostgreSQL URL of the job queue every worker shares, usually `env("QUEUE_URL")` (the state's own
   * database is fine: the queue keeps its tables in the `reverse_etl_queue` schema).
   */
  queue?: string;
  /**
   * Runs one worker takes at once from the queue (`start --concurrency` wins). Default 2.
   * @minimum 1
   * @multipleOf 1
   */
  concurrency?: number;
}

/** The whole configuration document. */
export interface ReverseEtlConfig {
  /** JSON schema reference for editors. */
  $schema?: string;
  /** Where state lives. */
  state?: StateConfig;
  /** Warehouses, by name. */
  sources: Record<string, SourceConfig>;
  /** Business tools, by name. */
  destinations: Record<string, DestinationConfig>;
  /** Models, by name. */
  models: Record<string, ModelConfig>;
  /** Syncs, by name. */
  syncs: Record<string, SyncConfig>;
  /** Alerts, by name. */
  alerts?: Record<string, AlertConfig>;
  /** How `reverse-etl start` workers share runs and rate budgets (a job queue). */
  scheduler?: SchedulerConfig;
}
