import type { LoadedConfig } from "../config/load-config.js";
import { ConfigError } from "../errors.js";
import type { DestinationPlugin } from "../plugins/destination.js";
import { silentLogger, type Logger } from "../plugins/plugin-context.js";
import type { SourcePlugin } from "../plugins/source.js";
import { AlertNotifier } from "../alerts/alert-notifier.js";
import { applySync, newRunId } from "../apply/apply-sync.js";
import { mappingOf } from "../plan/mapping-change.js";
import { planSync } from "../plan/plan-sync.js";
import { defineSync, type SyncDefinition } from "../plan/sync-definition.js";
import { noCounts, type PlanReport, type RunError, type RunRecord, type SyncReport } from "../reports.js";
import { readRun, readRunErrors } from "../state/run-history.js";
import { redactingLogger } from "./redacting-logger.js";
import type { ValueChecks } from "./value-checks.js";
import type { LoadedPlugin, LoadedPlugins } from "./load-project-plugins.js";
import type { PlanOptions, PluginInfo, Project, SyncOptions, ValidationReport } from "./project.js";
import { ProjectConnections } from "./project-connections.js";
import { messageOf, SyncChecks } from "./sync-checks.js";

/**
 * A project over a loaded config and its plugins: plan, sync, validate and the state commands, each as the
 * steps it takes. Connections (`ProjectConnections`) open lazily, once, and close together; the checks a
 * sync passes first live in `SyncChecks`.
 */
export class ConfiguredProject implements Project {
  readonly #connections: ProjectConnections;
  readonly #checks: SyncChecks;
  readonly #logger: Logger;
  readonly #alerts: AlertNotifier;

  constructor(
    readonly loaded: LoadedConfig,
    readonly pluginSet: LoadedPlugins,
    logger: Logger = silentLogger,
  ) {
    this.#logger = redactingLogger(logger);
    this.#connections = new ProjectConnections(loaded, pluginSet, this.#logger);
    this.#checks = new SyncChecks(this.#connections, loaded.file);
    this.#alerts = new AlertNotifier(loaded.config.alerts, this.#logger);
  }

  get file(): string {
    return this.loaded.file;
  }

  get config() {
    return this.loaded.config;
  }

  /** Name of the source holding the state tables. */
  get stateSourceName(): string {
    return this.#connections.stateSourceName;
  }

  /** Schema holding the state tables. */
  get stateSchema(): string {
    return this.#connections.stateSchema;
  }

  plugins(): PluginInfo[] {
    const infos: PluginInfo[] = [];
    const add = (kind: "source" | "destination", name: string, p: LoadedPlugin<SourcePlugin | DestinationPlugin>) => {
      const existing = infos.find((i) => i.kind === kind && i.package === p.package);
      if (existing) existing.usedBy.push(name);
      else infos.push({ kind, usedBy: [name], package: p.package, version: p.version, name: p.plugin.name, apiVersion: p.plugin.apiVersion });
    };
    for (const [name, p] of this.pluginSet.sources) add("source", name, p);
    for (const [name, p] of this.pluginSet.destinations) add("destination", name, p);
    return infos;
  }

