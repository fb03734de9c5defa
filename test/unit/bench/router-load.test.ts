// The router benchmarks' figures: medians over rounds, ratios between two paths, settings from the environment.
import { describe, expect, it } from "vitest";
import { benchSettings, ratios, summary, type Measure } from "../../../bench/router-load";

const m = (jobsPerSec: number, p50Ms: number, p99Ms: number, cpuPer10k: number | null): Measure => ({
  jobsPerSec,
  p50Ms,
  p99Ms,
  cpuPer10k,
});

describe("summary", () => {
  it("takes the median of each figure over the rounds and keeps each round, rounded", () => {
    const s = summary([m(1000.4, 0.21, 2, 0.5), m(3000, 0.1, 9, 0.3), m(2000, 0.3, 4, 0.4123456)]);
    expect(s).toEqual({
      jobsPerSec: 2000,
      p50Ms: 0.21,
      p99Ms: 4,
      cpuSecondsPer10kCommands: 0.412,
      perRound: [
        { jobsPerSec: 1000, p50Ms: 0.21, p99Ms: 2, cpuPer10k: 0.5 },
        { jobsPerSec: 3000, p50Ms: 0.1, p99Ms: 9, cpuPer10k: 0.3 },
        { jobsPerSec: 2000, p50Ms: 0.3, p99Ms: 4, cpuPer10k: 0.412 },
      ],
    });
  });

  it("has no CPU figure for a path without a proxy", () => {
    expect(summary([m(1, 1, 1, null), m(2, 2, 2, null)]).cpuSecondsPer10kCommands).toBeNull();
  });
});

describe("ratios", () => {
  it.each([
    {
      name: "each figure of a over b",
      a: summary([m(900, 0.3, 6, 0.6)]),
      b: summary([m(1000, 0.2, 4, 0.4)]),
      want: { throughputRatio: 0.9, p50Ratio: 1.5, p99Ratio: 1.5, cpuPerCommandRatio: 1.5 },
    },
    {
      name: "no CPU ratio against a path without a proxy",
      a: summary([m(900, 0.3, 6, 0.6)]),
      b: summary([m(1000, 0.2, 4, null)]),
      want: { throughputRatio: 0.9, p50Ratio: 1.5, p99Ratio: 1.5, cpuPerCommandRatio: null },
    },
  ])("$name", ({ a, b, want }) => {
    expect(ratios(a, b)).toEqual(want);
  });
});

describe("benchSettings", () => {
  it.each([
    { env: {}, min: 3, want: { rounds: 5, seconds: 10, concurrency: 8, warmupSeconds: 2 } },
    {
      env: { BENCH_ROUNDS: "1", BENCH_SECONDS: "6", BENCH_CONCURRENCY: "4", BENCH_WARMUP_SECONDS: "0" },
      min: 3,
      want: { rounds: 3, seconds: 6, concurrency: 4, warmupSeconds: 0 },
    },
    {
      env: { BENCH_ROUNDS: "7" },
      min: 5,
      want: { rounds: 7, seconds: 10, concurrency: 8, warmupSeconds: 2 },
    },
  ])("$env (at least $min rounds)", ({ env, min, want }) => {
    expect(benchSettings(env, min)).toEqual(want);
  });
});
