// Each cross-argument rule is written once (components/k8s/arg-rules.ts) and used by the component and
// by the stack config: every message is asserted here once in the component's arg names and once in
// the stack's key names, through each caller's real entry point.
import { describe, expect, it } from "vitest";
import { resolveSettings } from "../../../components/k8s/settings";
import type { FaktoryArgs } from "../../../components/k8s/types";
import { problemsOf } from "../infra/problems";

const enterprise = {
  image: "repo/faktory-ha:1.9.4",
  redisUrl: "rediss://:token@redis:6379",
  license: "license",
  vpcCidrs: ["10.0.0.0/16"],
};
const oss = { edition: "oss", image: "contribsys/faktory:1.9.4", vpcCidrs: ["10.0.0.0/16"] };

/** The component's problems (as a JavaScript caller gets them: untyped args). */
function componentProblems(args: object): string[] {
  try {
    resolveSettings("faktory", args as FaktoryArgs);
  } catch (e) {
    return (e as Error).message.split("\n  - ").slice(1);
  }
  return [];
}

const stackEnterprise: Record<string, string> = {
  "aws:region": "us-east-1",
  "faktory-ha:environment": "dev",
  "faktory-ha:faktoryImage": "docker.contribsys.com/contribsys/faktory-ent:1.9.4",
  "faktory-ha:license": "license-key",
};
const stackOss: Record<string, string> = {
  "aws:region": "us-east-1",
  "faktory-ha:environment": "dev",
  "faktory-ha:edition": "oss",
  "faktory-ha:faktoryImage": "contribsys/faktory:1.9.4",
};
const secrets = new Set(["faktory-ha:license", "faktory-ha:password", "faktory-ha:redis"]);
const stackProblems = (raw: Record<string, string>) => problemsOf(raw, secrets);

const WHY_TLS =
  "the TLS ports are served by the faktory-ha supervisor's routers; open-source Faktory alone has no TLS";
const WHY_METRICS =
  "the metrics come from the faktory-ha supervisor's /metrics, which open-source Faktory alone does not serve";

describe("oss with standbys", () => {
  it("component", () => {
    expect(componentProblems({ ...oss, secondaries: 2 })).toEqual([
      'secondaries=2 must be 0 with edition "oss": open-source Faktory runs its Redis inside the pod, on the pod\'s own volume, so only one server can run; set edition to "enterprise" for hot standbys',
    ]);
  });
  it("stack", () => {
    expect(stackProblems({ ...stackOss, "faktory-ha:secondaries": "2" })).toEqual([
      'faktory-ha:secondaries: got 2; must be 0 with faktory-ha:edition "oss": open-source Faktory runs its Redis inside the pod, on the pod\'s own volume, so only one server can run; set faktory-ha:edition to "enterprise" for hot standbys',
    ]);
  });
});

describe("Enterprise without a license", () => {
  it("component", () => {
    expect(componentProblems({ ...enterprise, license: undefined })).toEqual([
      'license is required with edition "enterprise": set it to your Faktory Enterprise license, set existingSecret to a Secret holding FAKTORY_LICENSE, or set edition to "oss" (one server, no standbys, no cron)',
    ]);
  });
  it("stack", () => {
    const { "faktory-ha:license": _license, ...raw } = stackEnterprise;
    expect(stackProblems(raw)).toEqual([
      'faktory-ha:license: got nothing; is required with faktory-ha:edition "enterprise": set it to your Faktory Enterprise license, set faktory-ha:existingSecret to a Secret holding FAKTORY_LICENSE, or set faktory-ha:edition to "oss" (one server, no standbys, no cron)',
    ]);
  });
});

describe("an existing Secret and the password or license it holds", () => {
  it("component", () => {
    expect(
      componentProblems({
        ...enterprise,
        existingSecret: "creds",
        createNamespace: false,
        password: "pw",
      }),
    ).toEqual([
      'password must not be given with existingSecret="creds": the pods read FAKTORY_PASSWORD from that Secret; remove one of them',
      'license must not be given with existingSecret="creds": the pods read FAKTORY_LICENSE from that Secret; remove one of them',
    ]);
  });
  it("stack", () => {
    expect(
      stackProblems({
        ...stackEnterprise,
        "faktory-ha:existingSecret": "creds",
        "faktory-ha:password": "pw",
      }),
    ).toEqual([
      'faktory-ha:password: got a secret value (not shown); must not be given with faktory-ha:existingSecret="creds": the pods read FAKTORY_PASSWORD from that Secret; remove one of them',
      'faktory-ha:license: got a secret value (not shown); must not be given with faktory-ha:existingSecret="creds": the pods read FAKTORY_LICENSE from that Secret; remove one of them',
    ]);
  });
});

