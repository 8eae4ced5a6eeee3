import type { PlanCounts, SyncPlan } from "@reverse-etl/core";

/** `added 3 · changed 2 · removed 0 · unchanged 10 · invalid 1`. */
export function formatCounts(counts: PlanCounts): string {
  return `added ${counts.added} · changed ${counts.changed} · removed ${counts.removed} · unchanged ${counts.unchanged} · invalid ${counts.invalid}`;
}

/** `customers -> crm/contacts (upsert)`: where a sync reads and writes. */
export function formatRoute(plan: Pick<SyncPlan, "model" | "destination" | "object" | "mode" | "full">): string {
  const target = plan.object ? `${plan.destination}/${plan.object}` : plan.destination;
  return `${plan.model} -> ${target} (${plan.mode}${plan.full ? ", full resync" : ""})`;
}

/** `5 writes, 1 delete`: what a plan would send. */
export function formatOperations(operations: SyncPlan["operations"]): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  return `${plural(operations.write, "write")}, ${plural(operations.delete, "delete")}`;
}
