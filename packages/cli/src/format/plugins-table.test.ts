import { describe, expect, it } from "vitest";
import { renderPluginsTable } from "./plugins-table.js";

describe("renderPluginsTable", () => {
  it("prints one row per plugin package with its version, API version and users", () => {
    const lines = renderPluginsTable([
      { kind: "source", package: "@reverse-etl/source-duckdb", version: "0.1.0", name: "duckdb", apiVersion: 1, usedBy: ["warehouse"] },
      { kind: "destination", package: "@reverse-etl/destination-file", version: undefined, name: "file", apiVersion: 1, usedBy: ["out", "backup"] },
    ]).split("\n");
    expect(lines[0]).toMatch(/^KIND\s+PACKAGE\s+VERSION\s+NAME\s+API\s+USED BY$/);
    expect(lines[1]).toMatch(/^source\s+@reverse-etl\/source-duckdb\s+0\.1\.0\s+duckdb\s+1\s+warehouse$/);
    expect(lines[2]).toMatch(/^destination\s+@reverse-etl\/destination-file\s+-\s+file\s+1\s+out, backup$/);
  });
});
