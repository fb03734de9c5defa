import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { buildCli, projectWithStack, ROOT, runPlan, type PlanRun } from "./plan-cli";

interface PlanJson {
  stack: string;
  counts: Record<string, number>;
  resources: {
    type: string;
    name: string;
    parent: { type: string; name: string } | null;
    inputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- plan JSON is probed by path
  }[];
  outputs: Record<string, unknown>;
  schema: { valid: number; invalid: unknown[] };
  policies: {
    mandatory: number;
    advisory: number;
    violations: { policy: string; enforcement: string; resource: string; message: string }[];
  };
  cron: { jobs: { name: string; runs: unknown[] }[]; warnings: string[] };
  unknownCalls: string[];
  files: string[];
  placeholders: string[];
}

// Strings that only exist as stand-ins for secrets: a generated password, a not-decrypted stack secret.
const SECRET_MARKERS = ["generated-", "not decrypted by the offline plan", "mock-ecr-password"];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}

const runs: Record<string, { text: PlanRun; json: PlanRun; plan: PlanJson }> = {};

beforeAll(() => {
  buildCli();
  for (const stack of ["dev", "prod"]) {
    const text = runPlan([stack]);
    const json = runPlan([stack, "--json", "--no-write"]);
    runs[stack] = { text, json, plan: JSON.parse(json.stdout) as PlanJson };
  }
}, 180_000);

/** Plans a variant of a stack file (written out), which must come out clean: exit 0, valid, no mandatory violation. */
function cleanPlan(stack: string, yaml: string): { plan: PlanJson; dir: string } {
  const dir = projectWithStack(stack, yaml);
  const run = runPlan([stack, "--json"], dir);
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  const plan = JSON.parse(run.stdout) as PlanJson;
  expect(plan.schema.invalid).toEqual([]);
  expect(plan.policies.mandatory).toBe(0);
  return { plan, dir };
}

const one = (plan: PlanJson, type: string) => {
  const found = plan.resources.filter((r) => r.type === type);
  expect(found, type).toHaveLength(1);
  return found[0];
};

