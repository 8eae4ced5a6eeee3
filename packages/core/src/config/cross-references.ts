import type { ConfigIssue } from "../errors.js";
import { jsonPath, showValue } from "./ajv-issues.js";
import { entries, names, unknownName, type Node } from "./document-entries.js";
import { alertIssues, scheduleIssues } from "./schedule-references.js";

/** What names of sources, destinations, models and syncs may look like: usable as CLI arguments and in SQL values. */
export const CONFIG_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

const blank = (value: unknown): boolean => typeof value === "string" && value.trim() === "";

/**
 * Checks the schema cannot express, made before any connection: every name a sync or model refers to
 * exists, the state source is known, mappings and keys are not empty, names are usable identifiers.
 * Tolerates a document that failed schema validation (it only looks at well-typed parts).
 */
export function crossReferenceIssues(document: unknown): ConfigIssue[] {
  if (typeof document !== "object" || document === null || Array.isArray(document)) return [];
  const doc = document as Node;
  const issues: ConfigIssue[] = [];
  const sources = names(doc.sources);
  const destinations = names(doc.destinations);
  const models = names(doc.models);

  for (const [section, kind] of [["sources", "source"], ["destinations", "destination"], ["models", "model"], ["syncs", "sync"]] as const) {
    for (const name of names(doc[section])) {
      if (!CONFIG_NAME_PATTERN.test(name)) {
        issues.push({
          path: jsonPath(section, name),
          message: `${kind} name ${showValue(name)} is not usable; use letters, digits, "_", "-" or ".", starting with a letter or "_" (e.g. "customers_to_crm")`,
        });
      }
    }
    for (const [name, entry] of entries(doc[section])) {
      if (blank(entry.plugin)) {
        issues.push({ path: jsonPath(section, name, "plugin"), message: `is empty; name the plugin's npm package, e.g. "@reverse-etl/${kind}-..."` });
      }
    }
  }

  if (typeof doc.sources === "object" && doc.sources !== null && sources.length === 0) {
    issues.push({ path: "/sources", message: `no sources are defined; add one, e.g. warehouse: { plugin: "@reverse-etl/source-duckdb", path: "warehouse.duckdb" }` });
  }

  const state = (typeof doc.state === "object" && doc.state !== null ? doc.state : {}) as Node;
  if (typeof state.source === "string") {
    if (!sources.includes(state.source)) issues.push({ path: "/state/source", message: unknownName("source", state.source, sources, "/sources") });
  } else if (state.source === undefined && sources.length > 1) {
    issues.push({
      path: "/state/source",
      message: `several sources are defined (${sources.join(", ")}); set state.source to the one that keeps sync state`,
    });
  }
  // The diff joins a model's rows with its sync's state inside one warehouse.
  const stateSource = typeof state.source === "string" ? state.source : sources.length === 1 ? sources[0] : undefined;
  const modelsOfSyncs = new Set(entries(doc.syncs).map(([, sync]) => sync.model));
  for (const [name, model] of entries(doc.models)) {
    if (!modelsOfSyncs.has(name) || typeof model.source !== "string" || stateSource === undefined || !sources.includes(stateSource)) continue;
    if (sources.includes(model.source) && model.source !== stateSource) {
      issues.push({
        path: jsonPath("models", name, "source"),
        message: `is "${model.source}", not the state source "${stateSource}": the diff runs inside the warehouse, so a synced model and the sync state must live in the same source; move the model, or set state.source to "${model.source}"`,
      });
    }
  }
  if (blank(state.schema)) issues.push({ path: "/state/schema", message: `is empty; name a schema for the state tables or remove it (default "reverse_etl")` });

  for (const [name, model] of entries(doc.models)) {
    if (typeof model.source === "string" && !sources.includes(model.source)) {
      issues.push({ path: jsonPath("models", name, "source"), message: unknownName("source", model.source, sources, "/sources") });
    }
    if (blank(model.sql)) issues.push({ path: jsonPath("models", name, "sql"), message: "is empty; write the SELECT statement whose rows are synced" });
    const key = model.primaryKey;
    if (blank(key) || (Array.isArray(key) && key.length === 0)) {
      issues.push({ path: jsonPath("models", name, "primaryKey"), message: `is empty; name the column (or columns) that identify a row, e.g. "id"` });
    } else if (Array.isArray(key)) {
      const seen = new Set<unknown>();
      key.forEach((column, i) => {
        if (blank(column)) issues.push({ path: jsonPath("models", name, "primaryKey", i), message: "is empty; name a column of the model" });
        else if (seen.has(column)) issues.push({ path: jsonPath("models", name, "primaryKey", i), message: `column ${showValue(column)} is listed twice; remove the duplicate` });
        seen.add(column);
      });
    }
  }

  for (const [name, sync] of entries(doc.syncs)) {
    if (typeof sync.model === "string" && !models.includes(sync.model)) {
      issues.push({ path: jsonPath("syncs", name, "model"), message: unknownName("model", sync.model, models, "/models") });
    }
    if (typeof sync.destination === "string" && !destinations.includes(sync.destination)) {
      issues.push({ path: jsonPath("syncs", name, "destination"), message: unknownName("destination", sync.destination, destinations, "/destinations") });
    }
    if (blank(sync.object)) issues.push({ path: jsonPath("syncs", name, "object"), message: "is empty; name the destination object (e.g. contacts) or remove it" });
    for (const mapping of ["fields", "match"] as const) {
      const value = sync[mapping];
      if (typeof value !== "object" || value === null || Array.isArray(value)) continue;
      const pairs = Object.entries(value as Node);
      if (pairs.length === 0) {
        issues.push({
          path: jsonPath("syncs", name, mapping),
          message:
            mapping === "fields"
              ? `maps nothing; add at least one model column -> destination field, e.g. { email: "email" }`
              : `is empty; add a destination identifier <- model column, e.g. { email: "email" }, or remove it`,
        });
      }
      const targets = new Map<string, string>();
      for (const [from, to] of pairs) {
        if (from.trim() === "") issues.push({ path: jsonPath("syncs", name, mapping, from), message: "has an empty name; name a column" });
        if (blank(to)) issues.push({ path: jsonPath("syncs", name, mapping, from), message: "is empty; name the column or field it maps to" });
        if (mapping === "fields" && typeof to === "string" && to.trim() !== "") {
          const previous = targets.get(to);
          if (previous !== undefined) {
            issues.push({
              path: jsonPath("syncs", name, mapping, from),
              message: `destination field ${showValue(to)} is already mapped from column ${showValue(previous)}; map each destination field once`,
            });
          } else targets.set(to, from);
        }
      }
    }
    const share = sync.maxDeleteShare;
    if (typeof share === "number" && !(share >= 0 && share <= 1)) {
      issues.push({ path: jsonPath("syncs", name, "maxDeleteShare"), message: `must be between 0 and 1 (a share of synced records, e.g. 0.5); got ${share}` });
    }
  }
  issues.push(...scheduleIssues(doc), ...alertIssues(doc));
  return issues;
}
