import { describe, expect, it } from "vitest";
import { InvalidPluginNameError, pluginNames } from "./plugin-name.js";

describe("pluginNames", () => {
  it("spells a dashed name in every form the templates use", () => {
    expect(pluginNames("destination", "acme-crm")).toEqual({
      kind: "destination",
      name: "acme-crm",
      packageName: "reverse-etl-destination-acme-crm",
      unscopedPackageName: "reverse-etl-destination-acme-crm",
      pascal: "AcmeCrm",
      camel: "acmeCrm",
      constant: "ACME_CRM",
      title: "Acme Crm",
    });
  });

  it("keeps a scope on the package name, and takes a full package name as its short name", () => {
    expect(pluginNames("source", "@my-org/redshift")).toMatchObject({
      name: "redshift",
      packageName: "@my-org/reverse-etl-source-redshift",
      unscopedPackageName: "reverse-etl-source-redshift",
    });
    expect(pluginNames("destination", "reverse-etl-destination-acme")).toMatchObject({ name: "acme", packageName: "reverse-etl-destination-acme" });
    expect(pluginNames("destination", "@my-org/reverse-etl-destination-acme").packageName).toBe("@my-org/reverse-etl-destination-acme");
  });

  it("refuses names that are not lowercase words joined by dashes, starting with a letter", () => {
    for (const name of ["Acme", "acme_crm", "2fa", "acme--crm", "acme-", "-acme", "", "@my-org", "@/acme", "@My/acme", "a/b", "acme crm", "reverse-etl-destination-"]) {
      expect(() => pluginNames("destination", name), name).toThrow(InvalidPluginNameError);
    }
  });
});
