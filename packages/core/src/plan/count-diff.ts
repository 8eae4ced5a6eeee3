import { sql, type Kysely } from "kysely";
import { noCounts, type PlanCounts } from "../reports.js";
import { rowExpressions, stateRowsQuery, type StateLocation } from "./classify-query.js";
import { modelColumn, type SyncDefinition } from "./sync-definition.js";
import type { Warehouse } from "./warehouse.js";

/** What the one-pass count finds: rows by class, and the keys of a few rows of each class to show. */
export interface DiffCounts {
  counts: PlanCounts;
  /** Key texts of sample rows, spread over the key space. */
  sampleKeys: { added: string[]; changed: string[]; removed: string[] };
  /** Model rows whose primary key is null (all of `counts.invalid`). */
  nullKeys: number;
}

type Flag = number | string | bigint | boolean;
type Count = number | string | bigint;
interface GroupRow {
  null_key: Flag;
  /** 1 where a state row matched (the key is not new), null where none did. */
  matched: Flag | null;
  b: number | string | bigint | null;
  n: Count;
  /** Matched rows whose fingerprint equals the state's. */
  same: Count | null;
  /** Smallest key of the group (an added sample where nothing matched). */
  sample_key: string | null;
  /** Smallest key of the group's matched rows whose fingerprint differs (a changed sample). */
  changed_key: string | null;
}

const on = (flag: Flag | null) => flag !== null && (Number(flag) === 1 || flag === true);

/**
 * Count a sync's rows by class with the cost of one pass: the model joined once with the state and
 * grouped into a handful of groups, beside a check that no key repeats.
 *
 * - One `model LEFT JOIN state` classifies each model row as added (no state row), unchanged (same
 *   fingerprint) or changed, and takes the smallest key of each (class, bucket) group as a sample. It has
 *   no full join and no per-key grouping, so a warehouse can run it in parallel.
 * - Removed rows are the state rows no model row matched: when keys are unique, the state's row count
 *   less the matched ones. Keys are checked for repeats by grouping on the key columns themselves, which a
 *   warehouse answers from the model's primary-key index when there is one. Equal key texts imply equal
 *   values, so finding no repeat by value proves there is none by text.
 *
 * The grouping names no state column, only the model's key (through its bucket) and a constant that the
 * join leaves null where no state row matched; whether a matched row is unchanged is counted, not grouped
 * on. PostgreSQL estimates groups from the statistics of the columns a grouping expression reads: grouped
 * on the state's key and fingerprint, it expected a million groups, found no use in a partial aggregate,
 * and ran the join and the aggregate in one process. Grouped so, it expects a few hundred and runs the
 * join as a parallel hash join under a partial aggregate (1e6 rows: 2.3-2.9 s -> 1.4 s at load 6).
 *
 * Where `SourceAdapter.fenceSubqueries` says so, the model's key and fingerprint are computed in a subquery
 * with a `WITH` of its own, which PostgreSQL plans apart instead of pulling it up: they are computed once per
 * row, in the model's (parallel) scan, where the planner would otherwise copy them into every expression
 * that uses them; and the planner has no statistics for them, so it does not take the key's for the groups'.
 * (`OFFSET 0`, the usual fence, also plans the subquery apart, but as a `Gather` of its own: the join above
 * it then ran in one process.)
 *
 * Returns undefined when some key repeats: then only the exact full diff can tell which rows are invalid.
 */
