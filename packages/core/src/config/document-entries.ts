import { showValue } from "./ajv-issues.js";
import { didYouMean } from "./closest-names.js";

/** An object of a config document, before its types are known. */
export type Node = Record<string, unknown>;

/** The object-valued entries of a section (entries of another type are the schema's to report). */
export function entries(value: unknown): Array<[string, Node]> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [];
  return Object.entries(value as Node).filter((e): e is [string, Node] => typeof e[1] === "object" && e[1] !== null && !Array.isArray(e[1]));
}

/** The names defined in a section. */
export function names(value: unknown): string[] {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? Object.keys(value) : [];
}

/** `source "x" does not exist; did you mean "y"?` or the list of defined names. */
export function unknownName(kind: string, name: string, defined: string[], section: string): string {
  const hint = didYouMean(name, defined);
  if (hint) return `${kind} ${showValue(name)} does not exist${hint}`;
  if (defined.length === 0) return `${kind} ${showValue(name)} does not exist; no ${kind}s are defined: add one under ${section}`;
  return `${kind} ${showValue(name)} does not exist; defined ${kind}s: ${defined.join(", ")}`;
}
