import { describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { imagePinningError, resolveSettings } from "../../../components/k8s/settings";
import type { FaktoryArgs } from "../../../components/k8s/types";

const enterprise: FaktoryArgs = {
  image: "repo/faktory-ha:1.9.4",
  redisUrl: "rediss://:token@redis:6379",
  license: "license",
  vpcCidrs: ["10.0.0.0/16"],
};
const oss: FaktoryArgs = { edition: "oss", image: "contribsys/faktory:1.9.4", vpcCidrs: ["10.0.0.0/16"] };

/**
 * Args as a JavaScript caller (or a computed object) may pass them: shapes the types refuse, such as
 * `{ edition: "oss", statsd }`, must still be refused at run time with a clear message.
 */
type AnyArgs = object;

const errorOf = (name: string, args: AnyArgs): string => {
  try {
    resolveSettings(name, args as FaktoryArgs);
  } catch (e) {
    return (e as Error).message;
  }
  return "(no error)";
};
const one = (message: string) => `invalid Faktory args:\n  - ${message}`;

describe("resolveSettings defaults", () => {
  it("fills every default for enterprise", () => {
    expect(resolveSettings("prod", enterprise)).toEqual({
      edition: "enterprise",
      secondaries: 1,
      replicas: 2,
      createNamespace: true,
      webUi: false,
      serviceName: "faktory",
      lease: {
        ttlMs: 10000,
        renewIntervalMs: 1000,
        renewDeadlineMs: 4000,
        pollMs: 500,
        routerHoldMs: 15000,
        stopTimeoutMs: 2000,
        keyPrefix: "faktory-ha",
        database: 1,
      },
      liveness: {
        periodSeconds: 2,
        failureThreshold: 3,
        timeoutSeconds: 1,
        terminationGracePeriodSeconds: 1,
      },
      terminationGracePeriodSeconds: 30,
      deregistrationDelaySeconds: 15,
      runAsUser: 1000,
      monitoring: { scrapeAnnotations: true },
      nodeSelector: {},
      tolerations: [],
      affinity: undefined,
      priorityClassName: undefined,
      podLabels: {},
      podAnnotations: {},
      extraEnv: [],
      extraConfFiles: {},
      existingSecret: undefined,
      tls: { mode: "off" },
    });
  });
  it("defaults oss to a single server", () => {
    expect(resolveSettings("dev", oss)).toMatchObject({ edition: "oss", secondaries: 0, replicas: 1 });
  });
  // Both bounds met exactly: kill 3 × 2 + 1 + 1 = 8 s, + renew 0.5 s + margin 0.5 s = 9 s; deadline 4 s +
  // stop 4.5 s + margin 0.5 s = 9 s; grace 5 s + 5 s = 10 s.
  const tightest = {
    ...enterprise,
    lease: { ttlMs: 9000, renewIntervalMs: 500, stopTimeoutMs: 4500 },
    liveness: { periodSeconds: 3, failureThreshold: 2 },
    terminationGracePeriodSeconds: 10,
  };
  it("accepts the tightest valid timings", () => {
    expect(() => resolveSettings("prod", tightest)).not.toThrow();
  });
  it("refuses them with a ttl one millisecond shorter, naming both bounds", () => {
    expect(errorOf("prod", { ...tightest, lease: { ...tightest.lease, ttlMs: 8999 } })).toBe(
      "invalid Faktory args:\n" +
        "  - lease timings must satisfy lease.renewDeadlineMs (4000) + lease.stopTimeoutMs (4500) + the fence margin (500 ms) ≤ lease.ttlMs (8999), so Faktory has stopped 500 ms before the lease can expire; got 9000 ms; allowed: lease.stopTimeoutMs ≤ 4499, lease.renewDeadlineMs ≤ 3999 or lease.ttlMs ≥ 9000\n" +
        "  - liveness is too slow for the lease: liveness.periodSeconds (3) × liveness.failureThreshold (2) + liveness.timeoutSeconds (1) + liveness.terminationGracePeriodSeconds (1) = 8 s to kill a frozen supervisor; with lease.renewIntervalMs (500) and the fence margin (500 ms) that is 9000 ms, more than lease.ttlMs (8999): a lease renewed just before the freeze expires ttl − renewInterval after it, and Faktory must be dead 500 ms before; allowed: lease.renewIntervalMs ≤ 499, a kill time ≤ 7999 ms or lease.ttlMs ≥ 9000",
    );
  });
});

describe("resolveSettings errors (exact messages)", () => {
  const cases: [string, string, AnyArgs, string][] = [
    [
      "name too long",
      "a".repeat(41),
      enterprise,
      `name="${"a".repeat(41)}" must be a DNS label of at most 40 characters (lowercase letters, digits, "-")`,
    ],
    [
      "name not a DNS label",
      "Prod_1",
      enterprise,
      `name="Prod_1" must be a DNS label of at most 40 characters (lowercase letters, digits, "-")`,
    ],
    [
      "unknown edition",
      "x",
      { ...enterprise, edition: "pro" as never },
      `edition="pro" must be one of "enterprise", "oss"`,
    ],
    [
      "negative secondaries",
      "x",
      { ...enterprise, secondaries: -1 },
      "secondaries=-1 must be the number of hot standbys: an integer from 0 to 10",
    ],
    [
      "huge secondaries",
      "x",
      { ...enterprise, secondaries: 11 },
      "secondaries=11 must be the number of hot standbys: an integer from 0 to 10",
    ],
    [
      "fractional secondaries",
      "x",
      { ...enterprise, secondaries: 1.5 },
      "secondaries=1.5 must be the number of hot standbys: an integer from 0 to 10",
    ],
    [
      "enterprise without redisUrl",
      "x",
      { ...enterprise, redisUrl: undefined },
      `redisUrl is required with edition "enterprise" (or an existingSecret holding REDIS_URL)`,
    ],
    [
      "bad service name",
      "x",
      { ...enterprise, serviceName: "Faktory" },
      `serviceName="Faktory" must be a Service name: a DNS label (lowercase letters, digits, "-", starting with a letter, max 63)`,
    ],
    [
      "statsd without port",
      "x",
      { ...enterprise, statsd: { location: "agent" } },
      `statsd.location="agent" must be host:port (a port from 1 to 65535), e.g. datadog-agent.monitoring:8125`,
    ],
    [
      "non-integer timing",
      "x",
      { ...enterprise, lease: { pollMs: 0.5 } },
      "lease.pollMs=0.5 must be a standby's acquire interval in ms: an integer from 50 to 3600000",
    ],
    [
      "timing below the supervisor's floor",
      "x",
      { ...enterprise, lease: { stopTimeoutMs: 50 } },
      "lease.stopTimeoutMs=50 must be the bound on stopping Faktory in ms: an integer from 100 to 3600000",
    ],
    [
      "bad key prefix",
      "x",
      { ...enterprise, lease: { keyPrefix: "a b" } },
      `lease.keyPrefix="a b" must be letters, digits, ":", ".", "_", "-" (max 64), starting with a letter or digit`,
    ],
    [
      "lease database that is Faktory's (the plain redisUrl names none: 0)",
      "x",
      { ...enterprise, lease: { database: 0 } },
      "lease.database=0 is Faktory's own Redis database (0, from the Redis URL): Faktory's FLUSH would delete the lease with the jobs; allowed 0..15 except 0",
    ],
    [
      "the default lease database, with a redisUrl that selects it",
      "x",
      { ...enterprise, redisUrl: "rediss://:token@redis:6379/1" },
      "lease.database=1 is Faktory's own Redis database (1, from the Redis URL): Faktory's FLUSH would delete the lease with the jobs; allowed 0..15 except 1",
    ],
    [
      "lease database Redis does not have",
      "x",
      { ...enterprise, lease: { database: 16 } },
      "lease.database=16 must be a Redis database index other than Faktory's: an integer from 0 to 15",
    ],
    [
      "renew deadline ≥ ttl",
      "x",
      { ...enterprise, lease: { renewDeadlineMs: 10000 } },
      "lease timings must satisfy lease.renewIntervalMs (1000) < lease.renewDeadlineMs (10000) < lease.ttlMs (10000): the primary fences itself (stops Faktory) before its lease can expire",
    ],
    [
      "renew interval ≥ deadline",
      "x",
      { ...enterprise, lease: { renewIntervalMs: 4000 } },
      "lease timings must satisfy lease.renewIntervalMs (4000) < lease.renewDeadlineMs (4000) < lease.ttlMs (10000): the primary fences itself (stops Faktory) before its lease can expire",
    ],
    [
      "stop timeout outlives the lease",
      "x",
      { ...enterprise, lease: { stopTimeoutMs: 6000 } },
      "lease timings must satisfy lease.renewDeadlineMs (4000) + lease.stopTimeoutMs (6000) + the fence margin (500 ms) ≤ lease.ttlMs (10000), so Faktory has stopped 500 ms before the lease can expire; got 10500 ms; allowed: lease.stopTimeoutMs ≤ 5500, lease.renewDeadlineMs ≤ 3500 or lease.ttlMs ≥ 10500",
    ],
    [
      "stop timeout leaves no fence margin",
      "x",
      { ...enterprise, lease: { stopTimeoutMs: 5600 } },
      "lease timings must satisfy lease.renewDeadlineMs (4000) + lease.stopTimeoutMs (5600) + the fence margin (500 ms) ≤ lease.ttlMs (10000), so Faktory has stopped 500 ms before the lease can expire; got 10100 ms; allowed: lease.stopTimeoutMs ≤ 5500, lease.renewDeadlineMs ≤ 3900 or lease.ttlMs ≥ 10100",
    ],
    [
      "a long renew interval outlasts the liveness kill",
      "x",
      { ...enterprise, lease: { renewIntervalMs: 3000 } },
      "liveness is too slow for the lease: liveness.periodSeconds (2) × liveness.failureThreshold (3) + liveness.timeoutSeconds (1) + liveness.terminationGracePeriodSeconds (1) = 8 s to kill a frozen supervisor; with lease.renewIntervalMs (3000) and the fence margin (500 ms) that is 11500 ms, more than lease.ttlMs (10000): a lease renewed just before the freeze expires ttl − renewInterval after it, and Faktory must be dead 500 ms before; allowed: lease.renewIntervalMs ≤ 1500, a kill time ≤ 6500 ms or lease.ttlMs ≥ 11500",
    ],
    [
      "liveness slower than the lease",
      "x",
      { ...enterprise, liveness: { periodSeconds: 10, failureThreshold: 3 } },
      "liveness is too slow for the lease: liveness.periodSeconds (10) × liveness.failureThreshold (3) + liveness.timeoutSeconds (1) + liveness.terminationGracePeriodSeconds (1) = 32 s to kill a frozen supervisor; with lease.renewIntervalMs (1000) and the fence margin (500 ms) that is 33500 ms, more than lease.ttlMs (10000): a lease renewed just before the freeze expires ttl − renewInterval after it, and Faktory must be dead 500 ms before; allowed: a kill time ≤ 8500 ms or lease.ttlMs ≥ 33500",
    ],
    [
      "liveness kill alone as long as the ttl",
      "x",
      { ...enterprise, liveness: { periodSeconds: 2, failureThreshold: 4 } },
      "liveness is too slow for the lease: liveness.periodSeconds (2) × liveness.failureThreshold (4) + liveness.timeoutSeconds (1) + liveness.terminationGracePeriodSeconds (1) = 10 s to kill a frozen supervisor; with lease.renewIntervalMs (1000) and the fence margin (500 ms) that is 11500 ms, more than lease.ttlMs (10000): a lease renewed just before the freeze expires ttl − renewInterval after it, and Faktory must be dead 500 ms before; allowed: a kill time ≤ 8500 ms or lease.ttlMs ≥ 11500",
    ],
    [
      "liveness within the ttl but not within ttl − renew interval",
      "x",
      { ...enterprise, liveness: { timeoutSeconds: 2 } },
      "liveness is too slow for the lease: liveness.periodSeconds (2) × liveness.failureThreshold (3) + liveness.timeoutSeconds (2) + liveness.terminationGracePeriodSeconds (1) = 9 s to kill a frozen supervisor; with lease.renewIntervalMs (1000) and the fence margin (500 ms) that is 10500 ms, more than lease.ttlMs (10000): a lease renewed just before the freeze expires ttl − renewInterval after it, and Faktory must be dead 500 ms before; allowed: lease.renewIntervalMs ≤ 500, a kill time ≤ 8500 ms or lease.ttlMs ≥ 10500",
    ],
    [
      "liveness zero",
      "x",
      { ...enterprise, liveness: { timeoutSeconds: 0 } },
      "liveness.timeoutSeconds=0 must be the liveness probe timeout in seconds: an integer ≥ 1",
    ],
    [
      "grace shorter than the handover",
      "x",
      { ...enterprise, terminationGracePeriodSeconds: 6 },
      "terminationGracePeriodSeconds=6 is too short: it must be at least lease.stopTimeoutMs (2000 ms) + 5 s = 7 s, so the primary stops Faktory and releases the lease before it is killed",
    ],
    [
      "deregistration delay out of range",
      "x",
      { ...enterprise, deregistrationDelaySeconds: 3601 },
      "deregistrationDelaySeconds=3601 must be the NLB deregistration delay in seconds: an integer from 0 to 3600",
    ],
    ["root user", "x", { ...enterprise, runAsUser: 0 }, "runAsUser=0 must be a non-root UID: an integer ≥ 1"],
    [
      "a bad PodMonitor interval",
      "x",
      { ...enterprise, monitoring: { podMonitor: { interval: "often" } } },
      'monitoring.podMonitor.interval="often" must be a Prometheus duration such as "15s"',
    ],
  ];
  it.each(cases)("%s", (_label, name, args, message) => {
    expect(errorOf(name, args)).toBe(one(message));
  });

  // The rules shared with the stack config (edition, license, existing Secret) are asserted in
  // arg-rules.test.ts, once in each caller's names.
  it("refuses an unknown arg, naming the near miss or else every arg", () => {
    expect(errorOf("x", { ...enterprise, liveliness: {} })).toBe(
      one('liveliness is not a known arg; did you mean "liveness"?'),
    );
    expect(errorOf("x", { ...enterprise, replicas: 3 })).toBe(
      one(
        "replicas is not a known arg; known args are edition, image, secondaries, namespace, createNamespace, redisUrl, password, license, registryCredentials, cron, statsd, webUi, vpcCidrs, allowedCidrs, allowedNamespaces, scalerNamespaces, loadBalancer, serviceName, lease, liveness, startup, terminationGracePeriodSeconds, deregistrationDelaySeconds, resources, runAsUser, storageSize, storageClassName, labels, podLabels, podAnnotations, nodeSelector, tolerations, affinity, priorityClassName, extraEnv, extraConfFiles, existingSecret, monitoring, tls",
      ),
    );
  });

  it("refuses a JavaScript caller's missing image and VPC CIDRs", () => {
    expect(errorOf("x", { redisUrl: enterprise.redisUrl, license: "l" })).toBe(
      [
        "invalid Faktory args:",
        "image is required: the container image, pinned by tag or digest",
        'vpcCidrs is required: the VPC\'s CIDRs, e.g. ["10.0.0.0/16"]',
      ].join("\n  - "),
    );
  });

  it("checks the cron jobs with the other args, not when rendering them", () => {
    expect(
      errorOf("x", {
        ...enterprise,
        secondaries: -1,
        cron: [{ name: "nightly", schedule: "0 25 * * *", job: { type: "Nightly" } }],
      }),
    ).toMatch(
      /^invalid Faktory args:\n {2}- secondaries=-1 must be the number of hot standbys: an integer from 0 to 10\n {2}- cron: cron job "nightly": schedule .*25.*$/,
    );
  });

  it("lists every problem at once, whatever the phase that finds it", () => {
    expect(
      errorOf("X", {
        ...oss,
        secondary: 1,
        secondaries: 1,
        image: "contribsys/faktory:latest",
        allowedNamespaces: ["Jobs"],
        statsd: { location: "a:1" },
        terminationGracePeriodSeconds: 1,
      }),
    ).toBe(
      [
        "invalid Faktory args:",
        'name="X" must be a DNS label of at most 40 characters (lowercase letters, digits, "-")',
        'secondary is not a known arg; did you mean "secondaries"?',
        'image="contribsys/faktory:latest" is not pinned: it uses the floating tag "latest"; pin a version tag or a digest',
        'allowedNamespaces[0]="Jobs" must be a Kubernetes namespace name (lowercase DNS label)',
        'secondaries=1 must be 0 with edition "oss": open-source Faktory runs its Redis inside the pod, on the pod\'s own volume, so only one server can run; set edition to "enterprise" for hot standbys',
        'statsd is not used with edition "oss" (statsd needs Faktory Enterprise): remove it or set edition to "enterprise"',
        "terminationGracePeriodSeconds=1 is too short: it must be at least lease.stopTimeoutMs (2000 ms) + 5 s = 7 s, so the primary stops Faktory and releases the lease before it is killed",
      ].join("\n  - "),
    );
  });

  it("checks scalerNamespaces: namespace names, and enterprise only", () => {
    expect(errorOf("x", { ...enterprise, scalerNamespaces: ["keda", "KEDA"] })).toBe(
      one('scalerNamespaces[1]="KEDA" must be a Kubernetes namespace name (lowercase DNS label)'),
    );
    expect(errorOf("x", { ...oss, scalerNamespaces: ["keda"] } as never)).toBe(
      one(
        'scalerNamespaces is not used with edition "oss" (the scaler endpoint is served by the faktory-ha supervisor on its health port, which open-source Faktory alone does not have): remove it or set edition to "enterprise"',
      ),
    );
    expect(() => resolveSettings("x", { ...enterprise, scalerNamespaces: [] })).not.toThrow();
  });

  it("does not apply the lease bound to oss (no lease there)", () => {
    expect(() => resolveSettings("dev", { ...oss, liveness: { periodSeconds: 10 } })).not.toThrow();
  });

  it("takes lease database 0 when the redisUrl selects another", () => {
    expect(
      resolveSettings("x", {
        ...enterprise,
        redisUrl: "rediss://:token@redis:6379/2",
        lease: { database: 0 },
      }).lease.database,
    ).toBe(0);
  });

  it("leaves a secret redisUrl's database to the supervisor, which reads it at start", () => {
    expect(
      resolveSettings("x", {
        ...enterprise,
        redisUrl: pulumi.secret("redis://redis:6379"),
        lease: { database: 0 },
      }).lease.database,
    ).toBe(0);
  });
});

describe("imagePinningError", () => {
  const digest = `sha256:${"b".repeat(64)}`;
  it.each([
    ["repo/faktory-ha:1.9.4", undefined],
    ["registry:5000/team/faktory-ha:v2", undefined],
    [`repo/faktory-ha@${digest}`, undefined],
    [`repo/faktory-ha:1.9.4@${digest}`, undefined],
    ["repo/faktory-ha", `image="repo/faktory-ha" is not pinned: it has neither a tag nor a digest`],
    [
      "registry:5000/faktory-ha",
      `image="registry:5000/faktory-ha" is not pinned: it has neither a tag nor a digest`,
    ],
    [
      "contribsys/faktory:latest",
      `image="contribsys/faktory:latest" is not pinned: it uses the floating tag "latest"; pin a version tag or a digest`,
    ],
  ])("%s", (image, expected) => {
    expect(imagePinningError(image)).toBe(expected);
  });
});

describe("values shared with the supervisor and the network", () => {
  const base = { image: "i:1", license: "l", vpcCidrs: ["10.0.0.0/16"] };
  const problems = (args: Record<string, unknown>): string => {
    try {
      resolveSettings("x", args as never);
    } catch (e) {
      return (e as Error).message;
    }
    return "";
  };

  it.each([
    ["http://x", 'redisUrl has scheme "http:": allowed redis: or rediss: (TLS)'],
    ["not a url", "redisUrl is not a URL: expected redis://host:port or rediss://host:port"],
  ])("rejects a plain-text redisUrl %s the supervisor would refuse, without echoing it", (url, message) => {
    const msg = problems({ ...base, redisUrl: url });
    expect(msg).toContain(message);
    if (url !== "not a url") expect(msg).not.toContain(url);
  });

  it.each([
    ["vpcCidrs", "10.0.0.300/16"],
    ["allowedCidrs", "10.0.0.1/16"],
  ])("rejects %s entry %s", (arg, cidr) => {
    expect(problems({ ...base, redisUrl: "redis://r:6379", [arg]: [cidr] })).toContain(
      `${arg}[0]="${cidr}" must be an IPv4 CIDR (a network address, no host bits) such as 10.0.0.0/16`,
    );
  });
});

describe("chart-parity knobs (exact messages)", () => {
  const cases: [string, AnyArgs, string][] = [
    [
      "a bad nodeSelector key",
      { ...enterprise, nodeSelector: { "node pool": "jobs" } },
      `nodeSelector["node pool"]="jobs" label key "node pool" is not a Kubernetes label key (such as release or app.kubernetes.io/part-of)`,
    ],
    [
      "a bad nodeSelector value",
      { ...enterprise, nodeSelector: { pool: "jobs and more" } },
      `nodeSelector.pool="jobs and more" must be a Kubernetes label value: up to 63 letters, digits, '-', '_', '.'`,
    ],
    [
      "an unknown toleration operator",
      { ...enterprise, tolerations: [{ key: "dedicated", operator: "In" as never }] },
      `tolerations[0].operator="In" must be one of "Exists", "Equal"`,
    ],
    [
      "a toleration value with Exists",
      { ...enterprise, tolerations: [{ key: "dedicated", operator: "Exists", value: "faktory" }] },
      `tolerations[0].value="faktory" must be empty with operator "Exists"`,
    ],
    [
      "tolerationSeconds without NoExecute",
      { ...enterprise, tolerations: [{ key: "k", effect: "NoSchedule", tolerationSeconds: 30 }] },
      `tolerations[0].tolerationSeconds=30 is only allowed with effect "NoExecute"`,
    ],
    [
      "a misspelt toleration field",
      { ...enterprise, tolerations: [{ key: "k", efect: "NoSchedule" } as never] },
      'tolerations[0].efect is not a known key; did you mean "effect"?',
    ],
    [
      "an unknown affinity part",
      { ...enterprise, affinity: { nodeAfinity: {} } as never },
      'affinity.nodeAfinity is not a known key; did you mean "nodeAffinity"?',
    ],
    [
      "an affinity the Kubernetes schema refuses",
      {
        ...enterprise,
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: "pool", operator: "Inside" }] }],
            },
          },
        },
      },
      `affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator="Inside" must be equal to one of the allowed values (DoesNotExist, Exists, Gt, In, Lt, NotIn) (Kubernetes Affinity schema)`,
    ],
    [
      "a bad priority class",
      { ...enterprise, priorityClassName: "High_Priority" },
      `priorityClassName="High_Priority" must be a PriorityClass name (lowercase letters, digits, '-', '.'; at most 253)`,
    ],
    [
      "a bad pod annotation key",
      { ...enterprise, podAnnotations: { "my note": "x" } },
      `podAnnotations["my note"]="x" annotation key "my note" is not a Kubernetes annotation key (such as example.com/owner)`,
    ],
    [
      "a pod annotation the component sets",
      { ...enterprise, podAnnotations: { "prometheus.io/port": "9090" } },
      `podAnnotations["prometheus.io/port"] is set by the component (Prometheus scrape annotations): remove it, or set monitoring.scrapeAnnotations to false`,
    ],
    [
      "a pod label that would change the selector",
      { ...enterprise, podLabels: { "app.kubernetes.io/instance": "other" } },
      `podLabels["app.kubernetes.io/instance"]="other" label key "app.kubernetes.io/instance" is set by the component (its selector and part-of/managed-by labels: app.kubernetes.io/name, app.kubernetes.io/instance, app.kubernetes.io/component, app.kubernetes.io/part-of, app.kubernetes.io/managed-by); use another key`,
    ],
    [
      "a malformed resource quantity",
      { ...enterprise, resources: { requests: { memory: "512MB" } } },
      `resources.requests.memory="512MB" must be a Kubernetes quantity such as "512Mi"`,
    ],
    [
      "a request above the default limit",
      { ...enterprise, resources: { requests: { memory: "2Gi" } } },
      `resources.requests.memory="2Gi" must not exceed the limit limits.memory ("1Gi", the default): raise the limit too`,
    ],
    [
      "a request above its limit",
      { ...enterprise, resources: { requests: { cpu: "3" }, limits: { cpu: "2500m" } } },
      `resources.requests.cpu="3" must not exceed the limit limits.cpu ("2500m"): raise the limit too`,
    ],
    [
      "an extra env var of the supervisor contract",
      { ...enterprise, extraEnv: [{ name: "FAKTORY_HA_LEASE_TTL_MS", value: "5000" }] },
      `extraEnv[0].name="FAKTORY_HA_LEASE_TTL_MS" is set by the component (the supervisor contract's FAKTORY_HA_* and REDIS_URL, FAKTORY_PASSWORD, FAKTORY_LICENSE): set those through the component's args or existingSecret`,
    ],
    [
      "an extra env var from the Secret",
      {
        ...oss,
        extraEnv: [
          { name: "TZ", value: "UTC" },
          { name: "FAKTORY_PASSWORD", value: "x" },
        ],
      },
      `extraEnv[1].name="FAKTORY_PASSWORD" is set by the component (the supervisor contract's FAKTORY_HA_* and REDIS_URL, FAKTORY_PASSWORD, FAKTORY_LICENSE): set those through the component's args or existingSecret`,
    ],
    [
      "an extra env var given twice",
      {
        ...enterprise,
        extraEnv: [
          { name: "TZ", value: "UTC" },
          { name: "TZ", value: "CET" },
        ],
      },
      `extraEnv[1].name="TZ" is given twice`,
    ],
    [
      "an extra env var that is no name",
      { ...enterprise, extraEnv: [{ name: "1X", value: "y" }] },
      `extraEnv[0].name="1X" must be an environment variable name (letters, digits, '_', not starting with a digit)`,
    ],
    [
      "an extra conf.d file that is not TOML",
      {
        ...enterprise,
        extraConfFiles: { "throttles.toml": "[throttles.default]\nconcurrency = 5\ntimeout = 60s\n" },
      },
      `extraConfFiles["throttles.toml"] file throttles.toml is not valid TOML: line 3, column 13: illegal character in numeric literal`,
    ],
    [
      "an extra conf.d file the component renders",
      { ...enterprise, extraConfFiles: { "cron.toml": "" } },
      `extraConfFiles["cron.toml"]="" file cron.toml is rendered by the component from cron: set cron instead`,
    ],
    [
      "an extra conf.d file with a bad name",
      { ...enterprise, extraConfFiles: { "../throttles.toml": "" } },
      `extraConfFiles["../throttles.toml"]="" file name "../throttles.toml" must end in .toml and use only letters, digits, '_', '-', '.' (at most 253)`,
    ],
    [
      "an existing Secret with a bad name",
      { ...enterprise, license: undefined, existingSecret: "Faktory_Secrets", createNamespace: false },
      `existingSecret="Faktory_Secrets" must be a Secret name (lowercase letters, digits, '-', '.'; at most 253)`,
    ],
    [
      "an existing Secret in a namespace the component creates",
      { ...enterprise, license: undefined, existingSecret: "faktory-secrets" },
      `existingSecret="faktory-secrets" needs createNamespace: false: the Secret lives in a namespace that already exists`,
    ],
  ];
  it.each(cases)("%s", (_label, args, message) => {
    expect(errorOf("x", args)).toBe(one(message));
  });

  it("accepts every knob set well, and an existing Secret instead of redisUrl and license", () => {
    const settings = resolveSettings("x", {
      ...enterprise,
      redisUrl: undefined,
      license: undefined,
      existingSecret: "faktory-credentials",
      createNamespace: false,
      nodeSelector: { "karpenter.sh/nodepool": "jobs" },
      tolerations: [{ key: "dedicated", value: "faktory", effect: "NoSchedule" }, { operator: "Exists" }],
      affinity: { podAntiAffinity: {} },
      priorityClassName: "high",
      podAnnotations: { "example.com/owner": "payments" },
      podLabels: { team: "payments" },
      resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1500m", memory: "1.5Gi" } },
      extraEnv: [{ name: "TZ", value: "UTC" }],
      extraConfFiles: { "throttles.toml": '[throttles.default]\nconcurrency = 5\ntimeout = "60s"\n' },
    });
    expect(settings).toMatchObject({
      existingSecret: "faktory-credentials",
      extraEnv: [{ name: "TZ", value: "UTC" }],
    });
  });
});
