import { sql, type RawBuilder } from "kysely";
import type { Warehouse } from "./warehouse.js";
import { modelColumn, type SyncDefinition } from "./sync-definition.js";

/** How a model row (or a synced row that left the model) compares with the state. */
export type RowClass = "added" | "changed" | "unchanged" | "removed" | "invalid";

/** Columns every classified row carries beside the model's own columns. */
export interface ClassifiedMeta {
  _retl_class: RowClass;
  /** Primary key as text (JSON object text for composite keys); null for a null key. */
  _retl_key: string | null;
  /** Primary key columns as JSON object text. */
  _retl_key_value: string | null;
  /** Mapped values as the warehouse's JSON object text, keyed by model column. */
  _retl_values: string | null;
  /** Hash of the mapping signature and the mapped values. */
  _retl_fp: string | null;
  /** Last delivered values (JSON text), for changed and removed rows. */
  _retl_state_values: string | null;
  /** Number of model rows sharing the key (more than 1 makes them invalid). */
  _retl_n: number | string | bigint | null;
}

/** Where the state lives, or that there is none yet (plan before the first sync). */
export type StateLocation = { schema: string } | null;

/**
 * What a diff query returns: `rows`, every classified row with its values (snapshots, samples), or
 * `classes`, the class of each row alone (counts). Warehouses cannot prune the columns of a UNION, so
 * counting asks for nothing it does not use: no key or value texts beyond what the fingerprint needs.
 */
export type ClassifyShape = "rows" | "classes";

/**
 * The diff, in one query that runs inside the warehouse: the model's rows keyed and fingerprinted,
 * joined with the sync's state. Every constant is inlined as an escaped literal (no bind parameters), so
 * the query also works inside `CREATE TABLE ... AS` on warehouses that refuse parameters there.
 */
/** SQL for one model row (alias `m`): its key as text, whether the key is null, and its fingerprint. */
export function rowExpressions({ functions: fns }: Warehouse, def: SyncDefinition) {
  const m = (column: string) => sql.id("m", modelColumn(def, column));
  const typed = (c: string) => [c, m(c), def.columnTypes?.[c]] as const;
  const keyJson = fns.jsonObject(def.keyColumns.map(typed));
  const nullKey = sql.join(
    def.keyColumns.map((c) => sql`${m(c)} is null`),
    sql` or `,
  );
  const keyText = def.keyColumns.length === 1 ? fns.toText(m(def.keyColumns[0]!)) : keyJson;
  const entries = def.mappedColumns.map(typed);
  const values = fns.jsonObject(entries);
  return {
    m,
    nullKey,
    keyJson,
    /** The key as text, null when a key column is null (a null key matches nothing). */
    key: sql<string | null>`case when ${nullKey} then null else ${keyText} end`,
    values,
    fingerprint: fns.fingerprint ? fns.fingerprint(def.signature, entries) : fns.hash(sql`${sql.lit(def.signature)} || ${values}`),
  };
}

/** The sync's state rows (alias-free select of `columns`), or no rows when there is no state yet. */
export function stateRowsQuery(def: SyncDefinition, state: StateLocation, columns: RawBuilder<unknown>, keys?: readonly string[]) {
  if (!state) {
    return sql`select cast(null as varchar) as row_key, cast(null as varchar) as key_value, cast(null as varchar) as fingerprint, cast(null as varchar) as row_values where 1 = 0`;
  }
  const only = keys ? sql` and row_key in (${sql.join(keys.map((k) => sql.lit(k)))})` : sql``;
  return sql`select ${columns} from ${sql.id(state.schema, "sync_state")} where sync_name = ${sql.lit(def.name)}${only}`;
}


/**
 * For a one-column key of a simple type, the key values themselves (`and m.id in (cast('7' as bigint), ...)`)
 * beside the key texts: a warehouse can then look the few rows up in the model's primary-key index instead of
 * turning every key into text. Empty for other keys.
 */
