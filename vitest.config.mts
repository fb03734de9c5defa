import { defineConfig } from "vitest/config";

// Tests that run the built CLI, the TypeScript compiler or the policy pack's host in child processes.
const PROCESS_TESTS = [
  "test/unit/plan/**/*.test.ts",
  "test/unit/cli/**/*.test.ts",
  "test/unit/cron/cli.test.ts",
  "test/unit/library.test.ts",
  "test/unit/package-install.test.ts",
  "test/policies/pack-load.test.ts",
];

// The other languages' SDK checks: the Go SDK built with a consumer, the Python SDK in a venv with `pulumi`. Real
// toolchains built under .tools/ like the cluster's, so they run with the cluster suite (a YAML program through
// the real engine is test/cluster/07-yaml-program).
const SDK_TESTS = ["test/unit/sdk/sdks.test.ts"];

// Projects: quick unit tests (mocks, pure builders, in this process), the process-spawning tests,
// end-to-end tests against a real Redis, a real Faktory server and the real faktory-worker client,
// and the real-cluster suite. File isolation stays on: the Pulumi mock runtime is per-process state.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts", "test/policies/**/*.test.ts"],
          exclude: [...PROCESS_TESTS, ...SDK_TESTS],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "process",
          include: PROCESS_TESTS,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 300_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        // The real engine against a local Kubernetes (scripts/cluster/test.sh builds and starts what it needs:
        // `npm run test:cluster`, the last step of `npm test`).
        test: {
          name: "cluster",
          include: ["test/cluster/**/*.test.ts", ...SDK_TESTS],
          testTimeout: 900_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
