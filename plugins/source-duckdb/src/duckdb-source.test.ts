import { silentLogger, type PluginContext, type SourceConnection } from "@reverse-etl/core";
import { testSourceContract } from "@reverse-etl/testkit";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import duckDbSourcePlugin from "./index.js";

const dir = mkdtempSync(join(tmpdir(), "reverse-etl-duckdb-"));
const context: PluginContext = { configDir: dir, name: "warehouse", logger: silentLogger };
const generateRowsSql = (n: number) => `select range + 1 as n from range(${n})`;
let files = 0;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function connect(path: string): Promise<SourceConnection> {
  return duckDbSourcePlugin.connect({ path }, context);
}

testSourceContract({ name: "duckdb (file)", connect: () => connect(`contract-${files++}.duckdb`), generateRowsSql });
testSourceContract({ name: "duckdb (:memory:)", connect: () => connect(":memory:"), generateRowsSql });
