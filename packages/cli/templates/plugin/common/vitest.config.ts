import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    // The contract suites run real servers (the emulator, a throwaway PostgreSQL) and stream real rows.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