export async function countDiff(
  warehouse: Warehouse,
  def: SyncDefinition,
  state: StateLocation,
  /** The sync's state rows (`StateStore.countSynced`), 0 without state; a promise is awaited beside the diff. */
  stateRows: number | Promise<number>,
  sampleSize: number,
): Promise<DiffCounts | undefined> {
  const { db, functions: fns, adapter } = warehouse;
  const { key, fingerprint } = rowExpressions(warehouse, def);
  // Four buckets per sample wanted, so that a class of a few rows rarely has two of them share one.
  const buckets = Math.max(1, 4 * Math.trunc(sampleSize));
  const bucket = fns.bucket && sampleSize > 1 ? fns.bucket(sql.ref("k._retl_key"), buckets) : sql.lit(0);
  const stateSql = stateRowsQuery(def, state, sql`row_key, fingerprint`);
  const model = sql`(${sql.raw(def.modelSql)}) as m`;
  const keyed = sql`select ${key} as _retl_key, ${fingerprint} as _retl_fp from`;
  const fenced = adapter.fenceSubqueries ? sql`(with _retl_model as (${sql.raw(def.modelSql)}) ${keyed} _retl_model as m)` : sql`(${keyed} ${model})`;
  const same = sql`s.fingerprint = k._retl_fp`;

  const grouped = sql<GroupRow>`
    select
      case when k._retl_key is null then 1 else 0 end as null_key,
      s.matched,
      ${bucket} as b,
      count(*) as n,
      sum(case when ${same} then 1 else 0 end) as same,
      min(k._retl_key) as sample_key,
      min(case when ${same} then null else k._retl_key end) as changed_key
    from ${fenced} as k
    left join (select st.row_key, st.fingerprint, 1 as matched from (${stateSql}) as st) as s on s.row_key = k._retl_key
    group by 1, 2, 3`.execute(db);
  const [groups, repeats, synced] = await Promise.all([grouped, keysRepeat(warehouse, def), stateRows]);
  if (repeats) return undefined;

  const counts: PlanCounts = noCounts();
  const samples: Record<"added" | "changed", Array<{ b: number; key: string }>> = { added: [], changed: [] };
  for (const row of groups.rows) {
    const n = Number(row.n);
    const b = Number(row.b);
    if (on(row.null_key)) counts.invalid += n;
    else if (!on(row.matched)) {
      counts.added += n;
      if (row.sample_key !== null) samples.added.push({ b, key: row.sample_key });
    } else {
      const same = Number(row.same ?? 0);
      counts.unchanged += same;
      counts.changed += n - same;
      if (row.changed_key !== null) samples.changed.push({ b, key: row.changed_key });
    }
  }
  const matched = counts.changed + counts.unchanged;
  counts.removed = state ? Math.max(0, synced - matched) : 0;

  const pick = (list: Array<{ b: number; key: string }>) =>
    list
      .sort((x, y) => x.b - y.b)
      .slice(0, sampleSize)
      .map((s) => s.key);
  let removed: string[] = [];
  if (counts.removed > 0 && sampleSize > 0) {
    const rows = await sql<{ row_key: string }>`
      select s.row_key from (${stateSql}) as s
      where not exists (select 1 from ${model} where ${key} = s.row_key)
      limit ${sql.lit(Math.trunc(sampleSize))}`.execute(db);
    removed = rows.rows.map((r) => r.row_key);
  }
  return { counts, sampleKeys: { added: pick(samples.added), changed: pick(samples.changed), removed }, nullKeys: counts.invalid };
}

/**
 * Whether some primary key value appears in more than one model row (null keys aside). Groups on the key
 * columns themselves, which a warehouse answers from the model's primary-key index when there is one, and
 * stops at the first repeat. Equal key texts imply equal values, so no repeat by value means none by text.
 * A key type the warehouse cannot group by (PostgreSQL's `json`) answers true: the exact diff, which
 * groups key texts, then decides. A warehouse that proves the keys unique (`SourceAdapter.keysUnique`: a
 * unique index on them) spares the grouping.
 */
export async function keysRepeat({ db, adapter }: Warehouse, def: SyncDefinition): Promise<boolean> {
  try {
    if (adapter.keysUnique && (await adapter.keysUnique(db, def.modelSql, def.keyColumns.map((c) => modelColumn(def, c))).catch(() => false))) return false;
    return await findRepeat(db, def);
  } catch {
    return true;
  }
}

async function findRepeat(db: Kysely<unknown>, def: SyncDefinition): Promise<boolean> {
  const m = (column: string) => sql.id("m", modelColumn(def, column));
  const keyColumns = sql.join(def.keyColumns.map((c) => m(c)));
  const notNull = sql.join(
    def.keyColumns.map((c) => sql`${m(c)} is not null`),
    sql` and `,
  );
  const repeated = await sql<{ one: number }>`
    select 1 as one from (${sql.raw(def.modelSql)}) as m where ${notNull} group by ${keyColumns} having count(*) > 1 limit 1`.execute(db);
  return repeated.rows.length > 0;
}
