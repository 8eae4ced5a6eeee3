import { describe, expect, it } from "vitest";
import { defineSourcePlugin } from "./source.js";
import { validatePluginOptions } from "./load-plugin.js";
import { defineOptionsSchema } from "./options-schema.js";

interface ExampleOptions {
  path: string;
  threads?: number;
  limits?: { daily?: number; burst: number };
  settings?: Record<string, string | null>;
}

const schema = defineOptionsSchema<ExampleOptions>({
  type: "object",
  properties: {
    path: { type: "string", minLength: 1 },
    threads: { type: "integer", minimum: 1, default: 4, nullable: true },
    limits: {
      type: "object",
      properties: { daily: { type: "integer", nullable: true }, burst: { type: "integer" } },
      required: ["burst"],
      additionalProperties: false,
      nullable: true,
    },
    settings: { type: "object", additionalProperties: { type: "string", nullable: true }, required: [], nullable: true },
  },
  required: ["path"],
  additionalProperties: false,
});

const plugin = defineSourcePlugin<Record<string, unknown>>({
  name: "example",
  optionsSchema: schema,
  connect: () => Promise.reject(new Error("not used")),
});

describe("defineOptionsSchema", () => {
  it("drops the nullable that ajv's type asks of optional properties, at every depth, and keeps it on values", () => {
    const properties = schema.properties as Record<string, Record<string, unknown>>;
    expect(properties.threads).toEqual({ type: "integer", minimum: 1, default: 4 });
    expect(properties.limits!.nullable).toBeUndefined();
    expect((properties.limits!.properties as Record<string, unknown>).daily).toEqual({ type: "integer" });
    expect(properties.settings!.additionalProperties).toEqual({ type: "string", nullable: true });
  });

  it("refuses null for an optional option with its path, as it refuses any other wrong type", () => {
    const issues = validatePluginOptions(plugin, { path: "x", threads: null }, "/sources/warehouse");
    expect(issues).toEqual([{ path: "/sources/warehouse/threads", message: "must be an integer; got null" }]);
    expect(validatePluginOptions(plugin, { path: "x", limits: { burst: 1, daily: null } }, "/sources/w")).toHaveLength(1);
  });

  it("fills in defaults and accepts null where the schema's values allow it", () => {
    const options: Record<string, unknown> = { path: "x", settings: { a: null, b: "1" } };
    expect(validatePluginOptions(plugin, options, "/sources/warehouse")).toEqual([]);
    expect(options).toEqual({ path: "x", threads: 4, settings: { a: null, b: "1" } });
  });
});
