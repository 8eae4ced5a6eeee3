import { sql } from "kysely";
import type { ConfigIssue } from "../errors.js";
import type { FieldDescription, ObjectDescription } from "../plugins/destination.js";
import { rowExpressions } from "../plan/classify-query.js";
import { modelColumn, type SyncDefinition } from "../plan/sync-definition.js";
import type { Warehouse } from "../plan/warehouse.js";

/** What the value checks found, and the checks they could not make (with why). */
export interface ValueChecks {
  /** Model values the destination will refuse; each names the config path to fix. */
  readonly issues: ConfigIssue[];
  /** Checks that were not possible here, e.g. a source that cannot measure text in SQL. */
  readonly notes: string[];
}

/** A text column written to a destination field, with the config path that maps it. */
interface MappedText {
  readonly column: string;
  readonly field: FieldDescription;
  readonly path: string;
}

/** Mapped text columns (fields, then match values, which are written too) whose field has a description. */
function mappedTexts(def: SyncDefinition, description: ObjectDescription): MappedText[] {
  const fields = new Map(description.fields.map((f) => [f.name, f]));
  const pairs = [
    ...def.fields.map(([column, field]) => ({ column, field, path: `/syncs/${def.name}/fields/${column}` })),
    ...def.match.map(([field, column]) => ({ column, field, path: `/syncs/${def.name}/match/${field}` })),
  ];
  return pairs.flatMap(({ column, field, path }) => {
    const known = fields.get(field);
    return known && def.columnKinds?.[column] === "text" ? [{ column, field: known, path }] : [];
  });
}

function objectNameOf(def: SyncDefinition): string {
  return def.object ? `object "${def.object}"` : "the destination";
}

/**
 * Values of an enumeration that are not among its options (up to five shown), one query per field.
 * Multi-select values (`a;b`) are left to the destination.
 */
export async function enumerationIssues(warehouse: Warehouse, def: SyncDefinition, description: ObjectDescription): Promise<ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  for (const { column, field, path } of mappedTexts(def, description)) {
    const options = field.options;
    if (field.type !== "enumeration" || !options?.length) continue;
    const ref = sql.id("m", modelColumn(def, column));
    const value = warehouse.functions.toText(ref);
    const rows = await sql<{ v: string }>`
      select distinct ${value} as v from (${sql.raw(def.modelSql)}) as m
      where ${ref} is not null and ${value} not in (${sql.join(options)})
        and not ${warehouse.adapter.contains(value, sql.lit(";"))}
      limit 5`.execute(warehouse.db);
    if (rows.rows.length === 0) continue;
    issues.push({
      path,
      message:
        `column "${column}" holds values that are not options of enumeration "${field.name}" of ${objectNameOf(def)}: ` +
        `${rows.rows.map((r) => JSON.stringify(r.v)).join(", ")}; its options: ${options.slice(0, 12).join(", ")}${options.length > 12 ? ", ..." : ""}`,
    });
  }
  return issues;
}

/**
 * Text values longer than their field takes (`FieldDescription.length`), measured in the warehouse in one
 * pass over the model: per field, how many rows are too long, the longest length and one row's key. A
 * source without `SqlFunctions.textLength` cannot measure: the check is skipped with a note.
 */
export async function lengthIssues(warehouse: Warehouse, def: SyncDefinition, description: ObjectDescription): Promise<ValueChecks> {
  const limited = mappedTexts(def, description).filter((t) => (t.field.length ?? 0) > 0);
  if (limited.length === 0) return { issues: [], notes: [] };
  const textLength = warehouse.functions.textLength?.bind(warehouse.functions);
  if (!textLength) {
    const fields = limited.map((t) => `"${t.field.name}"`).join(", ");
    return {
      issues: [],
      notes: [`lengths not checked: source "${def.sourceName}" cannot measure text in SQL (its SqlFunctions have no textLength); values longer than ${fields} are refused by the destination when sent`],
    };
  }
  const { key } = rowExpressions(warehouse, def);
  const measures = limited.map(({ column, field }, i) => {
    const length = textLength(sql.id("m", modelColumn(def, column)));
    const tooLong = sql`${length} > ${sql.lit(field.length)}`;
    return sql`sum(case when ${tooLong} then 1 else 0 end) as ${sql.id(`n${i}`)}, max(${length}) as ${sql.id(`x${i}`)},
      min(case when ${tooLong} then ${key} end) as ${sql.id(`k${i}`)}`;
  });
  const { rows } = await sql<Record<string, unknown>>`select ${sql.join(measures)} from (${sql.raw(def.modelSql)}) as m`.execute(warehouse.db);
  const counts = rows[0] ?? {};
  const issues = limited.flatMap(({ column, field, path }, i): ConfigIssue[] => {
    const count = Number(counts[`n${i}`] ?? 0);
    if (!(count > 0)) return [];
    const rowsText = count === 1 ? `1 row (key "${counts[`k${i}`]}") has` : `${count} rows (e.g. key "${counts[`k${i}`]}") have`;
    return [
      {
        path,
        message:
          `column "${column}" holds text longer than field "${field.name}" of ${objectNameOf(def)} takes (${field.length} characters): ` +
          `${rowsText} up to ${Number(counts[`x${i}`])} characters; shorten them in the model's SQL (e.g. left(${column}, ${field.length}))`,
      },
    ];
  });
  return { issues, notes: [] };
}
