import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { createDatabase, TEST_POSTGRES_URL_ENV } from "@reverse-etl/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SCAFFOLD_DEPENDENCY_VERSIONS } from "./plugin-scaffold/plugin-manifest.js";
import { cli } from "./test-fixtures/built-cli.js";

// `reverse-etl plugin new` through the built CLI, then each generated package built and tested as its
// author would (`npm run build`, `npm test`), in a temporary directory outside the repository. The
// repository's node_modules (the @reverse-etl workspace links, typescript, vitest, kysely, pg) is made
// visible to it by a symlink: nothing is downloaded.
const repo = fileURLToPath(new URL("../../../", import.meta.url));
const exec = promisify(execFile);

/**
 * Tests of each generated package: the testkit's contract suite, plus the generated test file's own. When
 * a testkit suite gains or loses a test, these change with it.
 */
const DESTINATION_CONTRACT_TESTS = 9;
const DESTINATION_OWN_TESTS = 7;
const SOURCE_CONTRACT_TESTS = 33;
const SOURCE_OWN_TESTS = 3;

interface VitestReport {
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  testResults: Array<{ assertionResults: Array<{ fullName: string; status: string; failureMessages: string[] }> }>;
}

/** Run an npm script in `dir` with the environment of a fresh shell (no vitest worker variables). */
async function npm(dir: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("VITEST") && name !== "NODE_OPTIONS"));
  return exec("npm", args, { cwd: dir, env: { ...env, NO_COLOR: "1", npm_config_update_notifier: "false" }, maxBuffer: 64 * 1024 * 1024 });
}

