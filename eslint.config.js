import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

export default tseslint.config(
  { ignores: ["node_modules/", "data/", ".services/", "coverage/", "dist/", "airflow/", "superset/", "bench/results/", ".cache/", ".schemathesis/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-console": "off",
    },
  },
  {
    // src/ logs through the pino root logger (src/observability/logger.ts); CLIs print for humans
    // with process.stdout.write / process.stderr.write.
    files: ["src/**/*.ts"],
    rules: { "no-console": "error" },
  },
  {
    files: ["src/api/public/**/*.js"],
    languageOptions: { globals: { ...globals.browser } },
  },
);
