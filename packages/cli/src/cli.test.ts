import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "./test-fixtures/built-cli.js";

// These run the built CLI (`npx tsc -b packages/cli` first), as a user would.

describe("reverse-etl (built CLI)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "reverse-etl-cli-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("--help lists every command with a one-line description and documents exit codes", async () => {
    const { stdout, code } = await cli(["--help"], dir);
    expect(code).toBe(0);
    for (const command of ["init", "validate", "plan", "sync", "runs", "plugins"]) {
      expect(stdout).toMatch(new RegExp(`^  ${command} +\\S.+$`, "m"));
    }
    expect(stdout).toMatch(/^  state +\S/m);
    expect(stdout).toContain("6  partial");
    expect(stdout).toContain("4  locked");
  });

  it("state --help lists state reset", async () => {
    const { stdout } = await cli(["state", "--help"], dir);
    expect(stdout).toMatch(/state reset +Forget/);
  });

  it("init scaffolds a project without any config, then refuses to overwrite it (usage, exit 2)", async () => {
    const first = await cli(["init", "proj"], dir);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("reverse-etl.config.ts");
    expect(first.stdout).toContain("Next steps:");
    expect(await readFile(join(dir, "proj", "reverse-etl.config.ts"), "utf8")).toContain("defineConfig");

    const second = await cli(["init", "proj"], dir);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain("already exists. Pass --force");
    expect(second.stdout).toBe("");
  });

  it("init --json prints only JSON on stdout, also for errors", async () => {
    const ok = await cli(["init", "json-proj", "--json"], dir);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ written: expect.arrayContaining(["reverse-etl.config.ts"]) });

    const refused = await cli(["init", "json-proj", "--json"], dir);
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.stdout)).toEqual({
      error: { message: expect.stringContaining("already exists"), code: "ConfigExists", exitCode: 2 },
    });
  });

  it("an unknown flag is a usage error: exit 2, JSON error with --json", async () => {
    const { stdout, code } = await cli(["plan", "--bogus", "--json"], dir);
    expect(code).toBe(2);
    expect(JSON.parse(stdout).error).toMatchObject({ code: "UsageError", exitCode: 2 });
  });

  it("init --force beside a YAML config moves it aside, so discovery finds the new config alone", async () => {
    await mkdir(join(dir, "yaml-proj"), { recursive: true });
    await writeFile(join(dir, "yaml-proj", "reverse-etl.config.yaml"), "sources: {}\n");
    expect((await cli(["init", "yaml-proj"], dir)).code).toBe(2);
    const forced = await cli(["init", "yaml-proj", "--force"], dir);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain("reverse-etl.config.yaml moved to reverse-etl.config.yaml.bak");
    expect(existsSync(join(dir, "yaml-proj", "reverse-etl.config.yaml"))).toBe(false);
    expect(await readFile(join(dir, "yaml-proj", "reverse-etl.config.yaml.bak"), "utf8")).toBe("sources: {}\n");
    expect(existsSync(join(dir, "yaml-proj", "reverse-etl.config.ts"))).toBe(true);
  });

  it.each([["plan"], ["sync"], ["validate"], ["runs"], ["plugins"], ["state", "reset"]])("%s --help lists every config file name discovered, .cts and .cjs too", async (...command) => {
    const { stdout } = await cli([...command, "--help"], dir);
    expect(stdout).toContain("reverse-etl.config.{ts,mts,cts,js,mjs,cjs,json,yaml,yml}");
  });

  it("state reset without a terminal requires --yes (usage, exit 2)", async () => {
    const { stderr, code } = await cli(["state", "reset", "customers_to_file"], dir);
    expect(code).toBe(2);
    expect(stderr).toContain("pass --yes");
  });
});