describe.each(["dev", "prod"])("plan %s", (stack) => {
  it("exits 0 with a valid schema, no mandatory policy violation and every invoke answered", () => {
    const { text, json, plan } = runs[stack];
    expect(text.stderr).toBe("");
    expect(text.status).toBe(0);
    expect(json.status).toBe(0);
    expect(plan.schema.invalid).toEqual([]);
    expect(plan.schema.valid).toBeGreaterThanOrEqual(9);
    expect(plan.policies.mandatory).toBe(0);
    expect(plan.unknownCalls).toEqual([]);
  });

  it("prints the resource tree and a summary line", () => {
    const { text, plan } = runs[stack];
    expect(text.stdout).toContain(`faktory-ha:k8s:Faktory  faktory-${stack}`);
    expect(text.stdout).toContain(`└─ kubernetes:core/v1:Service  faktory-${stack}-nlb`);
    expect(text.stdout).toMatch(new RegExp(`^${plan.resources.length} resources: aws \\d+, `, "m"));
  });

  it("parents every child to its component", () => {
    const { plan } = runs[stack];
    const statefulSet = one(plan, "kubernetes:apps/v1:StatefulSet");
    expect(statefulSet.parent).toEqual({ type: "faktory-ha:k8s:Faktory", name: `faktory-${stack}` });
    expect(one(plan, "aws:elasticache/replicationGroup:ReplicationGroup").parent).toEqual({
      type: "faktory-ha:aws:Redis",
      name: `faktory-${stack}-redis`,
    });
    const roots = plan.resources.filter((r) => r.parent === null).map((r) => r.type);
    expect(roots.sort()).toEqual([
      // CloudWatch alarms: on in prod, off in dev.
      ...(stack === "prod" ? ["faktory-ha:aws:Alarms"] : []),
      "faktory-ha:aws:Cluster",
      "faktory-ha:aws:Image",
      "faktory-ha:aws:Network",
      "faktory-ha:aws:Redis",
      "faktory-ha:k8s:Faktory",
    ]);
  });

  it("never shows a secret in stdout, --json or out/", () => {
    const { text, json } = runs[stack];
    const outFiles = filesUnder(join(ROOT, "out", stack));
    expect(outFiles.length).toBeGreaterThan(5);
    for (const marker of SECRET_MARKERS) {
      expect(text.stdout).not.toContain(marker);
      expect(json.stdout).not.toContain(marker);
      for (const file of outFiles) expect(readFileSync(file, "utf8"), file).not.toContain(marker);
    }
    expect(runs[stack].plan.outputs).toMatchObject({
      faktoryUrl: "[secret]",
      faktoryNlbUrl: "[secret]",
      kubeconfig: "[secret]",
    });
  });

  it("opens every out/ file with a comment naming the placeholder values it holds", () => {
    const dir = join(ROOT, "out", stack);
    const opening = `# Written by \`faktory-ha plan ${stack}\` offline: nothing here was read from AWS or a cluster.\n`;
    for (const file of filesUnder(dir)) {
      expect(readFileSync(file, "utf8").slice(0, opening.length), file).toBe(opening);
    }
    const statefulSet = readFileSync(
      join(dir, "kubernetes", `statefulset-faktory-faktory-${stack}.yaml`),
      "utf8",
    );
    const header = statefulSet.slice(0, statefulSet.indexOf("apiVersion:"));
    expect(header).toContain("# PLACEHOLDERS: the offline stand-in made these up");
    expect(header).toMatch(
      /^# {3}spec\.template\.spec\.containers\[0\]\.image = 123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/.*@sha256:a{64}$/m,
    );
    expect(header).toContain(
      `#   spec.template.spec.imagePullSecrets[0].name = faktory-${stack}-registry-0a1b2c3d\n`,
    );
    expect(readFileSync(join(dir, "kubernetes", "namespace-faktory.yaml"), "utf8")).toContain(
      "# No value in this file is a placeholder for one the cloud assigns at deploy time.\n",
    );
    expect(runs[stack].plan.placeholders).toContain(
      `master.faktory-${stack}-redis-cache.abc123.use1.cache.amazonaws.com`,
    );
  });

  it("writes kubectl-applyable YAML and conf.d, and the JSON report beside them", () => {
    const dir = join(ROOT, "out", stack);
    const statefulSet = parseYaml(
      readFileSync(join(dir, "kubernetes", `statefulset-faktory-faktory-${stack}.yaml`), "utf8"),
    );
    expect(statefulSet).toMatchObject({
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { namespace: "faktory" },
    });
    const secret = parseYaml(
      readFileSync(
        join(
          dir,
          "kubernetes",
          readdirSync(join(dir, "kubernetes")).find((f) => /^secret-faktory-faktory-.*secret/.test(f))!,
        ),
        "utf8",
      ),
    );
    expect(Object.values(secret.stringData)).toEqual(
      Array(Object.keys(secret.stringData).length).fill("[secret]"),
    );
    expect(Object.keys(secret.stringData).sort()).toEqual([
      "FAKTORY_LICENSE",
      "FAKTORY_PASSWORD",
      "REDIS_URL",
    ]);
    const cron = readFileSync(join(dir, "conf.d", "cron.toml"), "utf8");
    expect(cron).toContain('schedule = "0 12 27 * *"');
    // The JSON report sits beside the folder: `kubectl apply -R -f out/<stack>/` reads every .json in it.
    expect(existsSync(join(ROOT, "out", `${stack}.plan.json`))).toBe(true);
    expect(existsSync(join(dir, "plan.json"))).toBe(false);
    // A registry Secret's placeholder is JSON (the API server rejects a .dockerconfigjson that is not).
    const registry = readdirSync(join(dir, "kubernetes"))
      .map((f) => parseYaml(readFileSync(join(dir, "kubernetes", f), "utf8")))
      .filter((o) => o.kind === "Secret" && o.type === "kubernetes.io/dockerconfigjson");
    expect(registry).toHaveLength(1);
    expect(JSON.parse(registry[0].stringData[".dockerconfigjson"])).toEqual({
      auths: { "[secret]": { auth: "[secret]" } },
    });
  });
});

