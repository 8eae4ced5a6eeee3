import type { ModelConfig, ReverseEtlConfig, SyncMode } from "../config/types.js";
import type { ColumnInfo } from "../plugins/source.js";
import type { ValueKind } from "../values/value-kind.js";

/**
 * A sync with its model and mapping resolved: what the planner and the executor work from. Built once
 * (`defineSync`, then `withModelColumns` once the model is described) and never changed after.
 */
export interface SyncDefinition {
  readonly name: string;
  readonly modelName: string;
  readonly model: ModelConfig;
  /** The model's SQL without a trailing semicolon. */
  readonly modelSql: string;
  readonly sourceName: string;
  readonly destinationName: string;
  readonly object: string | undefined;
  readonly mode: SyncMode;
  /** Primary key columns, in order. */
  readonly keyColumns: readonly string[];
  /** Model column -> destination field. */
  readonly fields: ReadonlyArray<readonly [column: string, field: string]>;
  /** Destination identifier field <- model column. */
  readonly match: ReadonlyArray<readonly [field: string, column: string]>;
  /** Sync option -> the model column it names (the plugin's `columnOptions`), e.g. `eventColumn` -> `event_name`. */
  readonly optionColumns: ReadonlyArray<readonly [option: string, column: string]>;
  /** Every model column the sync reads: key columns first, then mapped columns, without repeats. */
  readonly columns: readonly string[];
  /** Mapped columns (fields, match and option columns), sorted: what the fingerprint covers. */
  readonly mappedColumns: readonly string[];
  /**
   * Text describing the mapping. It is part of every fingerprint, so changing the mapping (a new field,
   * a renamed destination field, another object) resends every row.
   */
  readonly signature: string;
  readonly retryRejected: boolean;
  readonly maxDeleteShare: number;
  /** The sync's destination `options`, validated against the plugin's schema; `{}` when none. */
  readonly options: Readonly<Record<string, unknown>>;
  /** Warehouse type of each model column, once the model has been described. */
  readonly columnTypes?: Readonly<Record<string, string>>;
  /** Value kind of each model column, as the source named it, once the model has been described. */
  readonly columnKinds?: Readonly<Record<string, ValueKind>>;
  /**
   * The model's own name of each column the config names differently in case only (`id` for Snowflake's
   * `ID`), once the model has been described. SQL reads the model's column; plans, records and state
   * keep the name the config uses.
   */
  readonly modelColumns?: Readonly<Record<string, string>>;
}

/**
 * Resolve a sync of a validated config. `options` are the sync's destination options as validated against
 * the plugin's schema (defaults filled in); default: the config's, as written. `columnOptions` are the
 * plugin's options that name a model column.
 */
export function defineSync(
  config: ReverseEtlConfig,
  name: string,
  options?: Record<string, unknown>,
  columnOptions: readonly string[] = [],
): SyncDefinition {
  const sync = config.syncs[name];
  if (!sync) throw new Error(`unknown sync ${name}`);
  const model = config.models[sync.model];
  if (!model) throw new Error(`unknown model ${sync.model}`);
  const keyColumns = Array.isArray(model.primaryKey) ? [...model.primaryKey] : [model.primaryKey];
  const fields = Object.entries(sync.fields).map(([column, field]) => [column, field] as const);
  const match = Object.entries(sync.match ?? {}).map(([field, column]) => [field, column] as const);
  const syncOptions = options ?? sync.options ?? {};
  const optionColumns = columnOptions.flatMap((option) => {
    const column = syncOptions[option];
    return typeof column === "string" ? [[option, column] as const] : [];
  });
  const mappedColumns = [...new Set([...fields.map(([c]) => c), ...match.map(([, c]) => c), ...optionColumns.map(([, c]) => c)])].sort();
  const columns = [...new Set([...keyColumns, ...mappedColumns])];
  const mode = sync.mode ?? "upsert";
  return {
    name,
    modelName: sync.model,
    model,
    modelSql: embeddableSql(model.sql),
    sourceName: model.source,
    destinationName: sync.destination,
    object: sync.object,
    mode,
    keyColumns,
    fields,
    match,
    optionColumns,
    columns,
    mappedColumns,
    // Option columns join the signature only when there are some, so other syncs' fingerprints stay as they were.
    signature: JSON.stringify({
      object: sync.object ?? null,
      fields: [...fields].sort(),
      match: [...match].sort(),
      ...(optionColumns.length > 0 ? { optionColumns: [...optionColumns].sort() } : {}),
    }),
    retryRejected: sync.retryRejected ?? true,
    maxDeleteShare: sync.maxDeleteShare ?? 0.5,
    options: syncOptions,
  };
}

/**
 * The definition with the types and kinds of the model's columns, as the source described them. A name
 * the config uses that is not a column resolves to the one column it matches ignoring case, if exactly
 * one does: warehouses that fold unquoted names (Snowflake's `select id` returns `ID`) then take the
 * config's `id`. An exact match always wins, so quoted names keep their case.
 */
export function withModelColumns(def: SyncDefinition, columns: readonly ColumnInfo[]): SyncDefinition {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const modelColumns: Record<string, string> = {};
  for (const name of def.columns) {
    if (byName.has(name)) continue;
    const matches = caseInsensitiveMatches(name, columns);
    if (matches.length === 1) modelColumns[name] = matches[0]!;
  }
  const resolved = Object.entries(modelColumns).map(([name, column]) => [name, byName.get(column)!] as const);
  return {
    ...def,
    columnTypes: Object.fromEntries([...columns.map((c) => [c.name, c.type]), ...resolved.map(([name, c]) => [name, c.type])]),
    columnKinds: Object.fromEntries([...columns.map((c) => [c.name, c.kind]), ...resolved.map(([name, c]) => [name, c.kind])]),
    ...(resolved.length > 0 ? { modelColumns } : {}),
  };
}

/** Columns whose name equals `name` ignoring case. */
export function caseInsensitiveMatches(name: string, columns: readonly ColumnInfo[]): string[] {
  const folded = name.toLowerCase();
  return columns.filter((c) => c.name.toLowerCase() === folded).map((c) => c.name);
}

/** The model's name of a column the config names: SQL over the model (`m.<column>`) reads this one. */
export function modelColumn(def: SyncDefinition, column: string): string {
  return def.modelColumns?.[column] ?? column;
}

/**
 * A model's SQL made safe to embed as `(<sql>) as m`: without its trailing semicolon, and ending on a new
 * line when its last line ends in a `--` comment, which would otherwise swallow the closing parenthesis.
 */
export function embeddableSql(text: string): string {
  const trimmed = text.trim().replace(/;\s*$/, "").trimEnd();
  const lastLine = trimmed.slice(trimmed.lastIndexOf("\n") + 1);
  return lastLine.includes("--") ? `${trimmed}\n` : trimmed;
}