function keyValueFilter(def: SyncDefinition, keys: readonly string[]): RawBuilder<unknown> {
  const column = def.keyColumns.length === 1 ? def.keyColumns[0]! : undefined;
  const type = column ? def.columnTypes?.[column] : undefined;
  const kind = column ? def.columnKinds?.[column] : undefined;
  // Integers and texts cast back from their text to the value they were made from, in every warehouse.
  if (!column || !type || (kind !== "integer" && kind !== "text")) return sql``;
  const values = keys.map((k) => sql`cast(${sql.lit(k)} as ${sql.raw(type)})`);
  return sql` and ${sql.id("m", modelColumn(def, column))} in (${sql.join(values)})`;
}

export function classifyQuery(
  warehouse: Warehouse,
  def: SyncDefinition,
  state: StateLocation,
  shape: ClassifyShape = "rows",
  /** Only the rows with these keys (key texts, never empty): samples. */
  keys?: readonly string[],
): RawBuilder<ClassifiedMeta> {
  const rows = shape === "rows";
  const { m, nullKey, keyJson, key, values, fingerprint } = rowExpressions(warehouse, def);
  const modelColumns = sql.join(def.columns.map((c) => sql`${m(c)} as ${sql.id(c)}`));
  const kColumns = sql.join(def.columns.map((c) => sql.id("k", c)));

  const stateColumns = rows ? sql`row_key, key_value, fingerprint, row_values` : sql`row_key, fingerprint`;
  const stateRows = stateRowsQuery(def, state, stateColumns, keys);
  const onlyKeys = keys ? sql`where ${key} in (${sql.join(keys.map((k) => sql.lit(k)))})${keyValueFilter(def, keys)}` : sql``;

  const keyed = rows
    ? sql`${keyJson} as _retl_key_value, ${values} as _retl_values, ${fingerprint} as _retl_fp,
    case when ${nullKey} then 1 else 0 end as _retl_null_key, ${modelColumns}`
    : sql`${fingerprint} as _retl_fp, case when ${nullKey} then 1 else 0 end as _retl_null_key`;
  // A state row with no model row comes out of the full join with every `k` column null.
  const rowColumns = rows
    ? sql`, coalesce(k._retl_key, s.row_key) as _retl_key, coalesce(k._retl_key_value, s.key_value) as _retl_key_value,
  k._retl_values, coalesce(k._retl_fp, s.fingerprint) as _retl_fp, s.row_values as _retl_state_values,
  case when k._retl_null_key is null then null else coalesce(d._retl_n, 1) end as _retl_n, ${kColumns}`
    : sql``;

  // `k` is read twice; only the main join needs its wide columns, so it is not materialized: the
  // duplicate check then computes nothing but the key. One full join with the state finds added,
  // changed, unchanged and removed rows while reading each side once.
  return sql<ClassifiedMeta>`
with k as ${warehouse.adapter.inlineCte ? sql`not materialized ` : sql``}(
  select
    ${key} as _retl_key,
    ${keyed}
  from (${sql.raw(def.modelSql)}) as m
  ${onlyKeys}
),
d as (
  select k._retl_key, count(*) as _retl_n from k where k._retl_key is not null
  group by k._retl_key having count(*) > 1
),
s as (${stateRows})
select
  case when k._retl_null_key is null then 'removed'
       when k._retl_null_key = 1 or d._retl_key is not null then 'invalid'
       when s.row_key is null then 'added'
       when s.fingerprint = k._retl_fp then 'unchanged'
       else 'changed' end as _retl_class${rowColumns}
from k
full join s on s.row_key = k._retl_key
left join d on d._retl_key = k._retl_key`;
}

/**
 * The rows of the given classes, for a model whose keys are known not to repeat (`keysRepeat`): the model
 * joined once with the state, `LEFT JOIN` rather than a full join (which some warehouses cannot run in
 * parallel) and without the duplicate check's grouping. Columns and classes are `classifyQuery`'s; null
 * keys are `invalid`. With `removed`, the state rows no model row matches follow, by an anti-join.
 * The class is tested before the row's columns are built, so unchanged rows cost their fingerprint alone.
 */
