import { Kysely, sql } from "kysely";
import type { LoadedConfig } from "../config/load-config.js";
import { ConfigError, ReverseEtlError, type ConfigIssue } from "../errors.js";
import type { DestinationConnection, DestinationPlugin, ObjectDescription } from "../plugins/destination.js";
import { silentLogger, type Logger, type PluginContext } from "../plugins/plugin-context.js";
import type { SourceConnection, SourcePlugin } from "../plugins/source.js";
import { applySync } from "../apply/apply-sync.js";
import { mappingChangeWarnings, mappingOf } from "../plan/mapping-change.js";
import { planSync } from "../plan/plan-sync.js";
import { defineSync, type SyncDefinition } from "../plan/sync-definition.js";
import { secrets } from "../secrets/redactor.js";
import { StateStore } from "../state/state-store.js";
import type { PlanOptions, PluginInfo, Project, SyncOptions, ValidationReport } from "./project.js";
import type { PlanReport, RunRecord, SyncReport, SyncRunReport } from "./reports.js";
import { checkMapping, valueKindOf } from "./check-mapping.js";

/** A plugin with the options the config gives it. */
export interface ConfiguredPlugin<P> {
  plugin: P;
  /** Options beside `plugin`, validated and with env references resolved. */
  options: Record<string, unknown>;
  package: string;
  version?: string;
}

/** Every plugin a config uses, by the config's source and destination names. */
export interface ProjectPlugins {
  sources: Map<string, ConfiguredPlugin<SourcePlugin>>;
  destinations: Map<string, ConfiguredPlugin<DestinationPlugin>>;
}

interface OpenSource {
  connection: SourceConnection;
  db: Kysely<unknown>;
}

/** The default schema of the state tables. */
export const DEFAULT_STATE_SCHEMA = "reverse_etl";

/**
 * A project over a loaded config and its plugins. Connections open lazily, once, and close together.
 */
export class ConfiguredProject implements Project {
  readonly #sources = new Map<string, Promise<OpenSource>>();
  readonly #destinations = new Map<string, Promise<DestinationConnection>>();
  readonly #migrated = new Set<string>();
  readonly #descriptions = new Map<string, Promise<ObjectDescription>>();
  readonly #logger: Logger;

  constructor(
    readonly loaded: LoadedConfig,
    readonly pluginSet: ProjectPlugins,
    logger: Logger = silentLogger,
  ) {
    this.#logger = redactingLogger(logger);
  }

  get file(): string {
    return this.loaded.file;
  }

  get config() {
    return this.loaded.config;
  }

  /** Name of the source holding the state tables. */
  get stateSourceName(): string {
    const names = Object.keys(this.config.sources);
    return this.config.state?.source ?? names[0]!;
  }

  /** Schema holding the state tables. */
  get stateSchema(): string {
    return this.config.state?.schema ?? DEFAULT_STATE_SCHEMA;
  }

  plugins(): PluginInfo[] {
    const infos: PluginInfo[] = [];
    const add = (kind: "source" | "destination", name: string, p: ConfiguredPlugin<SourcePlugin | DestinationPlugin>) => {
      const existing = infos.find((i) => i.kind === kind && i.package === p.package);
      if (existing) existing.usedBy.push(name);
      else infos.push({ kind, usedBy: [name], package: p.package, version: p.version, name: p.plugin.name, apiVersion: p.plugin.apiVersion });
    };
    for (const [name, p] of this.pluginSet.sources) add("source", name, p);
    for (const [name, p] of this.pluginSet.destinations) add("destination", name, p);
    return infos;
  }

