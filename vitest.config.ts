import { defineConfig } from "vitest/config";

// Two projects: fast unit tests next to the code, and cluster tests under test/ that share one
// local Kubernetes control plane per run (started by the global setup, a namespace per test).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: [
            "src/**/*.test.ts",
            "loadtester/**/*.test.ts",
            "dev/**/*.test.ts",
            "bench/**/*.test.ts",
            "test/**/*.unit.test.ts",
          ],
        },
      },
      {
        test: {
          name: "cluster",
          include: ["test/**/*.test.ts"],
          exclude: ["test/**/*.unit.test.ts", "test/demo/**"],
          globalSetup: ["test/cluster/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // One control plane on 2 cores: files share it, so run them one at a time for stable timings.
          fileParallelism: false,
        },
      },
      {
        test: {
          // npm run demo as a user runs it: its own cluster and processes, so it runs on its own.
          name: "demo",
          include: ["test/demo/**/*.test.ts"],
          testTimeout: 420_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
