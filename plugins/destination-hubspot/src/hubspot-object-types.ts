import type { Client } from "@hubspot/api-client";
import { ConnectionError } from "@reverse-etl/core";
import { lookupFailure } from "./hubspot-api-error.js";
import type { BeforeRequest } from "./hubspot-request-meter.js";

/** The part of the SDK's schemas API the object types need. */
export type SchemasApi = Pick<Client["crm"]["schemas"]["coreApi"], "getAll">;

/** Objects the CRM v3 objects API knows by name (custom objects are looked up in the schemas API). */
const STANDARD_OBJECTS = new Set(["contacts", "companies", "deals", "tickets", "products", "line_items", "quotes", "calls", "emails", "meetings", "notes", "tasks"]);

/**
 * The object type to put in API paths for a sync's `object`: standard names, objectTypeIds and fully
 * qualified names as given, a custom object's name resolved once through the schemas API
 * (https://developers.hubspot.com/docs/guides/api/crm/objects/custom-objects).
 */
export class HubSpotObjectTypes {
  readonly #resolved = new Map<string, Promise<string>>();

  constructor(private readonly schemas: SchemasApi) {}

  /**
   * The object type of `object`; rejects with a `ConnectionError` saying what to fix. `beforeRequest` is
   * called before the schemas API is asked (a custom object named by name, once per connection).
   */
  of(object: string | undefined, beforeRequest: BeforeRequest): Promise<string> {
    if (object === undefined || object === "") {
      return Promise.reject(
        new ConnectionError("[reverse-etl] [hubspot] the sync has no object: set object to contacts, companies, deals, or a custom object's name or objectTypeId."),
      );
    }
    let resolved = this.#resolved.get(object);
    if (!resolved) {
      resolved = this.#resolve(object, beforeRequest);
      this.#resolved.set(object, resolved);
      // A failed lookup is not remembered: the next call asks again.
      resolved.catch(() => this.#resolved.delete(object));
    }
    return resolved;
  }

  async #resolve(object: string, beforeRequest: BeforeRequest): Promise<string> {
    const lower = object.toLowerCase();
    // objectTypeIds (0-1, 2-123), fully qualified (p123_cars) and short (p_cars) names are used as they are.
    if (STANDARD_OBJECTS.has(lower) || /^\d+-\d+$/.test(object) || /^p\d*_/.test(lower)) return object;
    let schemas;
    await beforeRequest();
    try {
      schemas = (await this.schemas.getAll()).results;
    } catch (error) {
      throw lookupFailure(error, `looking up custom object "${object}"`);
    }
    const found = schemas.find((s) => s.name.toLowerCase() === lower || s.labels.plural?.toLowerCase() === lower || s.labels.singular?.toLowerCase() === lower);
    if (!found) {
      throw new ConnectionError(
        `[reverse-etl] [hubspot] object "${object}" is neither a standard object nor a custom object of this account` +
          `${schemas.length > 0 ? ` (custom objects: ${schemas.map((s) => s.name).join(", ")})` : ""}: check the sync's object.`,
      );
    }
    return found.objectTypeId ?? found.fullyQualifiedName ?? object;
  }
}