  async validate(options: { offline: boolean }): Promise<ValidationReport> {
    const report: ValidationReport = { file: this.file, offline: options.offline, connections: [], syncs: [], ok: true };
    if (options.offline) return report;
    for (const name of Object.keys(this.config.sources)) {
      try {
        await this.#source(name);
        report.connections.push({ kind: "source", name, ok: true });
      } catch (error) {
        report.connections.push({ kind: "source", name, ok: false, error: messageOf(error) });
      }
    }
    for (const name of Object.keys(this.config.destinations)) {
      try {
        const destination = await this.#destination(name);
        await destination.check();
        report.connections.push({ kind: "destination", name, ok: true });
      } catch (error) {
        report.connections.push({ kind: "destination", name, ok: false, error: messageOf(error) });
      }
    }
    for (const name of Object.keys(this.config.syncs)) {
      const def = defineSync(this.config, name);
      const sourceOk = report.connections.find((c) => c.kind === "source" && c.name === def.sourceName)?.ok;
      const destinationOk = report.connections.find((c) => c.kind === "destination" && c.name === def.destinationName)?.ok;
      if (!sourceOk || !destinationOk) {
        report.syncs.push({ name, ok: false, problems: ["not checked: its source or destination could not be reached"] });
        continue;
      }
      try {
        const issues = [...(await this.#mappingIssues(def, true)), ...(await this.#valueIssues(def))];
        report.syncs.push({ name, ok: issues.length === 0, problems: issues.map((i) => `${i.path}: ${i.message}`) });
      } catch (error) {
        report.syncs.push({ name, ok: false, problems: [messageOf(error)] });
      }
    }
    report.ok = report.connections.every((c) => c.ok) && report.syncs.every((s) => s.ok);
    return report;
  }

  async plan(options: PlanOptions = {}): Promise<PlanReport> {
    const report: PlanReport = { syncs: [] };
    for (const def of this.#selected(options.syncs)) {
      const source = await this.#source(def.sourceName);
      await this.#assertMapping(def, false);
      const store = await this.#store();
      const stateExists = await store.exists();
      options.onProgress?.({ sync: def.name, phase: "planning", done: 0 });
      const drift = await this.#driftWarnings(def, store);
      // Values the destination will refuse, found in the warehouse before anything is sent. A destination
      // that cannot be reached does not stop a plan: it only loses these warnings.
      const values = await this.#valueIssues(def).catch(() => []);
      drift.push(...values.map((i) => `${i.path}: ${i.message}; those rows will be rejected`));
      report.syncs.push(
        await planSync({
          db: source.db,
          functions: source.connection.functions,
          def,
          state: stateExists ? { schema: this.stateSchema } : null,
          full: options.full ?? false,
          sampleSize: options.sampleSize ?? 5,
          syncedCount: stateExists ? await store.countSynced(def.name) : 0,
        }),
      );
      report.syncs[report.syncs.length - 1]!.warnings.unshift(...drift);
    }
    return report;
  }

  async sync(options: SyncOptions = {}): Promise<SyncReport> {
    const selected = this.#selected(options.syncs);
    // Every mapping is checked before the first write of any sync.
    for (const def of selected) await this.#assertMapping(def, true);
    const report: SyncReport = { syncs: [] };
    for (const def of selected) {
      if (options.signal?.aborted) break;
      const source = await this.#source(def.sourceName);
      const store = await this.#store(true);
      const drift = await this.#driftWarnings(def, store);
      const values = await this.#valueIssues(def);
      drift.push(...values.map((i) => `${i.path}: ${i.message}; those rows will be rejected`));
      const run: SyncRunReport = await applySync({
        db: source.db,
        functions: source.connection.functions,
        def,
        store,
        destination: await this.#destination(def.destinationName),
        full: options.full ?? false,
        allowMassDelete: options.allowMassDelete ?? false,
        sampleSize: options.sampleSize ?? 5,
        signal: options.signal,
        onProgress: options.onProgress,
        logger: this.#logger,
      });
      run.warnings.unshift(...drift);
      // The columns and mapping this run synced are the reference for the next run's drift checks.
      if (run.status !== "failed" && def.columnTypes) {
        await store.recordColumns(def.name, Object.fromEntries(def.columns.map((c) => [c, def.columnTypes![c] ?? "unknown"])), mappingOf(def));
      }
      report.syncs.push(run);
    }
    return report;
  }

  async runs(options: { sync?: string; limit?: number } = {}): Promise<RunRecord[]> {
    if (options.sync) this.#selected([options.sync]);
    const store = await this.#store();
    if (!(await store.exists())) return [];
    return store.runs(options);
  }

  async resetState(sync: string): Promise<{ sync: string; deleted: number }> {
    this.#selected([sync]);
    const store = await this.#store();
    if (!(await store.exists())) return { sync, deleted: 0 };
    return { sync, deleted: await store.reset(sync) };
  }

  /** Remove a run lock left behind by a process that cannot be checked (another host). */
  async unlock(sync: string): Promise<boolean> {
    this.#selected([sync]);
    const store = await this.#store();
    if (!(await store.exists())) return false;
    return store.forceUnlock(sync);
  }

  async close(): Promise<void> {
    const closing: Promise<unknown>[] = [];
    for (const pending of this.#destinations.values()) closing.push(pending.then((d) => d.close()));
    for (const pending of this.#sources.values()) {
      closing.push(pending.then(async (s) => {
        await s.db.destroy();
        await s.connection.close();
      }));
    }
    this.#destinations.clear();
    this.#descriptions.clear();
    this.#sources.clear();
    await Promise.allSettled(closing);
  }

  #selected(names: string[] | undefined): SyncDefinition[] {
    const all = Object.keys(this.config.syncs);
    const chosen = names && names.length > 0 ? names : all;
    const unknown = chosen.filter((n) => !all.includes(n));
    if (unknown.length > 0) {
      throw new ConfigError(
        this.file,
        unknown.map((n) => ({ path: `/syncs/${n}`, message: `no sync named "${n}"; syncs in this config: ${all.join(", ") || "(none)"}` })),
      );
    }
    return chosen.map((n) => defineSync(this.config, n));
  }

  /**
   * Model values a destination field cannot take, found in the warehouse before any write: values of an
   * enumeration that are not among its options (up to five shown). Multi-select values (`a;b`) are left
   * to the destination.
   */
  async #valueIssues(def: SyncDefinition): Promise<ConfigIssue[]> {
    const description = await this.#describe(def);
    if (description.acceptsAnyField) return [];
    const source = await this.#source(def.sourceName);
    const fns = source.connection.functions;
    const issues: ConfigIssue[] = [];
    for (const [column, field] of def.fields) {
      const known = description.fields.find((f) => f.name === field);
      if (known?.type !== "enumeration" || !known.options?.length) continue;
      if (valueKindOf(def.columnTypes?.[column]) !== "text") continue;
      const value = fns.toText(sql.id("m", column));
      const rows = await sql<{ v: string }>`
        select distinct ${value} as v from (${sql.raw(def.modelSql)}) as m
        where ${sql.id("m", column)} is not null and ${value} not in (${sql.join(known.options)})
          and strpos(${value}, ';') = 0
        limit 5`.execute(source.db);
      if (rows.rows.length === 0) continue;
      const objectName = def.object ? `object "${def.object}"` : "the destination";
      issues.push({
        path: `/syncs/${def.name}/fields/${column}`,
        message:
          `column "${column}" holds values that are not options of enumeration "${field}" of ${objectName}: ` +
          `${rows.rows.map((r) => JSON.stringify(r.v)).join(", ")}; its options: ${known.options.slice(0, 12).join(", ")}${known.options.length > 12 ? ", ..." : ""}`,
      });
    }
    return issues;
  }

  /** A mapping or column types changed since the sync last ran: their rows may all be resent. */
  async #driftWarnings(def: SyncDefinition, store: StateStore): Promise<string[]> {
    // A new mapping changes every fingerprint: without this, a plan shows every row changed and not why.
    const warnings = mappingChangeWarnings(await store.recordedMapping(def.name), def);
    const previous = await store.recordedColumns(def.name);
    if (!previous || !def.columnTypes) return warnings;
    for (const column of def.columns) {
      const before = previous[column];
      const now = def.columnTypes[column];
      if (before && now && before !== now) {
        warnings.push(
          `schema drift: column "${column}" of model "${def.modelName}" changed type from ${before} to ${now} since the last sync; ` +
            `rows whose value now renders differently will be sent again`,
        );
      }
    }
    return warnings;
  }

