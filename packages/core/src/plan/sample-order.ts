import type { FieldValue } from "../values/field-value.js";
import type { PlanSample, SyncPlan } from "../reports.js";

/**
 * A plan's samples in key order within each class (numbers by value (big integers too), anything else by its JSON text, a
 * null key last), so a plan reads like a sorted table and two plans of the same change compare line by
 * line. Which rows are sampled is the warehouse's choice; only their order is set here.
 */
export function inKeyOrder(samples: SyncPlan["samples"]): SyncPlan["samples"] {
  const sorted = (list: PlanSample[]) => [...list].sort((a, b) => compareKeys(a.key, b.key));
  return { added: sorted(samples.added), changed: sorted(samples.changed), removed: sorted(samples.removed), invalid: sorted(samples.invalid) };
}

const INTEGER = /^-?\d+$/;

function compareKeys(a: FieldValue, b: FieldValue): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  // Integers beyond 2^53 arrive as strings of digits: still in numeric order.
  if (typeof a === "string" && typeof b === "string" && INTEGER.test(a) && INTEGER.test(b)) {
    const [x, y] = [BigInt(a), BigInt(b)];
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    // A composite key: column by column, in the key's order.
    for (const column of Object.keys(a)) {
      const order = compareKeys((a as Record<string, FieldValue>)[column] ?? null, (b as Record<string, FieldValue>)[column] ?? null);
      if (order !== 0) return order;
    }
    return 0;
  }
  const [x, y] = [JSON.stringify(a), JSON.stringify(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}
