import { silentLogger } from "@reverse-etl/core";
import { testSourceContract } from "@reverse-etl/testkit";
import { afterAll, beforeAll } from "vitest";
import { startSnowflakeEmulator, type RunningSnowflakeEmulator } from "./emulator/index.js";
import snowflakeSourcePlugin from "./index.js";

// The conformance suite every source passes, here against the Snowflake emulator through snowflake-sdk.
let emulator: RunningSnowflakeEmulator;

beforeAll(async () => {
  emulator = await startSnowflakeEmulator();
});

afterAll(async () => {
  await emulator?.close();
});

testSourceContract({
  name: "snowflake",
  connect: () => snowflakeSourcePlugin.connect({ ...emulator.options } as never, { configDir: "/tmp", name: "warehouse", logger: silentLogger }),
  generateRowsSql: (n) => `select seq4() + 1 as n from table(generator(rowcount => ${n}))`,
  plugin: snowflakeSourcePlugin,
  pluginOptions: () => ({ ...emulator.options }),
  // INTEGER is a synonym of NUMBER(38,0) (https://docs.snowflake.com/en/sql-reference/data-types-numeric#int-integer-bigint-smallint-tinyint-byteint).
  expectedTypes: { integer: /^NUMBER\(38,0\)$/ },
  // Snowflake folds unquoted names to upper case: `select id ...` describes a column ID
  // (https://docs.snowflake.com/en/sql-reference/identifiers-syntax#label-identifier-casing).
  unquotedNames: "upper",
  // NUMBER(p,s) goes to destinations as its exact text with the column's scale (README, "Values sent to destinations").
  decimalValues: "text",
});
