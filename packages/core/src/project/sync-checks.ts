import { sql } from "kysely";
import { ConfigError, ReverseEtlError, SchemaDriftError, withoutPrefix, type ConfigIssue } from "../errors.js";
import { mappingChangeWarnings } from "../plan/mapping-change.js";
import { modelColumn, withModelColumns, type SyncDefinition } from "../plan/sync-definition.js";
import { secrets } from "../secrets/redactor.js";
import type { StateStore } from "../state/state-store.js";
import { checkMapping, SCHEMA_DRIFT } from "./check-mapping.js";
import type { ProjectConnections } from "./project-connections.js";
import { enumerationIssues, lengthIssues, type ValueChecks } from "./value-checks.js";

/** A sync compiled against its model's columns, or the problems that stop it. */
export type CompiledSync = { def: SyncDefinition; issues: ConfigIssue[] };

/**
 * The checks a sync passes before plan or sync use it: its model's columns against its mapping (and the
 * destination object's description, when asked), the values a destination field cannot take, and schema
 * drift since the last run. Every problem names the config path to fix.
 */
export class SyncChecks {
  constructor(
    private readonly connections: ProjectConnections,
    private readonly file: string,
  ) {}

  /**
   * Describe the sync's model and check its mapping; with `withDestination`, against the destination
   * object too. Returns the definition with its model's column types and kinds, and every problem.
   */
  async compile(def: SyncDefinition, withDestination: boolean): Promise<CompiledSync> {
    const stateSource = this.connections.stateSourceName;
    if (def.sourceName !== stateSource) {
      return { def, issues: [{ path: `/models/${def.modelName}/source`, message: modelOutsideState(def, stateSource) }] };
    }
    const source = await this.connections.source(def.sourceName);
    let columns;
    try {
      columns = await source.connection.describeQuery(def.modelSql);
    } catch (error) {
      return { def, issues: [{ path: `/models/${def.modelName}/sql`, message: `the model's SQL failed: ${messageOf(error)}` }] };
    }
    const compiled = withModelColumns(def, columns);
    const destination = withDestination ? await this.connections.destination(def.destinationName) : undefined;
    const description = withDestination ? await this.connections.describe(def) : undefined;
    const previous = await (await this.connections.store()).recordedColumns(def.name);
    return { def: compiled, issues: checkMapping(compiled, columns, description, destination?.capabilities, previous) };
  }

  /** `compile`, throwing a `ConfigError` with every problem when there is one. */
  async compileOrThrow(def: SyncDefinition, withDestination: boolean): Promise<SyncDefinition> {
    const { def: compiled, issues } = await this.compile(def, withDestination);
    if (issues.some((issue) => issue.message.includes(SCHEMA_DRIFT))) throw new SchemaDriftError(this.file, issues);
    if (issues.length > 0) throw new ConfigError(this.file, issues);
    return compiled;
  }

  /**
   * Model values a destination field cannot take, found in the warehouse before any write: values of an
   * enumeration that are not among its options, texts longer than their field. `notes` names the checks
   * the source could not make.
   */
  async valueChecks(def: SyncDefinition): Promise<ValueChecks> {
    const description = await this.connections.describe(def);
    if (description.acceptsAnyField) return { issues: [], notes: [] };
    const source = await this.connections.source(def.sourceName);
    const lengths = await lengthIssues(source, def, description);
    return { issues: [...(await enumerationIssues(source, def, description)), ...lengths.issues], notes: lengths.notes };
  }

  /** A mapping or column types changed since the sync last ran: their rows may all be resent. */
  async driftWarnings(def: SyncDefinition, store: StateStore): Promise<string[]> {
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
}

/** The message for a model that is not on the state source: the diff joins model and state in one warehouse. */
export function modelOutsideState(def: SyncDefinition, stateSource: string): string {
  return `model source "${def.sourceName}" is not the state source "${stateSource}": the diff runs inside the warehouse, so a sync's model and its state must live in the same source (set state.source)`;
}

/** An error's message for a report: without the `[reverse-etl]` prefix, secrets redacted. */
export function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return secrets.redact(withoutPrefix(text));
}