describe("plan figures per stack", () => {
  it("prints for prod the summary line README quotes", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8").replace(/\s+/g, " ");
    const summary = /^\d+ resources: .*$/m.exec(runs.prod.text.stdout)?.[0];
    expect(summary).toBeDefined();
    expect(readme).toContain(`(\`npm run plan -- prod\`: \`${summary}\`)`);
  });

  it("dev: 1 + 1 pods, one NAT gateway over 2 AZs, a 2-node valkey", () => {
    const { plan } = runs.dev;
    expect(one(plan, "kubernetes:apps/v1:StatefulSet").inputs.spec.replicas).toBe(2);
    expect(plan.counts["aws:ec2/natGateway:NatGateway"]).toBe(1);
    expect(plan.counts["aws:ec2/subnet:Subnet"]).toBe(4);
    expect(one(plan, "aws:elasticache/replicationGroup:ReplicationGroup").inputs).toMatchObject({
      engine: "valkey",
      numCacheClusters: 2,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      transitEncryptionEnabled: true,
      atRestEncryptionEnabled: true,
      authToken: "[secret]",
      snapshotRetentionLimit: 1,
    });
    expect(plan.counts["kubernetes:core/v1:Service"]).toBe(2);
  });

  it("prod: 1 + 2 pods, a NAT gateway per AZ over 3 AZs, a 3-node redis with a week of snapshots", () => {
    const { plan } = runs.prod;
    expect(one(plan, "kubernetes:apps/v1:StatefulSet").inputs.spec.replicas).toBe(3);
    expect(plan.counts["aws:ec2/natGateway:NatGateway"]).toBe(3);
    expect(plan.counts["aws:ec2/subnet:Subnet"]).toBe(6);
    expect(one(plan, "aws:elasticache/replicationGroup:ReplicationGroup").inputs).toMatchObject({
      engine: "redis",
      numCacheClusters: 3,
      snapshotRetentionLimit: 7,
    });
    const nlb = plan.resources.find((r) => r.name === "faktory-prod-nlb")!;
    expect(nlb.inputs.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"]).toBe(
      "internal",
    );
    // TLS required: only the TLS job port, on the ClusterIP Service and the NLB alike; the ClusterIP Service
    // also serves the plain health port (KEDA reads the scaler endpoint there), the NLB does not.
    expect(nlb.inputs.spec.ports.map((p: { port: number }) => p.port)).toEqual([7429]);
    const service = plan.resources.find((r) => r.name === "faktory-prod-service")!;
    expect(service.inputs.spec.ports.map((p: { port: number }) => p.port)).toEqual([7429, 7421]);
    expect(runs.prod.text.stdout).toContain("conf.d");
    expect(existsSync(join(ROOT, "out", "prod", "conf.d", "statsd.toml"))).toBe(true);
  });

  it("prod: CloudWatch alarms on every Redis node and the NLB's target group, to a created topic; dev: none", () => {
    const { plan } = runs.prod;
    const alarms = plan.resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm");
    const roles = ["memory", "engine-cpu", "replication-lag", "evictions", "connections"];
    expect(alarms.map((a) => a.name).sort()).toEqual(
      [
        ...[0, 1, 2].flatMap((i) => roles.map((role) => `faktory-prod-alarms-${role}-${i}`)),
        "faktory-prod-alarms-nlb-unhealthy-7429",
      ].sort(),
    );
    const topic = one(plan, "aws:sns/topic:Topic");
    expect(topic.parent).toEqual({ type: "faktory-ha:aws:Alarms", name: "faktory-prod-alarms" });
    const topicArn = "arn:aws:sns:us-east-1:123456789012:faktory-prod-alarms-topic";
    expect(plan.outputs.alarmTopicArn).toBe(topicArn);
    const byName = (name: string) => alarms.find((a) => a.name === name)!.inputs;
    expect(byName("faktory-prod-alarms-memory-2")).toMatchObject({
      namespace: "AWS/ElastiCache",
      metricName: "DatabaseMemoryUsagePercentage",
      dimensions: { CacheClusterId: "faktory-prod-redis-cache-id-003", CacheNodeId: "0001" },
      threshold: 80,
      alarmActions: [topicArn],
      okActions: [topicArn],
    });
    // The NLB is found by the tags the AWS Load Balancer Controller puts on the Service's resources.
    expect(byName("faktory-prod-alarms-nlb-unhealthy-7429")).toMatchObject({
      namespace: "AWS/NetworkELB",
      metricName: "UnHealthyHostCount",
      dimensions: {
        LoadBalancer: "net/k8s-faktory-faktory-nlb/0123456789abcdef",
        TargetGroup: "targetgroup/k8s-faktory-faktory-nlb-7429/fedcba9876543210",
      },
    });
    expect(
      runs.dev.plan.resources.filter(
        (r) => r.type.startsWith("aws:cloudwatch") || r.type.startsWith("aws:sns"),
      ),
    ).toEqual([]);
    expect(runs.dev.plan.outputs.alarmTopicArn).toBe("alarms off (faktory-ha:alarms.enabled: false)");
  });

  it("scrapes the pods by annotation (the health port's /metrics) and creates no custom resources", () => {
    for (const stack of ["dev", "prod"]) {
      const { plan } = runs[stack];
      const statefulSet = one(plan, "kubernetes:apps/v1:StatefulSet");
      expect(statefulSet.inputs.spec.template.metadata.annotations).toEqual({
        "prometheus.io/scrape": "true",
        "prometheus.io/port": "7421",
        "prometheus.io/path": "/metrics",
      });
      expect(plan.resources.filter((r) => r.type.includes("monitoring.coreos.com"))).toEqual([]);
    }
  });

  it("previews each cron job's next runs", () => {
    const { plan, text } = runs.prod;
    expect(plan.cron.jobs.map((j) => j.name)).toEqual([
      "monthly-statements",
      "ledger-reconciliation",
      "payment-retries",
    ]);
    expect(plan.cron.jobs[0].runs[0]).toEqual({
      utc: "2026-12-27T12:00Z",
      local: "Sun 2026-12-27 12:00 UTC (+00:00)",
    });
    expect(text.stdout).toContain("2026-11-28T04:30Z   Fri 2026-11-27 22:30 CST (-06:00)");
  });
});