  async validate(options: { offline: boolean }): Promise<ValidationReport> {
    const warnings = [...(this.loaded.warnings ?? []), ...(this.pluginSet.warnings ?? [])].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const report: ValidationReport = { file: this.file, offline: options.offline, connections: [], syncs: [], warnings, ok: true };
    // Loading the config made every check that needs no connection.
    if (options.offline) return report;
    for (const name of Object.keys(this.config.sources)) {
      report.connections.push(await this.#tryConnection("source", name, async () => void (await this.#connections.source(name))));
    }
    for (const name of Object.keys(this.config.destinations)) {
      report.connections.push(await this.#tryConnection("destination", name, async () => (await this.#connections.destination(name)).check()));
    }
    const reached = (kind: string, name: string) => report.connections.find((c) => c.kind === kind && c.name === name)?.ok;
    for (const def of this.#selected(undefined)) {
      if (!reached("source", def.sourceName) || !reached("destination", def.destinationName)) {
        report.syncs.push({ name: def.name, ok: false, problems: ["not checked: its source or destination could not be reached"] });
        continue;
      }
      try {
        const compiled = await this.#checks.compile(def, true);
        const values = await this.#checks.valueChecks(compiled.def);
        const issues = [...compiled.issues, ...values.issues];
        report.syncs.push({
          name: def.name,
          ok: issues.length === 0,
          problems: issues.map((i) => `${i.path}: ${i.message}`),
          ...(values.notes.length > 0 ? { notes: values.notes } : {}),
        });
      } catch (error) {
        report.syncs.push({ name: def.name, ok: false, problems: [messageOf(error)] });
      }
    }
    report.ok = report.connections.every((c) => c.ok) && report.syncs.every((s) => s.ok);
    return report;
  }

  async plan(options: PlanOptions = {}): Promise<PlanReport> {
    const report: PlanReport = { syncs: [] };
    for (const selected of this.#selected(options.syncs)) {
      const def = await this.#checks.compileOrThrow(selected, false);
      const source = await this.#connections.source(def.sourceName);
      const store = await this.#connections.store();
      const stateExists = await store.exists();
      options.onProgress?.({ sync: def.name, phase: "planning", done: 0 });
      const warnings = await this.#driftAndValueWarnings(def, false);
      const plan = await planSync({
        warehouse: source,
        def,
        state: stateExists ? { schema: this.stateSchema } : null,
        full: options.full ?? false,
        sampleSize: options.sampleSize ?? 5,
        syncedCount: stateExists ? store.countSynced(def.name) : 0,
      });
      plan.warnings.unshift(...warnings);
      report.syncs.push(plan);
    }
    return report;
  }

  async sync(options: SyncOptions = {}): Promise<SyncReport> {
    // Every mapping is checked before the first write of any sync.
    const compiled: SyncDefinition[] = [];
    const selected = this.#selected(options.syncs);
    if ((options.runId !== undefined || options.scheduledFor !== undefined) && selected.length !== 1) {
      throw new ConfigError(this.file, [{ path: "/syncs", message: `a run id names one run: select exactly one sync (got ${selected.length})` }]);
    }
    for (const def of selected) {
      try {
        compiled.push(await this.#checks.compileOrThrow(def, true));
      } catch (error) {
        await this.#recordRefusedRun(def, error, options.runId);
        throw error;
      }
    }
    const report: SyncReport = { syncs: [] };
    for (const def of compiled) {
      if (options.signal?.aborted) break;
      const source = await this.#connections.source(def.sourceName);
      const store = await this.#connections.store(true);
      const warnings = await this.#driftAndValueWarnings(def, true);
      const run = await applySync({
        warehouse: source,
        def,
        store,
        destination: await this.#connections.destination(def.destinationName),
        full: options.full ?? false,
        allowMassDelete: options.allowMassDelete ?? false,
        sampleSize: options.sampleSize ?? 5,
        signal: options.signal,
        abortSignal: options.abortSignal,
        onProgress: options.onProgress,
        logger: this.#logger,
        runId: options.runId,
        scheduledFor: options.scheduledFor,
        requestBudget: options.requestBudget,
        onRetry: options.onRetry && ((event) => options.onRetry!({ sync: def.name, destination: def.destinationName, ...event })),
      });
      run.warnings.unshift(...warnings);
      // The columns and mapping this run synced are the reference for the next run's drift checks.
      if (run.status !== "failed" && def.columnTypes) {
        await store.recordColumns(def.name, Object.fromEntries(def.columns.map((c) => [c, def.columnTypes![c] ?? "unknown"])), mappingOf(def));
      }
      await this.#alerts.afterRun(store, run);
      report.syncs.push(run);
    }
    return report;
  }

  /**
   * A sync refused before its run began (credentials the destination refuses, a column the model lost):
   * recorded as a failed run with the reason, so `runs`, the dashboard and alerts see a sync that cannot
   * run, not only one that fails while running. Never throws: the refusal itself is what the caller reports.
   */
  async #recordRefusedRun(def: SyncDefinition, refusal: unknown, runId: string = newRunId()): Promise<void> {
    try {
      const store = await this.#connections.store(true);
      const error = messageOf(refusal);
      await store.startRun({ runId, sync: def.name, full: false, pendingTable: "" });
      await store.finishRun(runId, { status: "failed", sent: 0, succeeded: 0, rejected: 0, failed: 0, error });
      const results = { succeeded: 0, rejected: 0, failed: 0 };
      await this.#alerts.afterRun(store, { name: def.name, runId, status: "failed", sent: 0, results, counts: noCounts(), error });
    } catch (error) {
      this.#logger.warn("could not record the refused run", { sync: def.name, error: messageOf(error) });
    }
  }

  async runs(options: { sync?: string; limit?: number } = {}): Promise<RunRecord[]> {
    if (options.sync) this.#selected([options.sync]);
    const store = await this.#connections.store();
    if (!(await store.exists())) return [];
    return store.runs(options);
  }

  async run(runId: string): Promise<RunRecord | undefined> {
    const store = await this.#connections.store();
    return (await store.exists()) ? readRun(store.db, runId) : undefined;
  }

  async runErrors(runId: string, limit = 100): Promise<RunError[]> {
    const store = await this.#connections.store();
    return (await store.exists()) ? readRunErrors(store.db, runId, limit) : [];
  }

  async checkStale(now?: Date): Promise<void> {
    const store = await this.#connections.store();
    if (await store.exists()) await this.#alerts.checkStale(store, Object.keys(this.config.syncs), now);
  }

  async resetState(sync: string): Promise<{ sync: string; deleted: number }> {
    this.#selected([sync]);
    const store = await this.#connections.store();
    if (!(await store.exists())) return { sync, deleted: 0 };
    return { sync, deleted: await store.reset(sync) };
  }

  /** Remove a run lock left behind by a process that cannot be checked (another host). */
  async unlock(sync: string): Promise<boolean> {
    this.#selected([sync]);
    const store = await this.#connections.store();
    if (!(await store.exists())) return false;
    return store.forceUnlock(sync);
  }

  async close(): Promise<void> {
    await this.#connections.close();
  }

  /**
   * Schema drift, and values the destination will refuse, found in the warehouse before anything is sent.
   * For a plan (`strict` false) a destination that cannot be reached only loses the value warnings.
   */
  async #driftAndValueWarnings(def: SyncDefinition, strict: boolean): Promise<string[]> {
    const warnings = await this.#checks.driftWarnings(def, await this.#connections.store());
    const none: ValueChecks = { issues: [], notes: [] };
    const values = strict ? await this.#checks.valueChecks(def) : await this.#checks.valueChecks(def).catch(() => none);
    warnings.push(...values.issues.map((i) => `${i.path}: ${i.message}; those rows will be rejected`), ...values.notes);
    return warnings;
  }

  async #tryConnection(kind: "source" | "destination", name: string, open: () => Promise<void>): Promise<ValidationReport["connections"][number]> {
    try {
      await open();
      return { kind, name, ok: true };
    } catch (error) {
      return { kind, name, ok: false, error: messageOf(error) };
    }
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
    return chosen.map((n) => {
      const columnOptions = this.pluginSet.destinations.get(this.config.syncs[n]!.destination)?.plugin.columnOptions;
      return defineSync(this.config, n, this.pluginSet.syncOptions?.get(n), columnOptions);
    });
  }
}
