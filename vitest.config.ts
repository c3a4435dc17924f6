import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["src/**/*.unit.spec.ts", "test/**/*.unit.spec.ts"] } },
      { test: { name: "int", include: ["src/**/*.int.spec.ts", "test/**/*.int.spec.ts"], exclude: ["test/cluster/**"], testTimeout: 60_000, hookTimeout: 120_000, fileParallelism: false } },
      { test: { name: "e2e", include: ["test/**/*.e2e.spec.ts"], exclude: ["test/cluster/**"], testTimeout: 120_000, hookTimeout: 120_000, fileParallelism: false } },
      {
        test: {
          name: "fuzz",
          include: ["test/fuzz/**/*.fuzz.spec.ts"],
          globalSetup: ["test/fuzz/global-setup.ts"],
          testTimeout: 600_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "cluster",
          include: ["test/cluster/**/*.spec.ts"],
          globalSetup: ["test/cluster/global-setup.ts"],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        // Superset on the real stack (docs/superset.md); the global setup starts every service, Superset included
        test: {
          name: "analytics",
          include: ["test/analytics/**/*.spec.ts"],
          globalSetup: ["test/cluster/global-setup.ts"],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
