import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  FENCE_MARGIN_MS,
  KEY_PREFIX_PATTERN,
  leaseTimingProblems,
  livenessKillSeconds,
  SUPERVISOR_INTS,
  SUPERVISOR_STRINGS,
} from "../../components/contract/supervisor";
import { buildEnv, REVISION_FIELD, type EnvVar } from "../../components/k8s/env";
import { resolveSettings, FAKTORY_DEFAULTS } from "../../components/k8s";
import { SUPERVISOR_COMMAND } from "../../components/k8s/workload";
import type { LeaseSettings } from "../../components/k8s/types";
import { parseConfig } from "../../supervisor/src/config";

// The component writes a pod's environment and command; the supervisor reads them. One contract
// module defines both sides, and this proves they agree: parse(env(build(settings))) == settings.

/** What the kubelet would hand the container: secret refs and the Downward API resolved. */
function resolve(env: readonly EnvVar[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env) {
    if (e.value !== undefined) out[e.name] = e.value;
    else if (e.valueFrom?.secretKeyRef) out[e.name] = `${e.name.toLowerCase()}-from-secret`;
    else if (e.valueFrom?.fieldRef?.fieldPath === "metadata.name") out[e.name] = "faktory-1";
    else if (e.valueFrom?.fieldRef?.fieldPath === "status.podIP") out[e.name] = "10.0.0.9";
    else if (e.valueFrom?.fieldRef?.fieldPath === REVISION_FIELD) out[e.name] = "faktory-7d9c5b6f4";
  }
  out.REDIS_URL = "rediss://:token@cache.internal:6379";
  return out;
}

/** The supervisor's argv: what follows `faktory-ha-supervisor` in the pod's command. */
const SUPERVISOR_ARGV = SUPERVISOR_COMMAND.slice(SUPERVISOR_COMMAND.indexOf("faktory-ha-supervisor") + 1);

/** Lease settings the component accepts: every rule of the contract holds. */
const leaseSettings: fc.Arbitrary<Required<LeaseSettings>> = fc
  .record({
    ttlMs: fc.integer({ min: 3_000, max: 120_000 }),
    intervalShare: fc.double({ min: 0.05, max: 0.3, noNaN: true }),
    deadlineShare: fc.double({ min: 0.35, max: 0.6, noNaN: true }),
    stopShare: fc.double({ min: 0.02, max: 0.3, noNaN: true }),
    pollMs: fc.integer({ min: 50, max: 5_000 }),
    routerHoldMs: fc.integer({ min: 0, max: 60_000 }),
    keyPrefix: fc.stringMatching(KEY_PREFIX_PATTERN),
    // Faktory's database is the URL's (0 in resolve()): the lease takes any other.
    database: fc.integer({ min: 1, max: 15 }),
  })
  .map((r) => ({
    ttlMs: r.ttlMs,
    renewIntervalMs: Math.max(100, Math.floor(r.ttlMs * r.intervalShare)),
    renewDeadlineMs: Math.max(200, Math.floor(r.ttlMs * r.deadlineShare)),
    stopTimeoutMs: Math.max(100, Math.floor(r.ttlMs * r.stopShare)),
    pollMs: r.pollMs,
    routerHoldMs: r.routerHoldMs,
    keyPrefix: r.keyPrefix,
    database: r.database,
  }))
  .filter((l) => leaseTimingProblems(l, String).length === 0);

