import { afterEach, describe, expect, it } from "vitest";
import { secrets } from "../secrets/redactor.js";
import { registerUrlCredentials, variableNameFor } from "./literal-credentials.js";

afterEach(() => secrets.clear());

describe("registerUrlCredentials", () => {
  it("makes the credentials of every URL secrets, and warns only about those the config writes literally", () => {
    const config = {
      sources: { w: { url: "postgres://etl:l1teral-pw@db.example.com/app" } },
      destinations: { hook: { url: "https://svc:env-p4ss@hooks.example.com/in", other: "https://hooks.example.com/no-credentials" } },
    };
    const warnings = registerUrlCredentials(config, new Set(["/destinations/hook/url"]));
    expect(warnings.map((w) => w.path)).toEqual(["/sources/w/url"]);
    expect(warnings[0]!.message).toContain('env("W_URL")');
    expect(secrets.redact("l1teral-pw env-p4ss etl:l1teral-pw db.example.com")).toBe("*** *** *** db.example.com");
  });
});

describe("variableNameFor", () => {
  it("suggests a variable named after the entry and the option", () => {
    expect(variableNameFor("/destinations/crm/accessToken")).toBe("CRM_ACCESS_TOKEN");
    expect(variableNameFor("/destinations/hook/headers/X-Api-Key")).toBe("HOOK_HEADERS_X_API_KEY");
  });
});
