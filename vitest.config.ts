import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.test.ts", "plugins/*/src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts", "test/support/postgres-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // CI has 2 cores; end-to-end tests spawn CLI processes and servers of their own.
    maxWorkers: 2,
    pool: "forks",
  },
});