describe("plan on bad input", () => {
  const devYaml = readFileSync(join(ROOT, "stacks", "Pulumi.dev.yaml"), "utf8");

  it("exits 1 with the config error when a stack file has a bad value, before any resource", () => {
    const dir = projectWithStack(
      "broken",
      devYaml.replace("faktory-ha:secondaries: 1", "faktory-ha:secondaries: -1"),
    );
    const run = runPlan(["broken", "--json"], dir);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      'error: stack "broken": Invalid stack config (1 problem):\n' +
        "  - faktory-ha:secondaries: got -1; must be the number of hot standbys: an integer from 0 to 10\n",
    );
    expect(existsSync(join(dir, "out"))).toBe(false);
  });

  it("exits 1 naming the stacks there are when the stack does not exist", () => {
    const run = runPlan(["nope"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /^error: no stack "nope": .*stacks\/Pulumi\.nope\.yaml does not exist; stacks here: dev, prod\n$/,
    );
  });
});

describe("plan of a deliberately bad stack (the seed deployment)", () => {
  let run: PlanRun;
  let plan: PlanJson;
  let outDir: string;

  beforeAll(() => {
    outDir = mkdtempSync(join(tmpdir(), "faktory-ha-seed-out-"));
    run = runPlan(["prod", "--project", join(ROOT, "test/fixtures/seed-project"), "--json", "--out", outDir]);
    plan = JSON.parse(run.stdout) as PlanJson;
  }, 120_000);

  it("exits 1 and reports the two volumes on one mountPath against the schema", () => {
    expect(run.status).toBe(1);
    expect(plan.schema.invalid).toEqual([
      {
        object: "Deployment/faktory-primary",
        errors: [
          "apps/v1/Deployment container faktory: mountPath /etc/faktory/conf.d is used more than once",
        ],
      },
      {
        object: "Deployment/faktory-secondary",
        errors: [
          "apps/v1/Deployment container faktory: mountPath /etc/faktory/conf.d is used more than once",
        ],
      },
    ]);
  });

  it("reports every mandatory violation of the seed", () => {
    const byPolicy = (policy: string) =>
      plan.policies.violations.filter((v) => v.policy === policy).map((v) => v.resource.split("::").pop());
    expect(plan.policies.mandatory).toBe(23);
    expect(plan.policies.advisory).toBe(0);
    const readme = readFileSync(join(ROOT, "README.md"), "utf8").replace(/\s+/g, " ");
    expect(readme).toContain(
      `reports two schema failures and ${plan.policies.mandatory} mandatory policy violations`,
    );
    expect(byPolicy("faktory-single-server-unless-supervised")).toEqual(["seed-secondary"]);
    expect(byPolicy("k8s-no-secrets-in-configmaps")).toEqual(["seed-config"]);
    expect(byPolicy("k8s-internal-load-balancer")).toEqual(["seed-lb"]);
    expect(byPolicy("k8s-pinned-images")).toEqual(["seed-primary", "seed-secondary"]);
    expect(byPolicy("k8s-cron-config-only-supervised")).toEqual(["seed-primary", "seed-secondary"]);
    expect(byPolicy("k8s-pdb-for-multi-replica")).toEqual(["seed-secondary"]);
    // Open-source Faktory, unsupervised: no TLS.
    expect(byPolicy("faktory-tls-required")).toEqual(["seed-primary", "seed-secondary"]);
    expect(byPolicy("elasticache-noeviction")).toEqual(["seed-redis"]);
    // No CloudWatch alarm on the Redis: one violation for memory, one for replication lag.
    expect(byPolicy("elasticache-alarms")).toEqual(["seed-redis", "seed-redis"]);
    expect([...new Set(plan.policies.violations.map((v) => v.policy))].sort()).toEqual([
      "elasticache-alarms",
      "elasticache-at-rest-encryption",
      "elasticache-auth-token",
      "elasticache-automatic-failover",
      "elasticache-final-snapshot",
      "elasticache-multi-az",
      "elasticache-noeviction",
      "elasticache-snapshot-retention",
      "elasticache-transit-encryption",
      "faktory-single-server-unless-supervised",
      "faktory-tls-required",
      "k8s-cron-config-only-supervised",
      "k8s-internal-load-balancer",
      "k8s-no-secrets-in-configmaps",
      "k8s-pdb-for-multi-replica",
      "k8s-pinned-images",
      "k8s-requests-and-limits",
    ]);
  });

  it("keeps the token the seed put in a ConfigMap out of stdout and out/", () => {
    expect(run.stdout).not.toContain("hunter2-seed-token");
    const configMap = readFileSync(
      join(outDir, "prod", "kubernetes", "configmap-faktory-faktory-config.yaml"),
      "utf8",
    );
    expect(configMap).toContain("REDIS_URL: redis://:[secret]@master.seed-redis.");
    for (const file of filesUnder(join(outDir, "prod"))) {
      expect(readFileSync(file, "utf8"), file).not.toContain("hunter2-seed-token");
    }
  });

  it("exits 1 with --enforce on a mandatory violation the config allows (no snapshots in prod)", () => {
    const prodYaml = readFileSync(join(ROOT, "stacks", "Pulumi.prod.yaml"), "utf8");
    const dir = projectWithStack(
      "nosnap",
      prodYaml.replace("snapshotRetentionDays: 7", "snapshotRetentionDays: 0"),
    );
    const advisory = runPlan(["nosnap", "--no-write", "--json"], dir);
    expect(advisory.status).toBe(0);
    expect((JSON.parse(advisory.stdout) as PlanJson).policies.violations).toEqual([
      expect.objectContaining({
        policy: "elasticache-snapshot-retention",
        enforcement: "mandatory",
        message: expect.stringContaining("snapshotRetentionLimit is 0"),
      }),
    ]);
    const enforced = runPlan(["nosnap", "--no-write", "--enforce"], dir);
    expect(enforced.status).toBe(1);
    expect(enforced.stdout).toContain("[mandatory] elasticache-snapshot-retention");
  });
});

