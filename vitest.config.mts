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

// The other languages' toolchains (`npm run test:languages`): the Go SDK built with a consumer, the Python SDK
// in a venv with `pulumi`, and a YAML program through the real engine and the YAML language host. Not yet in
// `npm test`: their cold builds are not timed inside CI's budget (see bench/README.md, "CI time").
const LANGUAGE_TESTS = ["test/unit/sdk/sdks.test.ts", "test/cluster/07-yaml-program.test.ts"];

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
          exclude: [...PROCESS_TESTS, ...LANGUAGE_TESTS],
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
          include: ["test/cluster/**/*.test.ts"],
          exclude: LANGUAGE_TESTS,
          testTimeout: 900_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "languages",
          include: LANGUAGE_TESTS,
          testTimeout: 900_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