  async #assertMapping(def: SyncDefinition, withDestination: boolean): Promise<void> {
    const issues = await this.#mappingIssues(def, withDestination);
    if (issues.length > 0) throw new ConfigError(this.file, issues);
  }

  async #mappingIssues(def: SyncDefinition, withDestination: boolean): Promise<ConfigIssue[]> {
    if (def.sourceName !== this.stateSourceName) {
      return [{
        path: `/models/${def.modelName}/source`,
        message: `model source "${def.sourceName}" is not the state source "${this.stateSourceName}": the diff runs inside the warehouse, so a sync's model and its state must live in the same source (set state.source)`,
      }];
    }
    const source = await this.#source(def.sourceName);
    let columns;
    try {
      columns = await source.connection.describeQuery(def.modelSql);
    } catch (error) {
      return [{ path: `/models/${def.modelName}/sql`, message: `the model's SQL failed: ${messageOf(error)}` }];
    }
    let description;
    let destination;
    if (withDestination) {
      destination = await this.#destination(def.destinationName);
      description = await this.#describe(def);
    }
    def.columnTypes = Object.fromEntries(columns.map((c) => [c.name, c.type]));
    const previous = await (await this.#store()).recordedColumns(def.name);
    return checkMapping(def, columns, description, destination?.capabilities, previous);
  }

  async #store(migrate = false): Promise<StateStore> {
    const source = await this.#source(this.stateSourceName);
    const store = new StateStore(source.db as never, source.connection, this.stateSchema);
    if (migrate && !this.#migrated.has(this.stateSourceName)) {
      await store.migrate();
      this.#migrated.add(this.stateSourceName);
    }
    return store;
  }

  /** The destination object a sync writes, described once per project (mapping and value checks share it). */
  #describe(def: SyncDefinition): Promise<ObjectDescription> {
    const key = JSON.stringify([def.destinationName, def.object ?? null, def.mode]);
    let pending = this.#descriptions.get(key);
    if (!pending) {
      pending = this.#destination(def.destinationName).then((d) => d.describe(def.object, { mode: def.mode }));
      // A failed describe is not remembered: the next check asks again.
      pending.catch(() => this.#descriptions.delete(key));
      this.#descriptions.set(key, pending);
    }
    return pending;
  }

  #source(name: string): Promise<OpenSource> {
    let pending = this.#sources.get(name);
    if (!pending) {
      const configured = this.pluginSet.sources.get(name);
      if (!configured) throw new ConfigError(this.file, [{ path: `/sources/${name}`, message: `no source named "${name}"` }]);
      pending = configured.plugin.connect(configured.options, this.#context(name)).then((connection) => ({
        connection,
        db: new Kysely<unknown>({ dialect: connection.dialect }),
      }));
      this.#sources.set(name, pending);
    }
    return pending;
  }

  #destination(name: string): Promise<DestinationConnection> {
    let pending = this.#destinations.get(name);
    if (!pending) {
      const configured = this.pluginSet.destinations.get(name);
      if (!configured) throw new ConfigError(this.file, [{ path: `/destinations/${name}`, message: `no destination named "${name}"` }]);
      pending = configured.plugin.connect(configured.options, this.#context(name));
      this.#destinations.set(name, pending);
    }
    return pending;
  }

  #context(name: string): PluginContext {
    return { configDir: this.loaded.dir, name, logger: this.#logger };
  }
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return secrets.redact(error instanceof ReverseEtlError ? text.replace(/^\[reverse-etl\] /, "") : text);
}

function redactingLogger(logger: Logger): Logger {
  const clean = (fields?: Record<string, unknown>) => (fields ? secrets.redactValue(fields) : undefined);
  return {
    debug: (m, f) => logger.debug(secrets.redact(m), clean(f)),
    info: (m, f) => logger.info(secrets.redact(m), clean(f)),
    warn: (m, f) => logger.warn(secrets.redact(m), clean(f)),
  };
}
