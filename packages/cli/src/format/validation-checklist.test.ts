import { describe, expect, it } from "vitest";
import { renderValidationChecklist } from "./validation-checklist.js";

describe("renderValidationChecklist", () => {
  it("lists each connection and sync with a mark, and each mapping problem under its sync", () => {
    const text = renderValidationChecklist({
      file: "/p/reverse-etl.config.ts",
      offline: false,
      ok: false,
      connections: [
        { kind: "source", name: "warehouse", ok: true },
        { kind: "destination", name: "crm", ok: false, error: "[reverse-etl] [hubspot] 401: token invalid" },
      ],
      syncs: [
        { name: "customers_to_crm", ok: false, problems: ['/syncs/customers_to_crm/fields/plan: column "plan" is not in model "customers"'] },
        { name: "accounts_to_crm", ok: true, problems: [] },
      ],
      warnings: [],
    });
    expect(text).toContain("✔ config /p/reverse-etl.config.ts is valid");
    expect(text).toContain("✔ source warehouse: connected");
    expect(text).toContain("✖ destination crm: [reverse-etl] [hubspot] 401: token invalid");
    expect(text).toContain("✖ sync customers_to_crm: 1 problem\n    - /syncs/customers_to_crm/fields/plan: column");
    expect(text).toContain("✔ sync accounts_to_crm: mappings ok");
    expect(text).toMatch(/Some checks failed\.$/);
  });

  it("says what was not checked offline", () => {
    const text = renderValidationChecklist({ file: "c.ts", offline: true, ok: true, connections: [], syncs: [], warnings: [] });
    expect(text).toContain("not checked (--offline)");
    expect(text).toMatch(/All checks passed\.$/);
  });

  it("names the file and the option of each warning, such as a secret written literally", () => {
    const text = renderValidationChecklist({
      file: "c.ts",
      offline: true,
      ok: true,
      connections: [],
      syncs: [],
      warnings: [{ path: "/destinations/crm/accessToken", message: '"accessToken" is a secret option of @reverse-etl/destination-hubspot but holds a literal value' }],
    });
    expect(text).toContain('! c.ts /destinations/crm/accessToken: "accessToken" is a secret option');
    expect(text).toMatch(/All checks passed\.$/);
  });
});