/** `npm test` in a generated package, with vitest's JSON report. */
async function npmTest(dir: string): Promise<VitestReport> {
  const report = join(dir, "vitest-report.json");
  try {
    await npm(dir, ["test", "--", "--reporter=json", `--outputFile=${report}`]);
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    if (!existsSync(report)) throw new Error(`npm test failed in ${dir}:\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
  }
  return JSON.parse(readFileSync(report, "utf8")) as VitestReport;
}

function failures(report: VitestReport): string[] {
  return report.testResults.flatMap((file) => file.assertionResults.filter((t) => t.status === "failed").map((t) => `${t.fullName}: ${t.failureMessages.join("\n")}`));
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, "utf8")) as T;
}

const root = realpathSync(mkdtempSync(join(tmpdir(), "reverse-etl-plugin-new-")));
symlinkSync(join(repo, "node_modules"), join(root, "node_modules"), "dir");
afterAll(() => rmSync(root, { recursive: true, force: true }));

const coreVersion = readJson<{ version: string }>(join(repo, "packages/core/package.json")).version;

describe("reverse-etl plugin new destination acme (built CLI)", () => {
  const dir = join(root, "reverse-etl-destination-acme");
  let printed: { dir: string; package: string; files: string[] };

  beforeAll(async () => {
    const { stdout, stderr, code } = await cli(["plugin", "new", "destination", "acme", "--json"], root);
    expect(code, stderr).toBe(0);
    printed = JSON.parse(stdout) as typeof printed;
  });

  it("prints the directory, the package and every file written, as JSON", () => {
    expect(printed).toEqual({
      dir,
      package: "reverse-etl-destination-acme",
      files: [
        ".gitignore",
        "README.md",
        "package.json",
        "src/acme-connection.ts",
        "src/acme-destination-options.ts",
        "src/acme-destination.test.ts",
        "src/acme-write-outcome.ts",
        "src/emulator/acme-emulator-objects.ts",
        "src/emulator/acme-emulator.ts",
        "src/emulator/index.ts",
        "src/index.ts",
        "tsconfig.build.json",
        "tsconfig.json",
        "vitest.config.ts",
      ],
    });
    for (const file of printed.files) expect(existsSync(join(dir, file)), file).toBe(true);
  });

  it("writes an ESM package with an ./emulator export, core as a peer at this version, and the repository's TypeScript and vitest", () => {
    const manifest = readJson<Record<string, Record<string, unknown>>>(join(dir, "package.json"));
    expect(manifest).toMatchObject({
      name: "reverse-etl-destination-acme",
      type: "module",
      exports: {
        ".": { types: "./dist/index.d.ts", import: "./dist/index.js" },
        "./emulator": { types: "./dist/emulator/index.d.ts", import: "./dist/emulator/index.js" },
      },
      peerDependencies: { "@reverse-etl/core": `^${coreVersion}` },
      devDependencies: {
        "@reverse-etl/core": `^${coreVersion}`,
        "@reverse-etl/testkit": `^${coreVersion}`,
        typescript: "~5.9.3",
        vitest: SCAFFOLD_DEPENDENCY_VERSIONS.vitest,
      },
      scripts: { build: expect.any(String), test: expect.any(String) },
    });
    expect(manifest.dependencies).toBeUndefined();
  });

  it("builds, with every export's target in dist/", async () => {
    await npm(dir, ["run", "build"]);
    for (const target of ["dist/index.js", "dist/index.d.ts", "dist/emulator/index.js", "dist/emulator/index.d.ts"]) {
      expect(existsSync(join(dir, target)), target).toBe(true);
    }
    expect(existsSync(join(dir, "dist/acme-destination.test.js"))).toBe(false);
  });

  it("passes its own tests as generated: the destination contract and every write outcome, against its emulator", async () => {
    const report = await npmTest(dir);
    expect(failures(report)).toEqual([]);
    expect(report.numFailedTests).toBe(0);
    expect(report.numPassedTests).toBe(DESTINATION_CONTRACT_TESTS + DESTINATION_OWN_TESTS);
    expect(report.numTotalTests).toBe(DESTINATION_CONTRACT_TESTS + DESTINATION_OWN_TESTS);
  }, 180_000);

  it("validates and syncs a model through core's engine into its emulator, mirror deletes included", async () => {
    const emulatorModule = (await import(pathToFileURL(join(dir, "dist/emulator/index.js")).href)) as {
      default: { kind: string; name: string };
      startAcmeEmulator(options?: { requestsPerSecond?: number }): Promise<{
        url: string;
        apiKey: string;
        records(object: string): Array<{ identifier: Record<string, string>; fields: Record<string, unknown>; tag?: string }>;
        close(): Promise<void>;
      }>;
    };
    expect(emulatorModule.default).toMatchObject({ kind: "emulator", name: "acme" });
    const emulator = await emulatorModule.startAcmeEmulator({ requestsPerSecond: 5 });
    const project = join(root, "destination-project");
    try {
      mkdirSync(project);
      const config = (rows: string) => `import { defineConfig } from "@reverse-etl/core";
export default defineConfig({
  sources: { warehouse: { plugin: "@reverse-etl/source-duckdb", path: "warehouse.duckdb" } },
  destinations: { acme: { plugin: "../reverse-etl-destination-acme/dist/index.js", baseUrl: "${emulator.url}", apiKey: "${emulator.apiKey}", requestsPerSecond: 5 } },
  models: { customers: { source: "warehouse", primaryKey: "id", sql: "select * from (values ${rows}) as t(id, email, name, plan)" } },
  syncs: {
    customers_to_acme: {
      model: "customers", destination: "acme", object: "contacts", mode: "mirror",
      match: { email: "email" }, fields: { name: "name", plan: "plan" }, options: { tag: "e2e" },
    },
  },
});
`;
      writeFileSync(join(project, "reverse-etl.config.ts"), config("(1, 'ada@example.com', 'Ada', 'pro'), (2, 'grace@example.com', 'Grace', 'free'), (3, 'alan@example.com', 'Alan', 'free')"));
      const validate = await cli(["validate"], project);
      expect(validate.code, validate.stdout + validate.stderr).toBe(0);
      const first = await cli(["sync", "--json"], project);
      expect(first.code, first.stderr).toBe(0);
      expect(JSON.parse(first.stdout).syncs[0]).toMatchObject({ status: "succeeded", results: { succeeded: 3, rejected: 0, failed: 0 } });
      expect(emulator.records("contacts").map((r) => [r.identifier.email, r.fields, r.tag])).toEqual([
        ["ada@example.com", { name: "Ada", plan: "pro" }, "e2e"],
        ["grace@example.com", { name: "Grace", plan: "free" }, "e2e"],
        ["alan@example.com", { name: "Alan", plan: "free" }, "e2e"],
      ]);

      // Alan leaves the model (a mirror delete); Grace's plan is no option of the field: rejected, recorded, partial (exit 6).
      writeFileSync(join(project, "reverse-etl.config.ts"), config("(1, 'ada@example.com', 'Ada', 'pro'), (2, 'grace@example.com', 'Grace', 'gold')"));
      const second = await cli(["sync", "--json"], project);
      expect(second.code, second.stderr).toBe(6);
      expect(JSON.parse(second.stdout).syncs[0]).toMatchObject({ status: "partial", results: { succeeded: 1, rejected: 1, failed: 0 } });
      expect(emulator.records("contacts").map((r) => r.identifier.email)).toEqual(["ada@example.com", "grace@example.com"]);
    } finally {
      await emulator.close();
    }
  }, 120_000);
});

describe("reverse-etl plugin new source acme (built CLI)", () => {
  const dir = join(root, "reverse-etl-source-acme");

  beforeAll(async () => {
    const { stdout, stderr, code } = await cli(["plugin", "new", "source", "acme"], root);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain(`Created reverse-etl-source-acme, a source plugin, in ${dir}`);
  });

  it("lists the files written and the next steps", async () => {
    const { stdout } = await cli(["plugin", "new", "source", "acme", "other-dir"], root);
    expect(stdout).toContain("  + src/acme-connection.ts\n");
    expect(stdout).toContain("  + src/acme-source.test.ts\n");
    expect(stdout).toContain("Next steps:\n  cd other-dir\n  npm install\n  npm test");
  });

  it("depends on kysely, pg and pg-cursor at the versions the repository's PostgreSQL source uses", () => {
    const manifest = readJson<Record<string, Record<string, string>>>(join(dir, "package.json"));
    const postgres = readJson<Record<string, Record<string, string>>>(join(repo, "plugins/source-postgres/package.json"));
    expect(manifest.dependencies).toEqual({ kysely: postgres.dependencies!.kysely, pg: postgres.dependencies!.pg, "pg-cursor": postgres.dependencies!["pg-cursor"] });
    expect(manifest.devDependencies).toMatchObject({ "@types/pg": postgres.devDependencies!["@types/pg"], "@types/pg-cursor": postgres.devDependencies!["@types/pg-cursor"] });
    expect(manifest.peerDependencies).toEqual({ "@reverse-etl/core": `^${coreVersion}` });
    expect(Object.keys(manifest.exports!)).toEqual([".", "./package.json"]);
  });

  it("builds", async () => {
    await npm(dir, ["run", "build"]);
    expect(existsSync(join(dir, "dist/index.js"))).toBe(true);
    expect(existsSync(join(dir, "dist/index.d.ts"))).toBe(true);
  });

  it("passes its own tests as generated: the source contract on PostgreSQL", async () => {
    const report = await npmTest(dir);
    expect(failures(report)).toEqual([]);
    expect(report.numFailedTests).toBe(0);
    expect(report.numPassedTests).toBe(SOURCE_CONTRACT_TESTS + SOURCE_OWN_TESTS);
    expect(report.numTotalTests).toBe(SOURCE_CONTRACT_TESTS + SOURCE_OWN_TESTS);
  }, 300_000);

  it("plans and syncs a PostgreSQL model through core's engine: every row, then only the changes", async () => {
    const server = process.env[TEST_POSTGRES_URL_ENV];
    if (!server) throw new Error(process.env.REVERSE_ETL_TEST_POSTGRES_ERROR ?? `${TEST_POSTGRES_URL_ENV} is not set`);
    const url = await createDatabase(server, `plugin_new_source_${process.pid}`);
    const { default: pg } = await import("pg");
    const run = async (statement: string) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(statement);
      } finally {
        await client.end();
      }
    };
    await run(`create table customers as select i as id, 'user' || i || '@example.com' as email, (i * 1.25)::numeric(10,2) as ltv,
      timestamptz '2024-01-01 00:00:00Z' + i * interval '1 hour' as seen from generate_series(1, 500) as g(i)`);
    const project = join(root, "source-project");
    mkdirSync(project);
    writeFileSync(
      join(project, "reverse-etl.config.ts"),
      `import { defineConfig } from "@reverse-etl/core";
export default defineConfig({
  sources: { warehouse: { plugin: "../reverse-etl-source-acme/dist/index.js", url: "${url}" } },
  destinations: { out: { plugin: "@reverse-etl/destination-file", path: "out/{runId}.jsonl" } },
  models: { customers: { source: "warehouse", primaryKey: "id", sql: "select id, email, ltv, seen from customers" } },
  syncs: { customers_to_file: { model: "customers", destination: "out", mode: "mirror", fields: { email: "email", ltv: "ltv", seen: "seen" } } },
});
`,
    );
    const first = await cli(["sync", "--json"], project);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).syncs[0]).toMatchObject({ status: "succeeded", counts: { added: 500 }, results: { succeeded: 500 } });

    await run("update customers set email = 'changed@example.com' where id = 1; delete from customers where id > 498");
    const plan = await cli(["plan", "--json"], project);
    expect(JSON.parse(plan.stdout).syncs[0].counts).toMatchObject({ added: 0, changed: 1, removed: 2, unchanged: 497 });
    const second = await cli(["sync", "--json"], project);
    const report = JSON.parse(second.stdout) as { syncs: Array<{ runId: string; results: unknown }> };
    expect(report.syncs[0]!.results).toMatchObject({ succeeded: 3, rejected: 0, failed: 0 });
    const lines = readFileSync(join(project, "out", `${report.syncs[0]!.runId}.jsonl`), "utf8").trim().split("\n").map((line) => JSON.parse(line) as unknown);
    expect(lines).toContainEqual({ op: "upsert", key: 1, fields: { email: "changed@example.com", ltv: 1.25, seen: "2024-01-01T01:00:00.000Z" } });
    expect(lines.filter((line) => (line as { op: string }).op === "delete")).toHaveLength(2);

    const third = await cli(["plan", "--json"], project);
    expect(JSON.parse(third.stdout).syncs[0].counts).toMatchObject({ changed: 0, removed: 0, unchanged: 498 });
  }, 120_000);
});

describe("the README's Writing a plugin", () => {
  const dir = join(root, "readme");

  it("quotes the generated files as they are, and every other TypeScript sample compiles against them and the real API", async () => {
    mkdirSync(dir);
    expect((await cli(["plugin", "new", "destination", "acme"], dir)).code).toBe(0);
    expect((await cli(["plugin", "new", "source", "redshift"], dir)).code).toBe(0);
    const readme = readFileSync(join(repo, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("\n## Writing a plugin\n"), readme.indexOf("\n## ", readme.indexOf("\n## Writing a plugin\n") + 1));
    const samples = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);
    let quoted = 0;
    let added = 0;
    for (const [index, sample] of samples.entries()) {
      const [first, ...rest] = sample.split("\n");
      const quote = /^\/\/ from (reverse-etl-[\w-]+\/\S+)$/.exec(first!);
      const file = /^\/\/ (reverse-etl-[\w-]+\/\S+)$/.exec(first!);
      if (quote) {
        // A quote may leave out lines where it says `// ...`; what it shows is in the file, in order.
        const text = readFileSync(join(dir, quote[1]!), "utf8");
        let from = 0;
        for (const part of rest.join("\n").split(/^\s*\/\/ \.\.\.\n/m)) {
          const at = text.indexOf(part.trimEnd(), from);
          expect(at, `README quotes ${quote[1]} as it is generated:\n${part}`).toBeGreaterThanOrEqual(from);
          from = at + part.trimEnd().length;
        }
        quoted++;
      } else {
        const path = file ? join(dir, file[1]!) : join(dir, "reverse-etl-destination-acme", "src", `readme-sample-${index}.ts`);
        expect(existsSync(path), `${path} would replace a generated file`).toBe(false);
        writeFileSync(path, sample);
        added++;
      }
    }
    expect(quoted).toBeGreaterThanOrEqual(10);
    expect(added).toBeGreaterThanOrEqual(3);
    const tsc = join(repo, "node_modules/typescript/bin/tsc");
    for (const pkg of ["reverse-etl-destination-acme", "reverse-etl-source-redshift"]) {
      await exec(process.execPath, [tsc, "-p", join(dir, pkg, "tsconfig.json")]).catch((error: { stdout?: string }) => {
        throw new Error(`the README's samples do not compile in ${pkg}:\n${error.stdout ?? ""}`);
      });
    }
  }, 120_000);
});

