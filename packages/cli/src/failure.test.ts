import { ConfigError, ConnectionError, MassDeleteError, PluginError, SyncLockedError, secrets } from "@reverse-etl/core";
import { afterEach, describe, expect, it } from "vitest";
import { describeFailure } from "./failure.js";

describe("describeFailure", () => {
  afterEach(() => secrets.clear());

  it("keeps each core error's exit code and class name", () => {
    expect(describeFailure(new ConfigError("a.ts", [{ path: "/syncs/x/model", message: "no model" }]))).toMatchObject({ code: "ConfigError", exitCode: 2 });
    expect(describeFailure(new PluginError("missing"))).toMatchObject({ code: "PluginError", exitCode: 2 });
    expect(describeFailure(new ConnectionError("refused"))).toMatchObject({ code: "ConnectionError", exitCode: 3 });
    expect(describeFailure(new SyncLockedError("locked"))).toMatchObject({ code: "SyncLockedError", exitCode: 4 });
    expect(describeFailure(new MassDeleteError("too many"))).toMatchObject({ code: "MassDeleteError", exitCode: 5 });
  });

  it("carries a config error's issues with their JSON paths", () => {
    const failure = describeFailure(new ConfigError("a.ts", [{ path: "/syncs/x/model", message: "no model named y" }]));
    expect(failure.issues).toEqual([{ path: "/syncs/x/model", message: "no model named y" }]);
    expect(failure.message).toContain("a.ts: /syncs/x/model: no model named y");
  });

  it("reports unknown errors as unexpected, exit 1, prefixed", () => {
    expect(describeFailure(new TypeError("boom"))).toEqual({ message: "[reverse-etl] Unexpected error: boom", code: "TypeError", exitCode: 1 });
  });

  it("redacts secrets from every message", () => {
    secrets.add("hunter2-secret");
    expect(describeFailure(new ConnectionError("auth failed for token hunter2-secret")).message).toBe("[reverse-etl] auth failed for token ***");
    expect(describeFailure(new Error("hunter2-secret")).message).not.toContain("hunter2");
  });
});