/** The one open-source recipe, which README and stacks/Pulumi.dev.yaml point to. */
const OSS_EXAMPLE = join(ROOT, "stacks", "examples", "Pulumi.oss.yaml");

describe("plan of the OSS edition (stacks/examples/Pulumi.oss.yaml)", () => {
  it("is the one recipe: README and stacks/Pulumi.dev.yaml point to it and carry none of their own", () => {
    const devYaml = readFileSync(join(ROOT, "stacks", "Pulumi.dev.yaml"), "utf8");
    expect(devYaml).toContain("# Without a Faktory Enterprise license: stacks/examples/Pulumi.oss.yaml");
    expect(devYaml).not.toMatch(/set `?faktory-ha:edition: oss/);
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(readme).toContain("cp stacks/examples/Pulumi.oss.yaml stacks/ && npm run plan -- oss");
    expect(readme).not.toMatch(/faktory-ha:edition: oss/);
    const recipe = readFileSync(OSS_EXAMPLE, "utf8");
    for (const unused of ["license", "registry", "redis", "cronFile", "statsd", "secondaries", "alarms"]) {
      expect(recipe).not.toContain(`faktory-ha:${unused}`);
    }
  });

  it("plans (as README says: copied beside the other stacks) one open-source Faktory on a volume: no ElastiCache, no image build, no supervisor", () => {
    const dir = projectWithStack("oss", readFileSync(OSS_EXAMPLE, "utf8"));
    const run = runPlan(["oss", "--json", "--no-write"], dir);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const plan = JSON.parse(run.stdout) as PlanJson;
    expect(plan.counts["faktory-ha:aws:Redis"]).toBeUndefined();
    expect(plan.counts["faktory-ha:aws:Image"]).toBeUndefined();
    expect(plan.counts["aws:elasticache/replicationGroup:ReplicationGroup"]).toBeUndefined();
    const statefulSet = one(plan, "kubernetes:apps/v1:StatefulSet");
    expect(statefulSet.inputs.spec.replicas).toBe(1);
    const [container] = statefulSet.inputs.spec.template.spec.containers;
    expect(container.image).toBe("contribsys/faktory:1.9.4");
    expect(JSON.stringify(container)).not.toContain("faktory-ha-supervisor");
    expect(statefulSet.inputs.spec.volumeClaimTemplates).toHaveLength(1);
    expect(plan.outputs.redisEndpoint).toBe("embedded (oss edition)");
    expect(plan.policies.mandatory).toBe(0);
    expect(plan.schema.invalid).toEqual([]);
  });
});

describe("plan of prod without its alarms", () => {
  it("reports the missing Redis alarms as mandatory violations", () => {
    const prodYaml = readFileSync(join(ROOT, "stacks", "Pulumi.prod.yaml"), "utf8");
    const noAlarms = prodYaml.replace(/ {2}faktory-ha:alarms:\n {4}enabled: true\n/, "");
    expect(noAlarms).not.toContain("faktory-ha:alarms");
    const run = runPlan(["noalarms", "--json", "--no-write"], projectWithStack("noalarms", noAlarms));
    expect(run.status).toBe(0);
    const plan = JSON.parse(run.stdout) as PlanJson;
    expect(
      plan.policies.violations.map((v) => [v.policy, v.enforcement, v.message.split(" have ")[0]]),
    ).toEqual([
      [
        "elasticache-alarms",
        "mandatory",
        'ElastiCache replication group "faktory-noalarms-redis-cache": 0 of its 3 node(s)',
      ],
      [
        "elasticache-alarms",
        "mandatory",
        'ElastiCache replication group "faktory-noalarms-redis-cache": 0 of its 3 node(s)',
      ],
    ]);
    expect(plan.policies.violations.map((v) => v.message)).toEqual([
      expect.stringContaining("AWS/ElastiCache DatabaseMemoryUsagePercentage"),
      expect.stringContaining("AWS/ElastiCache ReplicationLag"),
    ]);
  });

  it("with PodMonitor, PrometheusRule and dashboard enabled: valid custom resources and a dashboard ConfigMap", () => {
    const prodYaml = readFileSync(join(ROOT, "stacks", "Pulumi.prod.yaml"), "utf8");
    const observed =
      prodYaml +
      "  faktory-ha:monitoring:\n" +
      "    podMonitor: { enabled: true, labels: { release: kube-prometheus-stack } }\n" +
      "    prometheusRule: { enabled: true, queueLatencySeconds: 120 }\n" +
      "    dashboard: { enabled: true }\n";
    const { plan, dir } = cleanPlan("observed", observed);
    expect(
      one(plan, "kubernetes:monitoring.coreos.com/v1:PodMonitor").inputs.spec.podMetricsEndpoints,
    ).toEqual([{ port: "health", path: "/metrics", scheme: "http", interval: "15s" }]);
    expect(
      JSON.stringify(one(plan, "kubernetes:monitoring.coreos.com/v1:PrometheusRule").inputs.spec),
    ).toContain("> 120");
    const dashboard = plan.resources.find((r) => r.name === "faktory-observed-dashboard")!;
    expect(dashboard.inputs.metadata.labels).toMatchObject({ grafana_dashboard: "1" });
    expect(
      one(plan, "kubernetes:apps/v1:StatefulSet").inputs.spec.template.metadata.annotations,
    ).toBeUndefined();
    const files = readdirSync(join(dir, "out", "observed", "kubernetes"));
    expect(files.filter((f) => /podmonitor|prometheusrule|dashboard/.test(f)).sort()).toHaveLength(3);
  });
});

describe("plan of prod with a cert-manager certificate", () => {
  it("creates a Certificate valid for cert-manager, which the pods mount, and writes it to out/", () => {
    const prodYaml = readFileSync(join(ROOT, "stacks", "Pulumi.prod.yaml"), "utf8");
    const managed = prodYaml.replace(
      "    secretName: faktory-tls\n",
      "    certManager: { issuerName: internal-ca, issuerKind: ClusterIssuer, dnsNames: [faktory.example.com] }\n",
    );
    expect(managed).toContain("issuerName: internal-ca");
    const { plan, dir } = cleanPlan("managed", managed);
    const certificate = one(plan, "kubernetes:cert-manager.io/v1:Certificate");
    expect(certificate.name).toBe("faktory-managed-tls");
    expect(certificate.parent).toEqual({ type: "faktory-ha:k8s:Faktory", name: "faktory-managed" });
    expect(certificate.inputs.spec).toMatchObject({
      secretName: "faktory-managed-tls",
      issuerRef: { name: "internal-ca", kind: "ClusterIssuer" },
      dnsNames: [
        "faktory",
        "faktory.faktory",
        "faktory.faktory.svc",
        "faktory.faktory.svc.cluster.local",
        "faktory.example.com",
      ],
    });
    const pod = one(plan, "kubernetes:apps/v1:StatefulSet").inputs.spec.template.spec;
    expect(pod.volumes).toContainEqual({
      name: "tls",
      secret: { secretName: "faktory-managed-tls", defaultMode: 288 },
    });
    expect(plan.outputs).toMatchObject({
      faktoryTlsSecret: "faktory-managed-tls",
      faktoryTlsUrl: "[secret]",
    });
    expect(readdirSync(join(dir, "out", "managed", "kubernetes"))).toContain(
      "certificate-faktory-faktory-managed-tls.yaml",
    );
  });
});

describe("plan of a stack in another region", () => {
  it("makes up ARNs, zones, endpoints and the image registry in the stack's region, and marks them", () => {
    const devYaml = readFileSync(join(ROOT, "stacks", "Pulumi.dev.yaml"), "utf8");
    const euYaml = devYaml.replace("aws:region: us-east-1", "aws:region: eu-west-1");
    expect(euYaml).toContain("aws:region: eu-west-1");
    const dir = projectWithStack("eu", euYaml);
    const run = runPlan(["eu", "--json"], dir);
    expect(run.status).toBe(0);
    const plan = JSON.parse(run.stdout) as PlanJson;
    expect(plan.outputs.redisEndpoint).toBe("master.faktory-eu-redis-cache.abc123.euw1.cache.amazonaws.com");
    expect(plan.placeholders).toContain("euw1-az1");
    expect(plan.placeholders.filter((p) => /us-east-1|use1/.test(p))).toEqual([]);
    expect(run.stdout).not.toMatch(/us-east-1|use1/);
    const files = filesUnder(join(dir, "out", "eu"));
    for (const file of files) expect(readFileSync(file, "utf8"), file).not.toMatch(/us-east-1|use1/);
    expect(
      readFileSync(join(dir, "out", "eu", "kubernetes", "statefulset-faktory-faktory-eu.yaml"), "utf8"),
    ).toMatch(
      /^# {3}spec\.template\.spec\.containers\[0\]\.image = 123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com\//m,
    );
  });
});

describe("plan of a staging stack", () => {
  it("is checked at the strict (prod) policy level", () => {
    const prodYaml = readFileSync(join(ROOT, "stacks", "Pulumi.prod.yaml"), "utf8");
    const staging = prodYaml
      .replace("faktory-ha:environment: prod", "faktory-ha:environment: staging")
      .replace("snapshotRetentionDays: 7", "snapshotRetentionDays: 0");
    const run = runPlan(["staging", "--json", "--no-write"], projectWithStack("staging", staging));
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const plan = JSON.parse(run.stdout) as PlanJson;
    // Snapshot retention is off in dev and mandatory in prod: staging gets the prod level.
    expect(plan.policies.violations.map((v) => [v.policy, v.enforcement])).toEqual([
      ["elasticache-snapshot-retention", "mandatory"],
    ]);
  });

  it("needs the Redis alarms and the TLS prod needs, as stacks/README.md says (dev's settings leave them off)", () => {
    const devYaml = readFileSync(join(ROOT, "stacks", "Pulumi.dev.yaml"), "utf8");
    const staging = devYaml.replace("faktory-ha:environment: dev", "faktory-ha:environment: staging");
    const run = runPlan(["staging", "--json", "--no-write"], projectWithStack("staging", staging));
    expect(run.status).toBe(0);
    const plan = JSON.parse(run.stdout) as PlanJson;
    expect(plan.policies.violations.map((v) => [v.policy, v.enforcement])).toEqual([
      ["faktory-tls-required", "mandatory"],
      ["elasticache-alarms", "mandatory"],
      ["elasticache-alarms", "mandatory"],
    ]);
    const readme = readFileSync(join(ROOT, "stacks", "README.md"), "utf8").replace(/\s+/g, " ");
    expect(readme).toContain("`staging` is checked like `prod`");
    expect(readme).toContain("`elasticache-alarms` is mandatory there");
    expect(readme).toContain("`faktory-tls-required` is mandatory there too");
  });
});

describe("plan with an existing VPC and an existing cluster", () => {
  it("creates no network or EKS resources and wires Redis to the given security groups", () => {
    const prodYaml = readFileSync(join(ROOT, "stacks", "Pulumi.prod.yaml"), "utf8");
    const byo = prodYaml
      .replace(
        / {2}faktory-ha:network:\n( {4}.*\n)+/,
        "  faktory-ha:network:\n    vpcId: vpc-0a1b2c3d4e5f\n    privateSubnetIds: [subnet-0a1b2c3d, subnet-1a2b3c4d, subnet-2a3b4c5d]\n",
      )
      .replace(
        / {2}faktory-ha:cluster:\n( {4}.*\n)+/,
        "  faktory-ha:kubeconfig:\n    secure: AAABAJ0placeholder0kubeconfig\n",
      )
      .replace(
        "    snapshotRetentionDays: 7\n",
        "    snapshotRetentionDays: 7\n    sourceSecurityGroupIds: [sg-0a1b2c3d4e]\n",
      )
      .replace(/ {2}faktory-ha:allowedCidrs:\n( {4}.*\n)+/, "");
    const dir = projectWithStack("byo", byo);
    const run = runPlan(["byo", "--json", "--no-write"], dir);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const plan = JSON.parse(run.stdout) as PlanJson;
    expect(plan.unknownCalls).toEqual([]);
    expect(plan.resources.filter((r) => r.parent?.type === "faktory-ha:aws:Network")).toEqual([]);
    expect(plan.counts["eks:index:Cluster"]).toBeUndefined();
    expect(plan.counts["kubernetes:helm.sh/v3:Release"]).toBeUndefined();
    expect(one(plan, "pulumi:providers:kubernetes").inputs).toMatchObject({ kubeconfig: "[secret]" });
    expect(one(plan, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").inputs).toMatchObject({
      referencedSecurityGroupId: "sg-0a1b2c3d4e",
      fromPort: 6379,
      toPort: 6379,
    });
    expect(one(plan, "aws:elasticache/subnetGroup:SubnetGroup").inputs.subnetIds).toEqual([
      "subnet-0a1b2c3d",
      "subnet-1a2b3c4d",
      "subnet-2a3b4c5d",
    ]);
    // The NetworkPolicy admits the existing VPC's CIDR, looked up from its id.
    expect(JSON.stringify(one(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs)).toContain(
      "10.99.0.0/16",
    );
    expect(plan.policies.mandatory).toBe(0);
  });
});
