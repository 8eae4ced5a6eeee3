import type { ConfigIssue } from "../errors.js";
import type { DestinationCapabilities, ObjectDescription } from "../plugins/destination.js";
import type { ColumnInfo } from "../plugins/source.js";
import { caseInsensitiveMatches, modelColumn, type SyncDefinition } from "../plan/sync-definition.js";
import type { ValueKind } from "../values/value-kind.js";

/** How the message of a problem that is schema drift (a column the last run had is gone) begins. */
export const SCHEMA_DRIFT = "schema drift:";

/**
 * Check a sync's mapping against the model's columns and the destination object's description, before
 * any write. Returns every problem, each with the config path to fix.
 */
export function checkMapping(
  def: SyncDefinition,
  columns: readonly ColumnInfo[],
  description: ObjectDescription | undefined,
  capabilities: DestinationCapabilities | undefined,
  /** Columns (name -> type) the sync last ran with, to tell schema drift from a typo. */
  previous?: Record<string, string>,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const names = new Set(columns.map((c) => c.name));
  const available = columns.map((c) => c.name).join(", ");
  const missing = (column: string) => {
    const matches = caseInsensitiveMatches(column, columns);
    return matches.length > 1
      ? `column "${column}" is not in model "${def.modelName}", and ignoring case it matches ${matches.map((m) => `"${m}"`).join(", ")}: write the one meant with its exact case`
      : missingOrDrifted(column);
  };
  const missingOrDrifted = (column: string) =>
    previous?.[column]
      ? `${SCHEMA_DRIFT} column "${column}" (${previous[column]}) was in model "${def.modelName}" at the last sync and is gone now ` +
        `(its columns: ${available}); restore it in the model's SQL or change the mapping`
      : `column "${column}" is not in model "${def.modelName}" (its columns: ${available})`;
  const keyPath = `/models/${def.modelName}/primaryKey`;
  const present = (column: string) => names.has(modelColumn(def, column));
  for (const column of def.keyColumns) {
    if (!present(column)) issues.push({ path: keyPath, message: `primary key ${missing(column)}` });
  }
  for (const [column] of def.fields) {
    if (!present(column)) issues.push({ path: `/syncs/${def.name}/fields/${column}`, message: missing(column) });
  }
  for (const [field, column] of def.match) {
    if (!present(column)) issues.push({ path: `/syncs/${def.name}/match/${field}`, message: missing(column) });
  }
  for (const [option, column] of def.optionColumns) {
    if (!names.has(column)) issues.push({ path: `/syncs/${def.name}/options/${option}`, message: missing(column) });
  }
  for (const column of names) {
    if (column.startsWith("_retl_")) {
      issues.push({ path: `/models/${def.modelName}/sql`, message: `column "${column}": names starting with _retl_ are reserved by reverse-etl; rename it` });
    }
  }
  if (capabilities && !capabilities.modes.includes(def.mode)) {
    issues.push({
      path: `/syncs/${def.name}/mode`,
      message: `destination "${def.destinationName}" does not support mode "${def.mode}"; it supports: ${capabilities.modes.join(", ")}`,
    });
  }
  if (!description) return issues;
  const objectName = def.object ? `object "${def.object}"` : "the destination";
  if (description.requiresMatch && def.match.length === 0) {
    issues.push({
      path: `/syncs/${def.name}/match`,
      message: `${objectName} of destination "${def.destinationName}" needs match (identifier <- column); identifiers: ${description.identifiers.join(", ")}`,
    });
  }
  for (const needed of description.requiredIdentifiers ?? []) {
    if (needed.length === 0 || def.match.some(([field]) => needed.includes(field))) continue;
    const what = needed.length === 1 ? `"${needed[0]}"` : `one of ${needed.map((f) => `"${f}"`).join(", ")}`;
    issues.push({
      path: `/syncs/${def.name}/match`,
      message: `${objectName} of destination "${def.destinationName}" needs ${what} in match (identifier <- column); this sync maps ${def.match.length > 0 ? def.match.map(([f]) => f).join(", ") : "none"}`,
    });
  }
  for (const [field] of def.match) {
    if (description.identifiers.length > 0 && !description.identifiers.includes(field)) {
      issues.push({
        path: `/syncs/${def.name}/match/${field}`,
        message: `"${field}" is not an identifier of ${objectName}; use one of: ${description.identifiers.join(", ")}`,
      });
    }
  }
  if (description.acceptsAnyField) return issues;
  const fields = new Map(description.fields.map((f) => [f.name, f]));
  const byName = new Map(columns.map((c) => [c.name, c]));
  for (const [column, field] of def.fields) {
    const known = fields.get(field);
    const info = byName.get(modelColumn(def, column));
    const mismatch = known && typeMismatch(info?.kind, known.type);
    if (mismatch) {
      issues.push({
        path: `/syncs/${def.name}/fields/${column}`,
        message: `type mismatch: column "${column}" is ${info?.type} but field "${field}" of ${objectName} is ${mismatch}; cast the column in the model's SQL or map another field`,
      });
    }
    if (!known) {
      issues.push({
        path: `/syncs/${def.name}/fields/${column}`,
        message: `field "${field}" does not exist on ${objectName} of destination "${def.destinationName}"; create it there or map to an existing field`,
      });
    } else if (known.readOnly) {
      issues.push({ path: `/syncs/${def.name}/fields/${column}`, message: `field "${field}" of ${objectName} is read-only; map to a writable field` });
    }
  }
  // Syncs that create records must give every field a record cannot be created without.
  if (def.mode !== "update") {
    const mapped = new Set([...def.fields.map(([, field]) => field), ...def.match.map(([field]) => field)]);
    for (const field of description.fields) {
      if (!field.required || mapped.has(field.name)) continue;
      issues.push({
        path: `/syncs/${def.name}/fields`,
        message: `field "${field.name}" of ${objectName} is required to create records, and mode "${def.mode}" creates them; map a column to it`,
      });
    }
  }
  return issues;
}

/** Destination field types that only take some value kinds (text is accepted by all: checked per value). */
const ACCEPTS: Record<string, readonly ValueKind[]> = {
  number: ["integer", "decimal", "float", "text"],
  bool: ["boolean", "text", "integer", "decimal", "float"],
  boolean: ["boolean", "text", "integer", "decimal", "float"],
  date: ["date", "timestamp", "text"],
  datetime: ["date", "timestamp", "text", "integer", "decimal", "float"],
  // Multi-select enumerations take lists (and structured values the destination splits) too.
  enumeration: ["text", "boolean", "integer", "decimal", "float", "array", "json"],
};

/** Why a column of `kind` cannot fill a field of `fieldType` (e.g. "a number"), or undefined. */
export function typeMismatch(kind: ValueKind | undefined, fieldType: string | undefined): string | undefined {
  if (!kind || !fieldType) return undefined;
  const accepted = ACCEPTS[fieldType.toLowerCase()];
  if (!accepted) return undefined;
  return accepted.includes(kind) ? undefined : `a ${fieldType} (it takes ${describeKinds(accepted)} values)`;
}

/** Kinds as users read them: the numeric kinds as one "number". */
function describeKinds(kinds: readonly ValueKind[]): string {
  const numeric = ["integer", "decimal", "float"];
  const names = kinds.map((k) => (numeric.includes(k) ? "number" : k));
  return [...new Set(names)].join(", ");
}
