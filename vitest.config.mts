import { defineConfig } from "vitest/config";

// Two projects: fast unit tests (mocks, pure builders) and end-to-end tests against a real Redis,
// a real Faktory server and the real faktory-worker client. File isolation stays on: the Pulumi
// mock runtime is per-process state.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts", "test/policies/**/*.test.ts"],
          testTimeout: 30_000,
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
        // The real engine against a local Kubernetes (scripts/cluster/, `npm run test:cluster`); not part of
        // `npm test` until a cold build of the cluster fits CI's time.
        test: {
          name: "cluster",
          include: ["test/cluster/**/*.test.ts"],
          testTimeout: 900_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
