import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["src/**/*.unit.spec.ts", "test/**/*.unit.spec.ts"] } },
      { test: { name: "int", include: ["src/**/*.int.spec.ts", "test/**/*.int.spec.ts"], testTimeout: 60_000, hookTimeout: 120_000, fileParallelism: false } },
      { test: { name: "e2e", include: ["test/**/*.e2e.spec.ts"], testTimeout: 120_000, hookTimeout: 120_000, fileParallelism: false } },
    ],
  },
});