describe("the supervisor contract", () => {
  it("round-trips: what the component writes, the supervisor reads back unchanged", () => {
    fc.assert(
      fc.property(leaseSettings, (lease) => {
        const env = resolve(buildEnv({ edition: "enterprise", secretName: "s", lease }));
        const cfg = parseConfig(env, SUPERVISOR_ARGV, { hostname: () => "unused" });
        expect(cfg).toMatchObject({
          id: "faktory-1",
          advertiseHost: "10.0.0.9",
          port: SUPERVISOR_INTS.port.default,
          webPort: SUPERVISOR_INTS.webPort.default,
          healthPort: SUPERVISOR_INTS.healthPort.default,
          internalPort: SUPERVISOR_INTS.internalPort.default,
          internalWebPort: SUPERVISOR_INTS.internalWebPort.default,
          keyPrefix: lease.keyPrefix,
          leaseDatabase: lease.database,
          leaseTtlMs: lease.ttlMs,
          renewIntervalMs: lease.renewIntervalMs,
          renewDeadlineMs: lease.renewDeadlineMs,
          pollMs: lease.pollMs,
          routerHoldMs: lease.routerHoldMs,
          stopTimeoutMs: lease.stopTimeoutMs,
          configDir: SUPERVISOR_STRINGS.configDir.default,
          revision: "faktory-7d9c5b6f4",
          faktoryPassword: "faktory_password-from-secret",
        });
      }),
      { numRuns: 200 },
    );
  });

  it("the pod's command is what the supervisor runs: Faktory on the internal ports of the contract", () => {
    const env = resolve(buildEnv({ edition: "enterprise", secretName: "s", lease: FAKTORY_DEFAULTS.lease }));
    const cfg = parseConfig(env, SUPERVISOR_ARGV);
    expect(cfg.command).toEqual([
      "/faktory",
      "-b",
      `:${cfg.internalPort}`,
      "-w",
      `:${cfg.internalWebPort}`,
      "-e",
      "production",
    ]);
  });

  it("every variable the component writes is one the supervisor knows (no typo can slip through)", () => {
    const env = resolve(buildEnv({ edition: "enterprise", secretName: "s", lease: FAKTORY_DEFAULTS.lease }));
    expect(() => parseConfig(env, SUPERVISOR_ARGV)).not.toThrow();
    expect(() => parseConfig({ ...env, FAKTORY_HA_LEASE_TTL: "1" }, SUPERVISOR_ARGV)).toThrow(
      /did you mean FAKTORY_HA_LEASE_TTL_MS\?/,
    );
  });

  it("the component and the supervisor reject the same timings", () => {
    fc.assert(
      fc.property(
        // From 4 s, so the (short) liveness given below never objects to the ttl.
        fc.integer({ min: 4_000, max: 20_000 }),
        fc.integer({ min: 0, max: 20_000 }),
        fc.integer({ min: 200, max: 20_000 }),
        fc.integer({ min: 100, max: 20_000 }),
        (ttlMs, renewIntervalMs, renewDeadlineMs, stopTimeoutMs) => {
          const lease = { ...FAKTORY_DEFAULTS.lease, ttlMs, renewIntervalMs, renewDeadlineMs, stopTimeoutMs };
          let componentOk = true;
          try {
            resolveSettings("x", {
              image: "i:1",
              redisUrl: "redis://r",
              license: "l",
              vpcCidrs: [],
              lease,
              liveness: {
                periodSeconds: 1,
                failureThreshold: 1,
                timeoutSeconds: 1,
                terminationGracePeriodSeconds: 1,
              },
              terminationGracePeriodSeconds: 3600,
            });
          } catch (e) {
            // The lease's own rules only: the liveness rule is the component's alone (the supervisor knows no probe).
            componentOk = !/^ {2}- lease/m.test(String(e));
          }
          const env = resolve(buildEnv({ edition: "enterprise", secretName: "s", lease }));
          let supervisorOk = true;
          try {
            parseConfig(env, SUPERVISOR_ARGV);
          } catch {
            supervisorOk = false;
          }
          expect(supervisorOk).toBe(componentOk);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("the timing rules keep a fence margin", () => {
  const timings = fc.record({
    ttlMs: fc.integer({ min: 1_000, max: 20_000 }),
    renewIntervalMs: fc.integer({ min: 100, max: 10_000 }),
    renewDeadlineMs: fc.integer({ min: 200, max: 15_000 }),
    stopTimeoutMs: fc.integer({ min: 100, max: 10_000 }),
  });
  const probe = fc.record({
    periodSeconds: fc.integer({ min: 1, max: 5 }),
    failureThreshold: fc.integer({ min: 1, max: 5 }),
    timeoutSeconds: fc.integer({ min: 1, max: 5 }),
    terminationGracePeriodSeconds: fc.integer({ min: 1, max: 5 }),
  });
  const ordered = (t: { ttlMs: number; renewIntervalMs: number; renewDeadlineMs: number }) =>
    t.renewIntervalMs < t.renewDeadlineMs && t.renewDeadlineMs < t.ttlMs;

  it("is at least 500 ms between the old Faktory surely stopped and the lease expiring", () => {
    expect(FENCE_MARGIN_MS).toBeGreaterThanOrEqual(500);
  });

  it("accepts exactly the timings where the fence and the liveness kill both keep the margin", () => {
    fc.assert(
      fc.property(timings, probe, (t, l) => {
        const ok =
          ordered(t) &&
          t.renewDeadlineMs + t.stopTimeoutMs + FENCE_MARGIN_MS <= t.ttlMs &&
          livenessKillSeconds(l) * 1000 + t.renewIntervalMs + FENCE_MARGIN_MS <= t.ttlMs;
        expect(leaseTimingProblems(t, String, { timings: l, name: String }).length === 0).toBe(ok);
      }),
      { numRuns: 2_000 },
    );
  });

  it("without a probe (the supervisor's own check), applies the fence bound alone", () => {
    fc.assert(
      fc.property(timings, (t) => {
        const ok = ordered(t) && t.renewDeadlineMs + t.stopTimeoutMs + FENCE_MARGIN_MS <= t.ttlMs;
        expect(leaseTimingProblems(t, String).length === 0).toBe(ok);
      }),
      { numRuns: 2_000 },
    );
  });
});