export function classifyJoinQuery(
  warehouse: Warehouse,
  def: SyncDefinition,
  state: StateLocation,
  classes: readonly RowClass[],
  removed: boolean,
): RawBuilder<ClassifiedMeta> {
  const { m, nullKey, keyJson, key, values, fingerprint } = rowExpressions(warehouse, def);
  const stateRows = stateRowsQuery(def, state, sql`row_key, key_value, fingerprint, row_values`);
  const modelRows = sql`(${sql.raw(def.modelSql)}) as m`;
  const cls = sql`case when ${nullKey} then 'invalid' when s.row_key is null then 'added'
    when s.fingerprint = ${fingerprint} then 'unchanged' else 'changed' end`;
  const modelColumns = sql.join(def.columns.map((c) => sql`${m(c)} as ${sql.id(c)}`));
  const wanted = sql.join([...classes, "__none__"].map((c) => sql.lit(c)));
  // Where the warehouse looks state values up by key, the join reads keys and fingerprints alone, and the
  // changed rows (a few, day to day; unchanged ones only when `--full` resends them) find their last
  // delivered values in the state's primary key after.
  const byKey = warehouse.adapter.lookUpStateValues === true && state !== null;
  const joined = byKey ? stateRowsQuery(def, state, sql`row_key, fingerprint`) : stateRows;
  const rows = sql`
  select ${cls} as _retl_class, ${key} as _retl_key, ${keyJson} as _retl_key_value, ${values} as _retl_values,
    ${fingerprint} as _retl_fp, ${byKey ? sql`cast(null as varchar)` : sql`s.row_values`} as _retl_state_values, 1 as _retl_n, ${modelColumns}
  from ${modelRows}
  left join (${joined}) as s on s.row_key = ${key}
  ${keepClasses(classes, sql`${cls} in (${wanted})`, sql`(${nullKey}) or s.row_key is null or s.fingerprint is distinct from ${fingerprint}`)}`;
  const columns = sql.join(def.columns.map((c) => sql.id("r", c)));
  const written = byKey
    ? sql`
  select r._retl_class, r._retl_key, r._retl_key_value, r._retl_values, r._retl_fp, v.row_values as _retl_state_values, r._retl_n, ${columns}
  from (${rows}) as r
  left join ${sql.id(state.schema, "sync_state")} as v
    on r._retl_class in ('changed', 'unchanged') and v.sync_name = ${sql.lit(def.name)} and v.row_key = r._retl_key`
    : rows;
  if (!removed || !state) return sql<ClassifiedMeta>`${written}`;
  const noColumns = sql.join(def.columns.map((c) => sql`null as ${sql.id(c)}`));
  return sql<ClassifiedMeta>`${written}
  union all
  select 'removed', s.row_key, s.key_value, null, s.fingerprint, s.row_values, null, ${noColumns}
  from (${stateRows}) as s
  where not exists (select 1 from ${modelRows} where ${key} = s.row_key)`;
}

/**
 * The WHERE clause keeping the model rows of `classes`. A snapshot keeps every class but `unchanged` (or all of
 * them under `--full`): that is said with the classes' own conditions rather than by testing the class's CASE
 * against a list, which DuckDB plans as two mark joins that each compute every row's fingerprint again (1e6
 * rows, 1 % changed: the snapshot took 1.34-1.45 s, 0.84-0.90 s so). Any other set keeps `byList`.
 */
function keepClasses(classes: readonly RowClass[], byList: RawBuilder<unknown>, notUnchanged: RawBuilder<unknown>): RawBuilder<unknown> {
  const has = (c: RowClass) => classes.includes(c);
  if (!has("added") || !has("changed") || !has("invalid")) return sql`where ${byList}`;
  return has("unchanged") ? sql`` : sql`where ${notUnchanged}`;
}

/** Classes that a sync sends, by mode. `--full` also resends unchanged rows. */
export function classesToSend(mode: SyncDefinition["mode"], full: boolean): { write: RowClass[]; delete: RowClass[] } {
  const resend: RowClass[] = full ? ["unchanged"] : [];
  switch (mode) {
    case "insert":
      return { write: full ? ["added", "changed", "unchanged"] : ["added"], delete: [] };
    case "mirror":
      return { write: ["added", "changed", ...resend], delete: ["removed"] };
    default:
      return { write: ["added", "changed", ...resend], delete: [] };
  }
}
