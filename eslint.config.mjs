// Lint: typescript-eslint's recommended rules everywhere, plus Pulumi's Output rules (type-aware)
// on the code that handles Outputs and no floating promises (type-aware) there and in the supervisor.
// Formatting is Prettier's job and import cycles dpdm's (both in `npm run lint`).
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";
import globals from "globals";

export default tseslint.config(
  // .tools/ holds built toolchains (Faktory, Kubernetes, Pulumi) and .sandbox/ local runs: not ours to lint.
  { ignores: ["node_modules/**", "dist/**", "out/**", "coverage/**", ".ci/**", ".tools/**", ".sandbox/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-require-imports": "off",
      eqeqeq: ["error", "smart"],
    },
  },
  {
    files: ["infra/**/*.ts", "components/**/*.ts", "provider/**/*.ts", "policies/**/*.ts", "cli/**/*.ts"],
    plugins: { "@pulumi": pulumi },
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@pulumi/no-output-in-template-literal": "error",
      "@pulumi/no-output-instance-in-template-literal": "error",
      "@typescript-eslint/no-floating-promises": "error",
    },
  },
  {
    // Every supervisor promise is awaited, or marked `void` where nothing may wait for it: a forgotten
    // await is a fencing step that runs out of order.
    files: ["supervisor/src/**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: { "@typescript-eslint/no-floating-promises": "error" },
  },
);
