import type { SyncDefinition } from "./sync-definition.js";

/**
 * The part of a sync's config that every row's fingerprint covers (see `SyncDefinition.signature`), as the
 * state store records it after a run: the destination object, `fields` (model column -> destination
 * field) and `match` (destination identifier field <- model column).
 */
export interface RecordedMapping {
  /** The destination object, or null for the destination's default. */
  object: string | null;
  /** Model column -> destination field. */
  fields: Record<string, string>;
  /** Destination identifier field <- model column. */
  match: Record<string, string>;
  /** Sync option -> the model column it names (`columnOptions`, e.g. Segment's `eventColumn`); absent when none. */
  optionColumns?: Record<string, string>;
}

/** The mapping of a sync, in the shape the state store records. */
export function mappingOf(def: SyncDefinition): RecordedMapping {
  return {
    object: def.object ?? null,
    fields: Object.fromEntries(def.fields),
    match: Object.fromEntries(def.match),
    ...(def.optionColumns.length > 0 ? { optionColumns: Object.fromEntries(def.optionColumns) } : {}),
  };
}

/**
 * Why every row of a sync is about to be sent again: how its mapping differs from the one it last ran with.
 * The mapping is part of every row's fingerprint, so any difference here classifies every synced row as
 * `changed`, and without this warning a plan would show thousands of changed rows whose values did not
 * change. Returns no warning when nothing was recorded (first run, or state written by an older version)
 * or when the mapping is the same; the order of entries in the config does not count, as the fingerprint
 * ignores it too.
 */
export function mappingChangeWarnings(previous: RecordedMapping | undefined, def: SyncDefinition): string[] {
  if (!previous) return [];
  const current = mappingOf(def);
  const changes = [
    ...objectChange(previous.object ?? null, current.object),
    ...fieldChanges(previous.fields ?? {}, current.fields),
    ...matchChange(previous.match ?? {}, current.match),
    ...optionColumnChanges(previous.optionColumns ?? {}, current.optionColumns ?? {}),
  ];
  if (changes.length === 0) return [];
  const consequence =
    def.mode === "insert"
      ? "insert mode sends new rows only, so rows synced before are not sent again and keep what the old mapping wrote"
      : "every row will be sent again, because a row's fingerprint covers the mapping";
  return [`mapping changed since the last sync: ${changes.join("; ")}; ${consequence}`];
}

function objectChange(before: string | null, after: string | null): string[] {
  if (before === after) return [];
  const name = (object: string | null) => (object === null ? "the destination's default" : `"${object}"`);
  return [`object is now ${name(after)} (was ${name(before)}); records written to the old object stay there`];
}

/**
 * Field differences, column by column: a column whose field changed is a rename; a field that moved to
 * another column says so; what is left was added or removed.
 */
function fieldChanges(before: Record<string, string>, after: Record<string, string>): string[] {
  const changes: string[] = [];
  const removed = new Map<string, string>(); // field -> column, for fields no column maps to any more
  const added = new Map<string, string>();
  for (const [column, field] of Object.entries(after)) {
    const was = before[column];
    if (was === undefined) added.set(field, column);
    else if (was !== field) changes.push(`column "${column}" now maps to field "${field}" (was "${was}")`);
  }
  for (const [column, field] of Object.entries(before)) {
    if (after[column] === undefined) removed.set(field, column);
  }
  for (const [field, column] of added) {
    const was = removed.get(field);
    if (was !== undefined) {
      changes.push(`field "${field}" now comes from column "${column}" (was "${was}")`);
      removed.delete(field);
    } else {
      changes.push(`column "${column}" is newly mapped to field "${field}"`);
    }
  }
  for (const [field, column] of removed) {
    changes.push(`column "${column}" no longer maps to field "${field}" (the destination keeps the value last sent)`);
  }
  return changes;
}

function matchChange(before: Record<string, string>, after: Record<string, string>): string[] {
  const text = (match: Record<string, string>) => {
    const entries = Object.entries(match).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return entries.length === 0 ? "none" : entries.map(([field, column]) => `field "${field}" <- column "${column}"`).join(", ");
  };
  const was = text(before);
  const now = text(after);
  return was === now ? [] : [`match is now ${now} (was ${was})`];
}

function optionColumnChanges(before: Record<string, string>, after: Record<string, string>): string[] {
  const options = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return options.flatMap((option) => {
    const was = before[option];
    const now = after[option];
    if (was === now) return [];
    if (was === undefined) return [`option ${option} now names column "${now}"`];
    if (now === undefined) return [`option ${option} no longer names a column (was "${was}")`];
    return [`option ${option} now names column "${now}" (was "${was}")`];
  });
}
