// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "dist/**",
      "node_modules/**",
      "coverage/**",
      "data/**",
      "bench/results/**",
      "test-artifacts/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: "module",
      globals: { process: "readonly", console: "readonly", Buffer: "readonly", URL: "readonly" },
    },
    rules: {
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Validators reject control characters on purpose.
      "no-control-regex": "off",
      eqeqeq: ["error", "always"],
      "no-console": "error",
    },
  },
  {
    // Tests, the benchmark and the bin shim report on the console; the server logs through pino.
    files: ["test/**", "bench/**", "bin/**", "scripts/**", "*.js"],
    rules: { "no-console": "off" },
  },
);