describe("reverse-etl plugin new refuses", () => {
  it("a directory that is not empty, naming it, with exit code 1, and writes nothing", async () => {
    const dir = join(root, "taken");
    mkdirSync(dir);
    writeFileSync(join(dir, "notes.txt"), "mine");
    const { stderr, code } = await cli(["plugin", "new", "destination", "acme", "taken"], root);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(`[reverse-etl] plugin new: ${dir} already exists and is not empty: give a new or empty directory.`);
    expect(existsSync(join(dir, "package.json"))).toBe(false);
    const json = await cli(["plugin", "new", "destination", "acme", "taken", "--json"], root);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: "DirectoryNotEmpty", exitCode: 1 } });
  });

  it("a NAME that cannot be a package or an identifier, with exit code 2, saying what a valid one looks like", async () => {
    const { stderr, code } = await cli(["plugin", "new", "destination", "Acme_CRM"], root);
    expect(code).toBe(2);
    expect(stderr).toContain('[reverse-etl] plugin new: "Acme_CRM" is not a plugin name: use lowercase letters, digits and dashes, starting with a letter');
    expect(existsSync(join(root, "reverse-etl-destination-Acme_CRM"))).toBe(false);
  });

  it("a kind other than source or destination, with exit code 2", async () => {
    const { stderr, code } = await cli(["plugin", "new", "warehouse", "acme"], root);
    expect(code).toBe(2);
    expect(stderr).toMatch(/Expected warehouse to be one of: source, destination/);
  });
});

