// ESLint: typescript-eslint with type information, so unhandled promises are caught; import boundaries
// keep the product (src/) free of dev and test code and the decision core (src/analysis) pure.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const outsideSrc =
  "src/ is the product: import nothing from outside src/ (dev/, test/, demo/ are not shipped)";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/", "charts/", "crds/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // The dashboard's browser script: plain ES modules served as they are.
    files: ["src/dashboard/static/*.js"],
    languageOptions: {
      sourceType: "module",
      globals: Object.fromEntries(
        [
          "window",
          "document",
          "location",
          "fetch",
          "EventSource",
          "Node",
          "CSS",
          "setInterval",
        ].map((name) => [name, "readonly"]),
      ),
    },
  },
  {
    files: ["**/*.ts"],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/switch-exhaustiveness-check": [
        "error",
        { considerDefaultExhaustiveForUnions: false },
      ],
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
    },
  },
  // Product code: nothing from dev/, test/ or demo/ (unit tests next to the code may use dev/
  // helpers). A file n folders below src/ must not climb n + 1 folders up.
  ...["src/*.ts", "src/*/*.ts", "src/*/*/*.ts"].map((files, depth) => ({
    files: [files],
    ignores: ["src/**/*.test.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: [`${"../".repeat(depth + 1)}*`], message: outsideSrc },
          ],
        },
      ],
    },
  })),
  {
    // The decision core: its own files, and src/api for types only. No I/O, no packages.
    files: ["src/analysis/**/*.ts"],
    ignores: ["src/analysis/**/*.test.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^(?!\\./|\\.\\./api/)",
              message:
                "src/analysis is the pure decision core: import only its own files and src/api types",
            },
            {
              regex: "^\\.\\./api/",
              allowTypeImports: true,
              message: "src/analysis may use src/api for types only",
            },
          ],
        },
      ],
    },
  },
);
