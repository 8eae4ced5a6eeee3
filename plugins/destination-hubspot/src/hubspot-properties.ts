import type { Client } from "@hubspot/api-client";
import { lookupFailure } from "./hubspot-api-error.js";
import type { BeforeRequest } from "./hubspot-request-meter.js";
import type { PropertyShape } from "./hubspot-values.js";

/** The part of the SDK's properties API the properties need. */
export type PropertiesApi = Pick<Client["crm"]["properties"]["coreApi"], "getAll">;

/** What the plugin knows of one object type's properties. */
export interface ObjectProperties {
  /** Every property by name, as values are converted and checked against it. */
  readonly shapes: ReadonlyMap<string, PropertyShape>;
  /** Properties that identify a record: `hs_object_id`, `email` for contacts, and those with unique values. */
  readonly identifiers: ReadonlySet<string>;
}

/**
 * The properties of each object type, read once per connection from `GET /crm/v3/properties/{objectType}`
 * (https://developers.hubspot.com/docs/guides/api/crm/properties).
 */
export class HubSpotProperties {
  readonly #loaded = new Map<string, Promise<ObjectProperties>>();

  constructor(private readonly properties: PropertiesApi) {}

  /**
   * The properties of `objectType` (`object` is the sync's name for it, for messages). Rejects with a
   * `ConnectionError` saying what to fix. `beforeRequest` is called before the properties API is asked
   * (once per object type and connection).
   */
  of(objectType: string, object: string | undefined, beforeRequest: BeforeRequest): Promise<ObjectProperties> {
    let loaded = this.#loaded.get(objectType);
    if (!loaded) {
      loaded = this.#load(objectType, object, beforeRequest);
      this.#loaded.set(objectType, loaded);
      // A failed read is not remembered: the next call asks again.
      loaded.catch(() => this.#loaded.delete(objectType));
    }
    return loaded;
  }

  async #load(objectType: string, object: string | undefined, beforeRequest: BeforeRequest): Promise<ObjectProperties> {
    let properties;
    await beforeRequest();
    try {
      properties = (await this.properties.getAll(objectType, false)).results;
    } catch (error) {
      throw lookupFailure(error, `reading the properties of ${object ?? objectType}`);
    }
    const identifiers = new Set<string>(["hs_object_id"]);
    // Contacts are identified by email: https://developers.hubspot.com/docs/guides/api/crm/objects/contacts
    if (objectType.toLowerCase() === "contacts" || objectType === "0-1") identifiers.add("email");
    const shapes = new Map<string, PropertyShape>();
    for (const p of properties) {
      if (p.hasUniqueValue) identifiers.add(p.name);
      shapes.set(p.name, {
        name: p.name,
        type: p.type,
        fieldType: p.fieldType ?? "",
        options: (p.options ?? []).map((o) => o.value),
        readOnly: p.modificationMetadata?.readOnlyValue === true || p.calculated === true,
      });
    }
    return { shapes, identifiers };
  }
}