describe("reverse-etl plugin new, packaged", () => {
  it("names a scoped package after its scope, in a directory without it", async () => {
    const cwd = join(root, "scoped");
    mkdirSync(cwd);
    const { stdout, code } = await cli(["plugin", "new", "destination", "@my-org/acme", "--json"], cwd);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ dir: join(cwd, "reverse-etl-destination-acme"), package: "@my-org/reverse-etl-destination-acme" });
    expect(readJson<{ name: string }>(join(cwd, "reverse-etl-destination-acme/package.json")).name).toBe("@my-org/reverse-etl-destination-acme");
  });

  it("is shown with its examples in --help", async () => {
    const { stdout, code } = await cli(["plugin", "new", "--help"], root);
    expect(code).toBe(0);
    expect(stdout).toContain("reverse-etl plugin new destination acme");
    expect(stdout).toContain("reverse-etl plugin new source redshift plugins/redshift");
  });

  it("ships its templates in the CLI's tarball", async () => {
    const { stdout } = await exec("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: join(repo, "packages/cli") });
    const files = (JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
    expect(files).toContain("templates/plugin/common/gitignore");
    expect(files).toContain("templates/plugin/destination/src/emulator/index.ts");
    expect(files).toContain("templates/plugin/source/src/__name__-connection.ts");
    expect(files).toContain("dist/commands/plugin/new.js");
  });

  it("asks for the TypeScript, vitest and @types/node ranges the repository builds with", () => {
    const rootManifest = readJson<{ devDependencies: Record<string, string> }>(join(repo, "package.json"));
    expect(SCAFFOLD_DEPENDENCY_VERSIONS).toMatchObject({
      typescript: rootManifest.devDependencies.typescript,
      vitest: rootManifest.devDependencies.vitest,
      "@types/node": rootManifest.devDependencies["@types/node"],
    });
  });
});
