import type { PluginNames } from "./plugin-name.js";

/**
 * Versions of the third-party packages a scaffolded plugin builds and tests with: the ones this
 * repository's own plugins use (the root package.json, plugins/source-postgres), so a generated package
 * passes its tests with what was tested here. A test fails when they drift apart.
 */
export const SCAFFOLD_DEPENDENCY_VERSIONS = {
  typescript: "~5.9.3",
  vitest: "~4.1.12",
  "@types/node": "^20.19.0",
  kysely: "^0.28.19",
  pg: "^8.23.1",
  "pg-cursor": "^2.22.1",
  "@types/pg": "^8.23.1",
  "@types/pg-cursor": "^2.7.2",
} as const;

/** The package.json of a scaffolded plugin, as an object. */
export type PluginManifest = Record<string, unknown>;

/** An `exports` entry of an ESM package with its types. */
function entry(path: string): { types: string; import: string } {
  return { types: `./dist/${path}.d.ts`, import: `./dist/${path}.js` };
}

/**
 * The package.json of a new plugin: ESM, an exports map with types (and `./emulator` for a destination),
 * `@reverse-etl/core` as a peer at the version of the core this CLI runs (`coreVersion`; the testkit is
 * released with it), TypeScript and vitest to build and test.
 */
export function pluginManifest(names: PluginNames, coreVersion: string): PluginManifest {
  const v = SCAFFOLD_DEPENDENCY_VERSIONS;
  const reverseEtl = `^${coreVersion}`;
  const isSource = names.kind === "source";
  return {
    name: names.packageName,
    version: "0.1.0",
    description: isSource
      ? `${names.title} warehouse source for reverse-etl, over the PostgreSQL wire protocol.`
      : `${names.title} destination for reverse-etl, with a local emulator of its API.`,
    keywords: ["reverse-etl", "reverse-etl-plugin", `reverse-etl-${names.kind}`, names.name],
    type: "module",
    main: "./dist/index.js",
    types: "./dist/index.d.ts",
    exports: {
      ".": entry("index"),
      ...(isSource ? {} : { "./emulator": entry("emulator/index") }),
      "./package.json": "./package.json",
    },
    files: ["dist", "!dist/**/*.test.*", "README.md"],
    engines: { node: ">=20.18" },
    scripts: {
      build: "tsc -p tsconfig.build.json",
      typecheck: "tsc -p tsconfig.json",
      test: "tsc -p tsconfig.json && vitest run",
      prepack: "npm run build",
    },
    peerDependencies: { "@reverse-etl/core": reverseEtl },
    ...(isSource ? { dependencies: { kysely: v.kysely, pg: v.pg, "pg-cursor": v["pg-cursor"] } } : {}),
    devDependencies: {
      "@reverse-etl/core": reverseEtl,
      "@reverse-etl/testkit": reverseEtl,
      ...(isSource ? { "@types/pg": v["@types/pg"], "@types/pg-cursor": v["@types/pg-cursor"] } : {}),
      "@types/node": v["@types/node"],
      typescript: v.typescript,
      vitest: v.vitest,
    },
  };
}
