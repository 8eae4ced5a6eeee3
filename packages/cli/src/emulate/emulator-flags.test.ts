import { Flags } from "@oclif/core";
import { defineEmulator } from "@reverse-etl/core";
import { describe, expect, it } from "vitest";
import { emulatorFlags, emulatorHelpFlags, emulatorNameIn, emulatorOptionValues, flagName, valueFlagSpellings } from "./emulator-flags.js";

const acme = defineEmulator({
  name: "acme",
  options: {
    accessToken: { type: "string", description: "Token.", default: "t" },
    requestsPer10s: { type: "integer", description: "Window.", default: 100 },
    strict: { type: "boolean", description: "Refuse unknown fields." },
  },
  start: () => Promise.reject(new Error("not started in these tests")),
});

describe("emulator flags", () => {
  it("names each option's flag in kebab case, digits included", () => {
    expect(["accessToken", "requestsPer10s", "dailyLimit", "intervalMs", "maxRecords", "port"].map(flagName)).toEqual([
      "access-token",
      "requests-per-10s",
      "daily-limit",
      "interval-ms",
      "max-records",
      "port",
    ]);
  });

  it("declares typed flags without defaults, so an option not given is not passed", () => {
    const flags = emulatorFlags(acme, ["port", "host"]);
    expect(Object.keys(flags)).toEqual(["access-token", "requests-per-10s", "strict"]);
    expect(Object.values(flags).map((f) => [f.type, f.default, f.helpGroup])).toEqual([
      ["option", undefined, "acme emulator"],
      ["option", undefined, "acme emulator"],
      ["boolean", undefined, "acme emulator"],
    ]);
    expect(emulatorOptionValues(acme, { "access-token": "x", "requests-per-10s": 3, port: 4010 })).toEqual({ accessToken: "x", requestsPer10s: 3 });
  });

  it("shows the emulator's defaults in help", () => {
    const help = emulatorHelpFlags(acme);
    expect(help["requests-per-10s"]).toMatchObject({ name: "requests-per-10s", type: "option", default: 100, summary: "Window." });
    expect(help.strict).toMatchObject({ type: "boolean", allowNo: true });
  });

  it("refuses an option that would shadow one of the command's flags", () => {
    const clash = defineEmulator({ ...acme, options: { port: { type: "integer", description: "Port." } } });
    expect(() => emulatorFlags(clash, ["port"])).toThrow(/the acme emulator's option port would be the flag --port, which reverse-etl emulate already has/);
  });

  it("finds NAME past the command's flags and their values", () => {
    const valueFlags = valueFlagSpellings({ port: Flags.integer(), config: Flags.string({ char: "c" }), json: Flags.boolean() });
    expect(valueFlags).toEqual(["--port", "--config", "-c"]);
    expect(emulatorNameIn(["hubspot", "--port", "4010"], valueFlags)).toBe("hubspot");
    expect(emulatorNameIn(["--port", "4010", "--json", "-c", "x.ts", "webhook"], valueFlags)).toBe("webhook");
    expect(emulatorNameIn(["--port=4010", "webhook"], valueFlags)).toBe("webhook");
    expect(emulatorNameIn(["--json", "--", "hubspot"], valueFlags)).toBe("hubspot");
    expect(emulatorNameIn(["--json"], valueFlags)).toBeUndefined();
  });
});
