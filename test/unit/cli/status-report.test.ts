// `faktory-ha status` as it reads the pods' /status answers (the command itself runs against the local
// cluster in test/cluster/02-scenarios.test.ts).
import { describe, expect, it } from "vitest";
import { duration, renderStatus, statusReport, type PodAnswer } from "../../../cli/status-report";

const NOW = Date.parse("2026-12-07T02:00:00Z");

function answer(pod: string, status: Record<string, unknown> | null, error?: string): PodAnswer {
  return { pod, phase: status || error ? "Running" : "Pending", status, ...(error ? { error } : {}) };
}

const primary = answer("faktory-0", {
  role: "primary",
  epoch: 7,
  since: new Date(NOW - 125_000).toISOString(),
  reason: "holds the lease",
  redis: { ok: true, error: null },
  faktory: { pid: 42, ready: true },
  failovers: 2,
  jobs: {
    version: "1.9.4",
    queues: [
      { queue: "default", size: 12, latencySeconds: 0.4 },
      { queue: "ledger", size: 0, latencySeconds: null },
    ],
    sets: { working: 2, scheduled: 40, retries: 3, dead: 1 },
  },
});
const standby = (pod: string, redisOk = true) =>
  answer(pod, {
    role: "secondary",
    epoch: 7,
    reason: redisOk ? "standby: another supervisor holds the lease" : "Redis unreachable: ECONNREFUSED",
    redis: { ok: redisOk, error: redisOk ? null : "ECONNREFUSED" },
    faktory: { pid: null, ready: false },
    failovers: 1,
  });

describe("faktory-ha status: the report", () => {
  it("names the primary, its epoch and term, each pod, the queues and the sets", () => {
    const report = statusReport("faktory", [primary, standby("faktory-1"), standby("faktory-2")], NOW);
    expect(report).toMatchObject({
      primary: { pod: "faktory-0", epoch: 7, forMs: 125_000, faktoryVersion: "1.9.4" },
      failovers: 4,
      queues: [
        { queue: "default", size: 12, latencySeconds: 0.4 },
        { queue: "ledger", size: 0, latencySeconds: null },
      ],
      sets: { working: 2, scheduled: 40, retries: 3, dead: 1 },
      problems: [],
    });
    expect(renderStatus(report)).toBe(
      [
        "primary faktory-0, epoch 7, for 2m 5s, Faktory 1.9.4 (namespace faktory; 4 failover(s) seen by these pods)",
        "",
        "POD        PHASE    ROLE       EPOCH  REDIS  FAKTORY  REASON",
        "faktory-0  Running  primary    7      ok     ready    holds the lease",
        "faktory-1  Running  secondary  7      ok     -        standby: another supervisor holds the lease",
        "faktory-2  Running  secondary  7      ok     -        standby: another supervisor holds the lease",
        "",
        "QUEUE    SIZE  LATENCY",
        "default  12    0.4 s",
        "ledger   0     -",
        "",
        "sets: working 2, scheduled 40, retries 3, dead 1",
        "",
      ].join("\n"),
    );
  });

  it("says there is no primary, and why each pod is not answering or has no Redis", () => {
    const report = statusReport(
      "payments",
      [
        standby("faktory-0", false),
        answer("faktory-1", null, "error trying to reach service: dial tcp: connection refused"),
        answer("faktory-2", null),
      ],
      NOW,
    );
    expect(report.primary).toBeNull();
    expect(report.queues).toBeNull();
    expect(report.problems).toEqual([
      "faktory-0: Redis unreachable: ECONNREFUSED",
      "faktory-1 (Running): no answer: error trying to reach service: dial tcp: connection refused",
      "faktory-2 (Pending): no answer: unknown error",
    ]);
    expect(renderStatus(report).split("\n")[0]).toBe(
      "no primary in namespace payments: enqueueing fails until one takes over",
    );
  });

  it("says Redis is unreachable once, whether or not the pod's reason already says so", () => {
    const starting = answer("faktory-1", { role: "starting", reason: "starting", redis: { ok: false } });
    expect(statusReport("faktory", [standby("faktory-0", false), starting], NOW).problems).toEqual([
      "faktory-0: Redis unreachable: ECONNREFUSED",
      "faktory-1: Redis unreachable: starting",
    ]);
  });

  it("warns of two pods saying primary and shows the one with the newer epoch", () => {
    const stale = answer("faktory-2", {
      ...primary.status,
      epoch: 6,
      since: new Date(NOW - 900_000).toISOString(),
    });
    const report = statusReport("faktory", [primary, standby("faktory-1"), stale], NOW);
    expect(report.primary?.pod).toBe("faktory-0");
    expect(report.problems).toEqual(["2 pods say they are primary: faktory-0, faktory-2"]);
  });

  it.each([
    [400, "0.4 s"],
    [59_900, "59.9 s"],
    [61_000, "1m 1s"],
    [3_725_000, "1h 2m"],
    [90_000_000, "1d 1h"],
  ])("writes %d ms as %s", (ms, text) => expect(duration(ms)).toBe(text));
});