describe("settings oss would ignore, each named", () => {
  it("component", () => {
    expect(
      componentProblems({
        ...oss,
        redisUrl: "rediss://:token@redis:6379",
        license: "license",
        cron: [{ schedule: "@daily", job: { type: "Nightly" } }],
        statsd: { location: "agent:8125" },
        lease: { ttlMs: 10000 },
        tls: { mode: "required", secretName: "faktory-tls" },
        monitoring: { scrapeAnnotations: true, podMonitor: {}, prometheusRule: {}, dashboard: {} },
      }),
    ).toEqual([
      'redisUrl is not used with edition "oss" (it runs its own Redis): remove it or set edition to "enterprise"',
      'license is not used with edition "oss" (the license is for Faktory Enterprise): remove it or set edition to "enterprise"',
      'cron is not used with edition "oss" (cron needs Faktory Enterprise): remove it or set edition to "enterprise"',
      'statsd is not used with edition "oss" (statsd needs Faktory Enterprise): remove it or set edition to "enterprise"',
      'lease is not used with edition "oss" (it runs one server and no supervisor, so there is no lease): remove it or set edition to "enterprise"',
      `tls is not used with edition "oss" (${WHY_TLS}): remove it or set edition to "enterprise"`,
      `monitoring.scrapeAnnotations=true is not used with edition "oss" (${WHY_METRICS}): remove it or set edition to "enterprise"`,
      `monitoring.podMonitor is not used with edition "oss" (${WHY_METRICS}): remove it or set edition to "enterprise"`,
      `monitoring.prometheusRule is not used with edition "oss" (${WHY_METRICS}): remove it or set edition to "enterprise"`,
      `monitoring.dashboard is not used with edition "oss" (${WHY_METRICS}): remove it or set edition to "enterprise"`,
    ]);
  });
  it("stack", () => {
    expect(
      stackProblems({
        ...stackOss,
        "faktory-ha:redis": JSON.stringify({ existingUrl: "rediss://:token@redis:6379" }),
        "faktory-ha:license": "license",
        "faktory-ha:cronFile": "stacks/cron/jobs.ts",
        "faktory-ha:statsd": '{"location":"agent:8125"}',
        "faktory-ha:lease": '{"ttlMs":10000}',
        "faktory-ha:tls": '{"mode":"required","secretName":"faktory-tls"}',
        "faktory-ha:monitoring": JSON.stringify({
          scrapeAnnotations: true,
          podMonitor: { enabled: true },
          prometheusRule: { enabled: true },
          dashboard: { enabled: true },
        }),
      }),
    ).toEqual([
      'faktory-ha:redis.existingUrl: got a secret value (not shown); is not used with faktory-ha:edition "oss" (it runs its own Redis): remove it or set faktory-ha:edition to "enterprise"',
      'faktory-ha:license: got a secret value (not shown); is not used with faktory-ha:edition "oss" (the license is for Faktory Enterprise): remove it or set faktory-ha:edition to "enterprise"',
      'faktory-ha:cronFile: got "stacks/cron/jobs.ts"; is not used with faktory-ha:edition "oss" (cron needs Faktory Enterprise): remove it or set faktory-ha:edition to "enterprise"',
      'faktory-ha:statsd: got {"location":"agent:8125"}; is not used with faktory-ha:edition "oss" (statsd needs Faktory Enterprise): remove it or set faktory-ha:edition to "enterprise"',
      'faktory-ha:lease: got {"ttlMs":10000}; is not used with faktory-ha:edition "oss" (it runs one server and no supervisor, so there is no lease): remove it or set faktory-ha:edition to "enterprise"',
      `faktory-ha:tls: got {"mode":"required","secretName":"faktory-tls"}; is not used with faktory-ha:edition "oss" (${WHY_TLS}): remove it or set faktory-ha:edition to "enterprise"`,
      `faktory-ha:monitoring.scrapeAnnotations: got true; is not used with faktory-ha:edition "oss" (${WHY_METRICS}): remove it or set faktory-ha:edition to "enterprise"`,
      `faktory-ha:monitoring.podMonitor.enabled: got true; is not used with faktory-ha:edition "oss" (${WHY_METRICS}): remove it or set faktory-ha:edition to "enterprise"`,
      `faktory-ha:monitoring.prometheusRule.enabled: got true; is not used with faktory-ha:edition "oss" (${WHY_METRICS}): remove it or set faktory-ha:edition to "enterprise"`,
      `faktory-ha:monitoring.dashboard.enabled: got true; is not used with faktory-ha:edition "oss" (${WHY_METRICS}): remove it or set faktory-ha:edition to "enterprise"`,
    ]);
  });
});

describe("ElastiCache settings with oss (stack only: the component takes a Redis URL)", () => {
  it("stack", () => {
    expect(stackProblems({ ...stackOss, "faktory-ha:redis": '{"nodes":2}' })).toEqual([
      'faktory-ha:redis: got {"nodes":2}; is not used with faktory-ha:edition "oss" (it runs its own Redis; no ElastiCache is created): remove it or set faktory-ha:edition to "enterprise"',
    ]);
  });
});

describe("the open-source server's startup probe (component only)", () => {
  it("refuses a period out of range and a window shorter than the liveness kill time", () => {
    expect(componentProblems({ ...oss, startup: { periodSeconds: 0 } })).toEqual([
      "startup.periodSeconds=0 must be the startup probe period in seconds: an integer from 1 to 60",
    ]);
    expect(componentProblems({ ...oss, startup: { periodSeconds: 1, failureThreshold: 5 } })).toEqual([
      "startup.periodSeconds (1) × startup.failureThreshold (5) = 5 s must be at least the liveness probe's kill time (8 s), or a slow first Redis load gets less time than without a startup probe",
    ]);
    expect(componentProblems({ ...oss, startup: { periodSeconds: 2, failureThreshold: 4 } })).toEqual([]);
  });
});

describe("settings Faktory Enterprise would ignore (component only: the stack has no volume keys)", () => {
  it("component", () => {
    expect(
      componentProblems({
        ...enterprise,
        storageSize: "20Gi",
        storageClassName: "gp3",
        startup: { periodSeconds: 5 },
      }),
    ).toEqual([
      'storageSize="20Gi" is not used with edition "enterprise" (it sizes the open-source server\'s own Redis volume; Faktory Enterprise keeps its data in Redis): remove it or set edition to "oss"',
      'storageClassName="gp3" is not used with edition "enterprise" (it picks the open-source server\'s own Redis volume; Faktory Enterprise keeps its data in Redis): remove it or set edition to "oss"',
      'startup is not used with edition "enterprise" (it gives the open-source server time to load its own Redis; the supervisor answers at once and its Faktory loads none): remove it or set edition to "oss"',
    ]);
  });
});
