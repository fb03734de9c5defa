import { describe, expect, it } from "vitest";
import { CLUSTER_DEFAULTS, REDIS_DEFAULTS } from "../../../components/aws";
import { FAKTORY_DEFAULTS } from "../../../components/k8s";
import { parseStackConfig } from "../../../infra/config";
import { problemsOf as rejected } from "./problems";

const prod: Record<string, string> = {
  "aws:region": "us-east-1",
  "faktory-ha:environment": "prod",
  "faktory-ha:secondaries": "2",
  "faktory-ha:faktoryImage": "docker.contribsys.com/contribsys/faktory-ent:1.9.4",
  "faktory-ha:license": "license-key-value",
  "faktory-ha:network": '{"azCount":3}',
  "faktory-ha:redis": '{"engine":"redis","nodes":2}',
};
const secretKeys = new Set(["faktory-ha:license", "faktory-ha:registryPassword", "faktory-ha:kubeconfig"]);

const problemsOf = (raw: Record<string, string>, secrets: ReadonlySet<string> = secretKeys) =>
  rejected(raw, secrets);

describe("parseStackConfig", () => {
  it("parses a valid prod config and fills the defaults", () => {
    const config = parseStackConfig(prod, secretKeys);
    expect(config).toMatchObject({
      environment: "prod",
      edition: "enterprise",
      secondaries: 2,
      namespace: "faktory",
      network: { azCount: 3, vpcCidr: "10.42.0.0/16", natGateways: "perAz" },
      redis: { engine: "redis", nodes: 2, snapshotRetentionDays: 7, nodeType: "cache.t4g.small" },
      webUi: false,
      lease: { ttlMs: 10000, renewIntervalMs: 1000, renewDeadlineMs: 4000, database: 1 },
      secrets: { license: "license-key-value" },
    });
  });

  it("takes the component's defaults where the stack says nothing (one default per value)", () => {
    const raw: Record<string, string> = { ...prod, "faktory-ha:cluster": "{}" };
    delete raw["faktory-ha:secondaries"];
    expect(parseStackConfig(raw, secretKeys)).toMatchObject({
      secondaries: FAKTORY_DEFAULTS.secondaries.enterprise,
      cluster: { instanceType: CLUSTER_DEFAULTS.nodeInstanceType },
      redis: { nodeType: REDIS_DEFAULTS.nodeType },
    });
  });

  it("defaults secondaries to 0 for the OSS edition and needs no license", () => {
    const raw = {
      ...prod,
      "faktory-ha:edition": "oss",
      "faktory-ha:environment": "dev",
      "faktory-ha:faktoryImage": "contribsys/faktory:1.9.4",
    };
    delete (raw as Record<string, string | undefined>)["faktory-ha:secondaries"];
    delete (raw as Record<string, string | undefined>)["faktory-ha:license"];
    delete (raw as Record<string, string | undefined>)["faktory-ha:redis"];
    expect(parseStackConfig(raw, secretKeys)).toMatchObject({ edition: "oss", secondaries: 0 });
  });

  it("accepts a bring-your-own network and keeps quoted versions as strings", () => {
    const config = parseStackConfig(
      {
        ...prod,
        "faktory-ha:network":
          '{"vpcId":"vpc-0a1b2c3d","privateSubnetIds":["subnet-0a1b2c3d","subnet-1a2b3c4d"]}',
        "faktory-ha:cluster": '{"version":"1.30","minNodes":3,"desiredNodes":3,"maxNodes":6}',
      },
      secretKeys,
    );
    expect(config.network).toEqual({
      vpcId: "vpc-0a1b2c3d",
      privateSubnetIds: ["subnet-0a1b2c3d", "subnet-1a2b3c4d"],
    });
    expect(config.cluster?.version).toBe("1.30");
  });

  const without = (key: string) => Object.fromEntries(Object.entries(prod).filter(([k]) => k !== key));

  it.each([
    [
      "negative secondaries",
      { "faktory-ha:secondaries": "-1" },
      "faktory-ha:secondaries: got -1; must be the number of hot standbys: an integer from 0 to 10",
    ],
    [
      "huge secondaries",
      { "faktory-ha:secondaries": "1000" },
      "faktory-ha:secondaries: got 1000; must be the number of hot standbys: an integer from 0 to 10",
    ],
    [
      "fractional secondaries",
      { "faktory-ha:secondaries": "1.5" },
      "faktory-ha:secondaries: got 1.5; must be the number of hot standbys: an integer from 0 to 10",
    ],
    [
      "unknown edition",
      { "faktory-ha:edition": "community" },
      'faktory-ha:edition: got "community"; must be one of "enterprise", "oss"',
    ],
    [
      "unknown environment",
      { "faktory-ha:environment": "qa" },
      'faktory-ha:environment: got "qa"; must be one of "dev", "staging", "prod"',
    ],
    [
      "one Redis node in prod",
      { "faktory-ha:redis": '{"nodes":1}' },
      "faktory-ha:redis.nodes: got 1; must be the number of cache nodes (a primary and its replicas; Multi-AZ with automatic failover, always on, needs a replica): an integer from 2 to 6",
    ],
    [
      "unknown engine",
      { "faktory-ha:redis": '{"engine":"memcached"}' },
      'faktory-ha:redis.engine: got "memcached"; must be one of "redis", "valkey"',
    ],
    [
      "unknown AZ count",
      { "faktory-ha:network": '{"azCount":7}' },
      "faktory-ha:network.azCount: got 7; must be the number of availability zones (subnets, nodes and Redis spread over them): an integer from 2 to 6",
    ],
    [
      "an engine version the engine does not have (the Redis component's rule, stack names)",
      { "faktory-ha:redis": '{"engine":"redis","engineVersion":"8.0"}' },
      'faktory-ha:redis.engineVersion: got "8.0"; must be <major>.<minor> with major 7 for faktory-ha:redis.engine "redis"',
    ],
    [
      "snapshots kept longer than ElastiCache allows",
      { "faktory-ha:redis": '{"snapshotRetentionDays":36}' },
      "faktory-ha:redis.snapshotRetentionDays: got 36; must be the days of automatic snapshots kept (0 turns them off): an integer from 0 to 35",
    ],
    [
      "a snapshot name ElastiCache would refuse",
      { "faktory-ha:redis": '{"restoreFromSnapshot":"nightly 2026-12-06"}' },
      'faktory-ha:redis.restoreFromSnapshot: got "nightly 2026-12-06"; must be an ElastiCache snapshot name: 1 to 255 letters, digits and hyphens, starting with a letter',
    ],
    [
      "an RDB given as an s3:// URL",
      { "faktory-ha:redis": '{"restoreFromRdb":["s3://dumps/faktory.rdb"]}' },
      'faktory-ha:redis.restoreFromRdb[0]: got "s3://dumps/faktory.rdb"; must be the ARN of an .rdb file in S3, such as arn:aws:s3:::my-bucket/faktory.rdb',
    ],
    [
      "two restore sources (the Redis component's rule, stack names)",
      {
        "faktory-ha:redis":
          '{"restoreFromSnapshot":"nightly","restoreFromRdb":["arn:aws:s3:::dumps-bucket/faktory.rdb"]}',
      },
      'faktory-ha:redis.restoreFromRdb: got ["arn:aws:s3:::dumps-bucket/faktory.rdb"]; must be left out with faktory-ha:redis.restoreFromSnapshot: a replication group is restored from one source',
    ],
    [
      "an unknown NAT gateway mode",
      { "faktory-ha:network": '{"natGateways":"none"}' },
      'faktory-ha:network.natGateways: got "none"; must be one of "perAz", "single"',
    ],
    [
      "an API endpoint open to the internet (the Cluster component's rule)",
      { "faktory-ha:cluster": '{"publicAccessCidrs":["0.0.0.0/0"]}' },
      'faktory-ha:cluster.publicAccessCidrs[0]: got "0.0.0.0/0"; must not open the API to the internet (a /0 such as 0.0.0.0/0); name the networks that need it',
    ],
    [
      "malformed VPC CIDR",
      { "faktory-ha:network": '{"vpcCidr":"10.0.0.0/33"}' },
      'faktory-ha:network.vpcCidr: got "10.0.0.0/33"; must be an IPv4 CIDR (a network address, no host bits) such as 10.0.0.0/16',
    ],
    [
      "VPC CIDR too small for the subnet layout",
      { "faktory-ha:network": '{"vpcCidr":"10.42.0.0/24"}' },
      'faktory-ha:network.vpcCidr: got "10.42.0.0/24"; must be a VPC CIDR from /16 to /20 (the subnet layout\'s range), such as 10.42.0.0/16',
    ],
    [
      "CIDR with a bad octet",
      { "faktory-ha:allowedCidrs": '["10.0.0.300/16"]' },
      'faktory-ha:allowedCidrs[0]: got "10.0.0.300/16"; must be an IPv4 CIDR (a network address, no host bits) such as 10.0.0.0/16',
    ],
    [
      "malformed allowed CIDR",
      { "faktory-ha:allowedCidrs": '["10.0.0.0/8","10.1.2/24"]' },
      'faktory-ha:allowedCidrs[1]: got "10.1.2/24"; must be an IPv4 CIDR (a network address, no host bits) such as 10.0.0.0/16',
    ],
    [
      "malformed public access CIDR",
      { "faktory-ha:cluster": '{"publicAccessCidrs":["0.0.0.0"]}' },
      'faktory-ha:cluster.publicAccessCidrs[0]: got "0.0.0.0"; must be an IPv4 CIDR (a network address, no host bits) such as 10.0.0.0/16',
    ],
    [
      "prebuilt image without tag",
      { "faktory-ha:image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/faktory-ha" },
      'faktory-ha:image: got "123456789012.dkr.ecr.us-east-1.amazonaws.com/faktory-ha"; must be a pinned image reference: it has neither a tag nor a digest',
    ],
    [
      "prebuilt image on latest",
      { "faktory-ha:image": "faktory-ha:latest" },
      'faktory-ha:image: got "faktory-ha:latest"; must be a pinned image reference: it uses the floating tag "latest"; pin a version tag or a digest',
    ],
    [
      "short digest",
      { "faktory-ha:image": "faktory-ha@sha256:abc" },
      'faktory-ha:image: got "faktory-ha@sha256:abc"; must be a pinned image reference: it has a malformed digest (expected name@sha256:<64 hex characters>)',
    ],
    [
      "bad VPC id",
      { "faktory-ha:network": '{"vpcId":"vpc-1","privateSubnetIds":["subnet-0a1b2c3d","subnet-1a2b3c4d"]}' },
      'faktory-ha:network.vpcId: got "vpc-1"; must be a VPC id such as vpc-0123abcd',
    ],
    [
      "one existing subnet",
      { "faktory-ha:network": '{"vpcId":"vpc-0a1b2c3d","privateSubnetIds":["subnet-0a1b2c3d"]}' },
      'faktory-ha:network.privateSubnetIds: got ["subnet-0a1b2c3d"]; must list at least 2 private subnets in different availability zones',
    ],
    [
      "unknown top-level key",
      { "faktory-ha:flavour": "1" },
      "faktory-ha:flavour: got 1; unknown key; allowed keys are environment, edition, secondaries, namespace, network, cluster, redis, faktoryImage, image, registry, webUi, allowedCidrs, allowedNamespaces, scalerNamespaces, statsd, nodeSelector, tolerations, affinity, priorityClassName, podAnnotations, podLabels, extraEnv, extraConfFiles, existingSecret, resources, lease, cronFile, monitoring, alarms, tls, license, password, registryPassword, kubeconfig",
    ],
    [
      "unknown nested key",
      { "faktory-ha:redis": '{"nodez":2}' },
      'faktory-ha:redis.nodez: got 2; unknown key; did you mean "nodes"?',
    ],
    [
      "unknown nested key far from every allowed one (all of them listed)",
      { "faktory-ha:redis": '{"replicas":2}' },
      "faktory-ha:redis.replicas: got 2; unknown key; allowed keys are engine, engineVersion, nodeType, nodes, snapshotRetentionDays, restoreFromSnapshot, restoreFromRdb, finalSnapshot, sourceSecurityGroupIds",
    ],
    [
      "misspelt top-level key",
      { "faktory-ha:secondary": "1" },
      'faktory-ha:secondary: got 1; unknown key; did you mean "secondaries"?',
    ],
    [
      "a dotted top-level key (the nested form is meant)",
      { "faktory-ha:redis.nodes": "3" },
      "faktory-ha:redis.nodes: got 3; unknown key: a dot at the top level does not nest; set it with `pulumi config set --path faktory-ha:redis.nodes <value>`, which writes faktory-ha:redis: { nodes: <value> } into the stack file",
    ],
    [
      "a misspelt key in an existing-VPC block: that key is blamed, with the shape's keys",
      {
        "faktory-ha:network":
          '{"vpcId":"vpc-0123abcd","privateSubnetIDs":["subnet-0a1b2c3d","subnet-0a1b2c3e"]}',
      },
      [
        "faktory-ha:network.privateSubnetIds: got nothing; must list the private subnet ids, at least 2 in different availability zones",
        'faktory-ha:network.privateSubnetIDs: got ["subnet-0a1b2c3d","subnet-0a1b2c3e"]; unknown key; did you mean "privateSubnetIds"?',
      ],
    ],
    [
      "every key of an existing-VPC block misspelt: still that shape, not the create-a-VPC one",
      { "faktory-ha:network": '{"vpcID":"vpc-0123abcd","privateSubnetID":[],"zone":1}' },
      [
        "faktory-ha:network.vpcId: got nothing; must be a VPC id such as vpc-0123abcd",
        "faktory-ha:network.privateSubnetIds: got nothing; must list the private subnet ids, at least 2 in different availability zones",
        'faktory-ha:network.vpcID: got "vpc-0123abcd"; unknown key; did you mean "vpcId"?',
        'faktory-ha:network.privateSubnetID: got []; unknown key; did you mean "privateSubnetIds"?',
        "faktory-ha:network.zone: got 1; unknown key; allowed keys are vpcId, privateSubnetIds",
      ],
    ],
    [
      "unquoted EKS version",
      { "faktory-ha:cluster": '{"version":1.3}' },
      'faktory-ha:cluster.version: got 1.3; must be an EKS Kubernetes version as a quoted string, such as "1.31"',
    ],
    [
      "node counts out of order",
      { "faktory-ha:cluster": '{"minNodes":4,"desiredNodes":3,"maxNodes":6}' },
      "faktory-ha:cluster: got minNodes 4, desiredNodes 3, maxNodes 6; node group sizes must satisfy faktory-ha:cluster.minNodes (4) ≤ faktory-ha:cluster.desiredNodes (3) ≤ faktory-ha:cluster.maxNodes (6)",
    ],
    [
      "lease deadline past ttl",
      { "faktory-ha:lease": '{"ttlMs":5000,"renewDeadlineMs":6000}' },
      "faktory-ha:lease: got ttlMs 5000, renewIntervalMs 1000, renewDeadlineMs 6000; lease timings must satisfy faktory-ha:lease.renewIntervalMs (1000) < faktory-ha:lease.renewDeadlineMs (6000) < faktory-ha:lease.ttlMs (5000): the primary fences itself (stops Faktory) before its lease can expire",
    ],
    [
      "lease deadline leaves the stop timeout no fence margin",
      { "faktory-ha:lease": '{"renewDeadlineMs":7600}' },
      "faktory-ha:lease: got ttlMs 10000, renewIntervalMs 1000, renewDeadlineMs 7600; lease timings must satisfy faktory-ha:lease.renewDeadlineMs (7600) + the stop timeout (2000) + the fence margin (500 ms) ≤ faktory-ha:lease.ttlMs (10000), so Faktory has stopped 500 ms before the lease can expire; got 10100 ms; allowed: the stop timeout ≤ 1900, faktory-ha:lease.renewDeadlineMs ≤ 7500 or faktory-ha:lease.ttlMs ≥ 10100",
    ],
    [
      "a renew interval the liveness probe cannot outrun",
      { "faktory-ha:lease": '{"renewIntervalMs":3000}' },
      "faktory-ha:lease: got ttlMs 10000, renewIntervalMs 3000, renewDeadlineMs 4000; liveness is too slow for the lease: the default liveness.periodSeconds (2) × the default liveness.failureThreshold (3) + the default liveness.timeoutSeconds (1) + the default liveness.terminationGracePeriodSeconds (1) = 8 s to kill a frozen supervisor; with faktory-ha:lease.renewIntervalMs (3000) and the fence margin (500 ms) that is 11500 ms, more than faktory-ha:lease.ttlMs (10000): a lease renewed just before the freeze expires ttl − renewInterval after it, and Faktory must be dead 500 ms before; allowed: faktory-ha:lease.renewIntervalMs ≤ 1500, a kill time ≤ 6500 ms or faktory-ha:lease.ttlMs ≥ 11500",
    ],
    [
      "bad namespace",
      { "faktory-ha:namespace": "Faktory_NS" },
      'faktory-ha:namespace: got "Faktory_NS"; must be a Kubernetes namespace name (lowercase DNS label)',
    ],
    [
      "webUi not boolean",
      { "faktory-ha:webUi": "yes" },
      'faktory-ha:webUi: got "yes"; must be true or false',
    ],
    [
      "bad cron file",
      { "faktory-ha:cronFile": "cron.yaml" },
      'faktory-ha:cronFile: got "cron.yaml"; must be a path to a .ts, .json or .toml cron definitions file',
    ],
    [
      "alarm threshold out of range",
      { "faktory-ha:alarms": '{"enabled":true,"thresholds":{"memoryPercent":101}}' },
      "faktory-ha:alarms.thresholds.memoryPercent: got 101; must be a percentage of maxmemory: an integer from 1 to 100",
    ],
    [
      "fractional replication lag threshold",
      { "faktory-ha:alarms": '{"thresholds":{"replicationLagSeconds":2.5}}' },
      "faktory-ha:alarms.thresholds.replicationLagSeconds: got 2.5; must be seconds of replication lag: an integer from 1 to 3600",
    ],
    [
      "connections threshold past ElastiCache's limit",
      { "faktory-ha:alarms": '{"thresholds":{"connections":70000}}' },
      "faktory-ha:alarms.thresholds.connections: got 70000; must be client connections per node (ElastiCache allows 65000): an integer from 1 to 65000",
    ],
    [
      "unknown alarm threshold",
      { "faktory-ha:alarms": '{"thresholds":{"cpuPercent":90}}' },
      "faktory-ha:alarms.thresholds.cpuPercent: got 90; unknown key; allowed keys are memoryPercent, engineCpuPercent, replicationLagSeconds, connections, unhealthyHosts, evaluationMinutes",
    ],
    [
      "alarms enabled as a string",
      { "faktory-ha:alarms": '{"enabled":"yes"}' },
      'faktory-ha:alarms.enabled: got "yes"; must be true or false',
    ],
    [
      "a FIFO topic for alarms",
      { "faktory-ha:alarms": '{"enabled":true,"topicArn":"arn:aws:sns:us-east-1:123456789012:oncall.fifo"}' },
      'faktory-ha:alarms.topicArn: got "arn:aws:sns:us-east-1:123456789012:oncall.fifo"; must be the ARN of a standard (not FIFO) SNS topic, e.g. arn:aws:sns:us-east-1:123456789012:oncall',
    ],
    [
      "a malformed alarm e-mail",
      { "faktory-ha:alarms": '{"enabled":true,"emails":["oncall@example.com","oncall"]}' },
      'faktory-ha:alarms.emails[1]: got "oncall"; must be an e-mail address',
    ],
    [
      "both an existing topic and e-mails",
      {
        "faktory-ha:alarms":
          '{"enabled":true,"topicArn":"arn:aws:sns:us-east-1:123456789012:oncall","emails":["oncall@example.com"]}',
      },
      'faktory-ha:alarms.emails: got ["oncall@example.com"]; must be empty with faktory-ha:alarms.topicArn: e-mail subscriptions are made only on a topic faktory-ha creates; subscribe the addresses to your existing topic instead',
    ],
    [
      "PodMonitor enabled as a string",
      { "faktory-ha:monitoring": '{"podMonitor":{"enabled":"true"}}' },
      'faktory-ha:monitoring.podMonitor.enabled: got "true"; must be true or false',
    ],
    [
      "a bad PodMonitor interval",
      { "faktory-ha:monitoring": '{"podMonitor":{"enabled":true,"interval":"15"}}' },
      'faktory-ha:monitoring.podMonitor.interval: got "15"; must be a Prometheus duration such as "15s"',
    ],
    [
      "a bad PodMonitor label key",
      { "faktory-ha:monitoring": '{"podMonitor":{"enabled":true,"labels":{"my release":"x"}}}' },
      'faktory-ha:monitoring.podMonitor.labels.my release: got "x"; label key "my release" is not a Kubernetes label key (such as release or app.kubernetes.io/part-of)',
    ],
    [
      "a queue latency threshold of zero",
      { "faktory-ha:monitoring": '{"prometheusRule":{"enabled":true,"queueLatencySeconds":0}}' },
      "faktory-ha:monitoring.prometheusRule.queueLatencySeconds: got 0; must be the queue latency (seconds) that raises an alert: an integer from 1 to 86400",
    ],
    [
      "an unquoted dashboard label value",
      { "faktory-ha:monitoring": '{"dashboard":{"enabled":true,"labels":{"grafana_dashboard":1}}}' },
      "faktory-ha:monitoring.dashboard.labels.grafana_dashboard: got 1; must be a label value as a quoted string",
    ],
    [
      "an unknown monitoring key",
      { "faktory-ha:monitoring": '{"serviceMonitor":{"enabled":true}}' },
      'faktory-ha:monitoring.serviceMonitor: got {"enabled":true}; unknown key; allowed keys are scrapeAnnotations, podMonitor, prometheusRule, dashboard',
    ],
    [
      "an unknown dashboard key",
      { "faktory-ha:monitoring": '{"dashboard":{"enabled":true,"folder":"Faktory"}}' },
      'faktory-ha:monitoring.dashboard.folder: got "Faktory"; unknown key; allowed keys are enabled, labels, namespace',
    ],
  ])("rejects %s", (_label, patch, message) => {
    expect(problemsOf({ ...prod, ...patch })).toEqual(Array.isArray(message) ? message : [message]);
  });

  // The rules shared with the component (oss with standbys or Enterprise-only settings, the license,
  // an existing Secret) are asserted in test/unit/k8s/arg-rules.test.ts, once in each caller's names.
  const ossStack = {
    ...Object.fromEntries(
      Object.entries(prod).filter(([k]) => k !== "faktory-ha:license" && k !== "faktory-ha:redis"),
    ),
    "faktory-ha:edition": "oss",
    "faktory-ha:secondaries": "0",
    "faktory-ha:faktoryImage": "contribsys/faktory:1.9.4",
  };

  it("rejects oss with a prebuilt HA image", () => {
    expect(problemsOf({ ...ossStack, "faktory-ha:image": "repo/ha:1.0.0" })).toEqual([
      'faktory-ha:image: got "repo/ha:1.0.0"; is the prebuilt HA (supervisor) image, used only with edition "enterprise"; with "oss" set faktoryImage',
    ]);
  });

  it("rejects one Redis node in dev too: the Redis is always Multi-AZ with failover", () => {
    expect(
      problemsOf({ ...prod, "faktory-ha:environment": "dev", "faktory-ha:redis": '{"nodes":1}' }),
    ).toEqual([
      "faktory-ha:redis.nodes: got 1; must be the number of cache nodes (a primary and its replicas; Multi-AZ with automatic failover, always on, needs a replica): an integer from 2 to 6",
    ]);
  });

  it("rejects Enterprise with no image to run", () => {
    expect(problemsOf(without("faktory-ha:faktoryImage"))).toEqual([
      "faktory-ha:faktoryImage: got nothing; set faktory-ha:faktoryImage (the Faktory Enterprise image to build the HA image from) or faktory-ha:image (a prebuilt HA image)",
    ]);
  });

  it("rejects a secret key stored in plaintext without echoing it", () => {
    const problems = problemsOf(prod, new Set());
    expect(problems).toEqual([
      "faktory-ha:license: got a plaintext value (not shown); must be encrypted: run `pulumi config set --secret faktory-ha:license <value>`",
    ]);
    expect(problems.join("\n")).not.toContain("license-key-value");
  });

  it("rejects registry credentials given by halves", () => {
    expect(
      problemsOf({ ...prod, "faktory-ha:registry": '{"server":"docker.contribsys.com","username":"me"}' }),
    ).toEqual([
      "faktory-ha:registryPassword: got nothing; faktory-ha:registry ({ server, username }) and faktory-ha:registryPassword (secret) go together: set both or neither",
    ]);
  });

  it("rejects an existing cluster without the security groups allowed to reach Redis", () => {
    expect(problemsOf({ ...prod, "faktory-ha:kubeconfig": "apiVersion: v1" })).toEqual([
      "faktory-ha:redis.sourceSecurityGroupIds: got nothing; is required with faktory-ha:kubeconfig (an existing cluster): the security groups of the nodes or pods that may reach Redis on 6379",
    ]);
  });

  it("rejects both an existing kubeconfig and a cluster to create", () => {
    expect(
      problemsOf({
        ...prod,
        "faktory-ha:kubeconfig": "apiVersion: v1",
        "faktory-ha:cluster": '{"minNodes":2}',
        "faktory-ha:redis": '{"sourceSecurityGroupIds":["sg-0a1b2c3d"]}',
      }),
    ).toEqual([
      'faktory-ha:cluster: got {"minNodes":2}; must not be set together with faktory-ha:kubeconfig: use an existing cluster or create one, not both',
    ]);
  });

  it("fills the monitoring and alarm defaults: scraping by annotation only, alarms off", () => {
    const config = parseStackConfig(prod, secretKeys);
    expect(config.monitoring).toEqual({
      podMonitor: { enabled: false, labels: {}, interval: "15s" },
      prometheusRule: { enabled: false, labels: {} },
      dashboard: { enabled: false, labels: { grafana_dashboard: "1" } },
    });
    expect(config.alarms).toEqual({
      enabled: false,
      emails: [],
      loadBalancer: true,
      thresholds: {
        memoryPercent: 80,
        engineCpuPercent: 80,
        replicationLagSeconds: 10,
        connections: 5000,
        unhealthyHosts: 0,
        evaluationMinutes: 3,
      },
    });
  });

  it("keeps given monitoring and alarm settings, with the defaults of what is left out", () => {
    const config = parseStackConfig(
      {
        ...prod,
        "faktory-ha:monitoring":
          '{"scrapeAnnotations":false,"podMonitor":{"enabled":true,"labels":{"release":"kube-prometheus-stack"}},' +
          '"prometheusRule":{"enabled":true,"queueLatencySeconds":120},"dashboard":{"enabled":true,"namespace":"grafana"}}',
        "faktory-ha:alarms":
          '{"enabled":true,"topicArn":"arn:aws:sns:us-east-1:123456789012:oncall","loadBalancer":false,' +
          '"thresholds":{"memoryPercent":70,"evaluationMinutes":5}}',
      },
      secretKeys,
    );
    expect(config.monitoring).toEqual({
      scrapeAnnotations: false,
      podMonitor: { enabled: true, labels: { release: "kube-prometheus-stack" }, interval: "15s" },
      prometheusRule: { enabled: true, labels: {}, queueLatencySeconds: 120 },
      dashboard: { enabled: true, labels: { grafana_dashboard: "1" }, namespace: "grafana" },
    });
    expect(config.alarms).toEqual({
      enabled: true,
      topicArn: "arn:aws:sns:us-east-1:123456789012:oncall",
      emails: [],
      loadBalancer: false,
      thresholds: {
        memoryPercent: 70,
        engineCpuPercent: 80,
        replicationLagSeconds: 10,
        connections: 5000,
        unhealthyHosts: 0,
        evaluationMinutes: 5,
      },
    });
  });

  // The Prometheus objects with oss: test/unit/k8s/arg-rules.test.ts (a rule shared with the component).
  it("rejects alarms with the OSS edition", () => {
    const raw = Object.fromEntries(
      Object.entries(prod).filter(([k]) => k !== "faktory-ha:license" && k !== "faktory-ha:redis"),
    );
    expect(
      problemsOf({
        ...raw,
        "faktory-ha:edition": "oss",
        "faktory-ha:secondaries": "0",
        "faktory-ha:faktoryImage": "contribsys/faktory:1.9.4",
        "faktory-ha:alarms": '{"enabled":true}',
      }),
    ).toEqual([
      'faktory-ha:alarms.enabled: got true; must be false with edition "oss": the CloudWatch alarms watch the ElastiCache nodes, which oss does not use',
    ]);
  });

  it("reports every schema problem at once", () => {
    expect(
      problemsOf({ ...prod, "faktory-ha:secondaries": "-1", "faktory-ha:redis": '{"engine":"x"}' }),
    ).toHaveLength(2);
  });
});

describe("parseStackConfig: the Faktory component's pod knobs", () => {
  it("passes every knob through, as the component takes it (no license with an existing Secret)", () => {
    const { "faktory-ha:license": _license, ...unlicensed } = prod;
    const config = parseStackConfig(
      {
        ...unlicensed,
        "faktory-ha:nodeSelector": '{"karpenter.sh/nodepool":"jobs"}',
        "faktory-ha:tolerations": '[{"key":"dedicated","value":"faktory","effect":"NoSchedule"}]',
        "faktory-ha:affinity": '{"podAntiAffinity":{}}',
        "faktory-ha:priorityClassName": "faktory-critical",
        "faktory-ha:podAnnotations": '{"example.com/owner":"payments"}',
        "faktory-ha:podLabels": '{"team":"payments"}',
        "faktory-ha:resources": '{"requests":{"cpu":"500m"},"limits":{"memory":"2Gi"}}',
        "faktory-ha:extraEnv": '[{"name":"TZ","value":"UTC"}]',
        "faktory-ha:extraConfFiles": JSON.stringify({
          "throttles.toml": "[throttles.default]\nconcurrency = 5\n",
        }),
        "faktory-ha:existingSecret": "faktory-credentials",
      },
      new Set(["faktory-ha:registryPassword"]),
    );
    expect(config).toMatchObject({
      nodeSelector: { "karpenter.sh/nodepool": "jobs" },
      tolerations: [{ key: "dedicated", value: "faktory", effect: "NoSchedule" }],
      affinity: { podAntiAffinity: {} },
      priorityClassName: "faktory-critical",
      podAnnotations: { "example.com/owner": "payments" },
      podLabels: { team: "payments" },
      resources: { requests: { cpu: "500m" }, limits: { memory: "2Gi" } },
      extraEnv: [{ name: "TZ", value: "UTC" }],
      extraConfFiles: { "throttles.toml": "[throttles.default]\nconcurrency = 5\n" },
      existingSecret: "faktory-credentials",
    });
  });

  it.each([
    [
      "a bad nodeSelector key",
      { "faktory-ha:nodeSelector": '{"node pool":"jobs"}' },
      'faktory-ha:nodeSelector.node pool: got "jobs"; label key "node pool" is not a Kubernetes label key (such as release or app.kubernetes.io/part-of)',
    ],
    [
      "an unknown toleration operator",
      { "faktory-ha:tolerations": '[{"key":"dedicated","operator":"In"}]' },
      'faktory-ha:tolerations[0].operator: got "In"; must be one of "Exists", "Equal"',
    ],
    [
      "tolerations not a list",
      { "faktory-ha:tolerations": '{"key":"dedicated"}' },
      'faktory-ha:tolerations: got {"key":"dedicated"}; must be a list of tolerations, e.g. [{ key: "dedicated", value: "faktory", effect: "NoSchedule" }]',
    ],
    [
      "an unknown affinity part",
      { "faktory-ha:affinity": '{"nodeAfinity":{}}' },
      'faktory-ha:affinity.nodeAfinity: got {}; unknown key; did you mean "nodeAffinity"?',
    ],
    [
      "a bad priority class",
      { "faktory-ha:priorityClassName": "High_Priority" },
      `faktory-ha:priorityClassName: got "High_Priority"; must be a PriorityClass name (lowercase letters, digits, '-', '.'; at most 253)`,
    ],
    [
      "an unquoted pod annotation",
      { "faktory-ha:podAnnotations": '{"example.com/replicas":3}' },
      "faktory-ha:podAnnotations.example.com/replicas: got 3; must be an annotation value as a quoted string",
    ],
    [
      "a pod label that would change the selector",
      { "faktory-ha:podLabels": '{"app.kubernetes.io/name":"worker"}' },
      'faktory-ha:podLabels.app.kubernetes.io/name: got "worker"; label key "app.kubernetes.io/name" is set by the component (its selector and part-of/managed-by labels: app.kubernetes.io/name, app.kubernetes.io/instance, app.kubernetes.io/component, app.kubernetes.io/part-of, app.kubernetes.io/managed-by); use another key',
    ],
    [
      "a request above the default limit",
      { "faktory-ha:resources": '{"requests":{"memory":"4Gi"}}' },
      'faktory-ha:resources.requests.memory: got "4Gi"; must not exceed the limit limits.memory ("1Gi", the default): raise the limit too',
    ],
    [
      "a resource quantity as a number",
      { "faktory-ha:resources": '{"limits":{"cpu":2}}' },
      'faktory-ha:resources.limits.cpu: got 2; must be a Kubernetes quantity as a quoted string, such as "250m"',
    ],
    [
      "an extra env var of the supervisor contract",
      { "faktory-ha:extraEnv": '[{"name":"REDIS_URL","value":"redis://x:6379"}]' },
      `faktory-ha:extraEnv[0].name: got "REDIS_URL"; is set by the component (the supervisor contract's FAKTORY_HA_* and REDIS_URL, FAKTORY_PASSWORD, FAKTORY_LICENSE): set those through the component's args or existingSecret`,
    ],
    [
      "an extra env value that is a number",
      { "faktory-ha:extraEnv": '[{"name":"GOMAXPROCS","value":2}]' },
      "faktory-ha:extraEnv[0].value: got 2; must be a string (quote numbers and booleans)",
    ],
    [
      "an extra conf.d file that is not TOML",
      { "faktory-ha:extraConfFiles": JSON.stringify({ "throttles.toml": "[throttles\nconcurrency = 5\n" }) },
      'faktory-ha:extraConfFiles.throttles.toml: got "[throttles\\nconcurrency = 5\\n"; file throttles.toml is not valid TOML: line 1, column 11: illegal character in key',
    ],
    [
      "an extra conf.d file the component renders",
      { "faktory-ha:extraConfFiles": JSON.stringify({ "statsd.toml": "" }) },
      'faktory-ha:extraConfFiles.statsd.toml: got ""; file statsd.toml is rendered by the component from statsd: set statsd instead',
    ],
    [
      "a bad existing Secret name",
      { "faktory-ha:existingSecret": "Faktory Secrets" },
      `faktory-ha:existingSecret: got "Faktory Secrets"; must be a Secret name (lowercase letters, digits, '-', '.'; at most 253)`,
    ],
  ])("rejects %s", (_label, patch, message) => {
    expect(problemsOf({ ...prod, ...patch })).toEqual([message]);
  });

  it("cuts a long value short in a message", () => {
    const text = `${"# a comment line\n".repeat(10)}[throttles\n`;
    const [problem] = problemsOf({
      ...prod,
      "faktory-ha:extraConfFiles": JSON.stringify({ "t.toml": text }),
    });
    expect(problem).toMatch(
      /^faktory-ha:extraConfFiles\.t\.toml: got "# a comment line\\n.{60,}…; file t\.toml is not valid TOML: line 11,/,
    );
  });

  // An existing Secret together with the password or license it holds: test/unit/k8s/arg-rules.test.ts.
});

describe("parseStackConfig: redis.existingUrl", () => {
  const URL = "rediss://:token-0123456789@my-redis.example.internal:6379";
  const secretRedis = new Set([...secretKeys, "faktory-ha:redis"]);
  const withUrl = (redis: Record<string, unknown>) => ({
    ...prod,
    "faktory-ha:redis": JSON.stringify(redis),
  });

  it("uses an existing Redis instead of creating ElastiCache", () => {
    expect(parseStackConfig(withUrl({ existingUrl: URL }), secretRedis).redis).toEqual({ existingUrl: URL });
  });

  it("rejects ElastiCache keys alongside it, without repeating the URL", () => {
    const problems = problemsOf(withUrl({ existingUrl: URL, nodes: 3, engine: "valkey" }), secretRedis);
    expect(problems).toEqual([
      "faktory-ha:redis.nodes: got 3; must not be set with faktory-ha:redis.existingUrl: an existing Redis is used, no ElastiCache is created; remove nodes or existingUrl",
      'faktory-ha:redis.engine: got "valkey"; must not be set with faktory-ha:redis.existingUrl: an existing Redis is used, no ElastiCache is created; remove engine or existingUrl',
    ]);
    expect(problems.join("\n")).not.toContain("token-0123456789");
  });

  it("rejects it in plaintext, without repeating it", () => {
    const problems = problemsOf(withUrl({ existingUrl: URL }), secretKeys);
    expect(problems).toEqual([
      "faktory-ha:redis.existingUrl: got a plaintext value (not shown); must be encrypted: run `pulumi config set --secret --path faktory-ha:redis.existingUrl <redis-url>`",
    ]);
  });

  it("rejects an empty URL", () => {
    expect(problemsOf(withUrl({ existingUrl: "" }), secretRedis)).toEqual([
      "faktory-ha:redis.existingUrl: got a value that is not a non-empty string (not shown); must be the URL of the Redis to use, such as rediss://:<token>@my-redis.example.internal:6379",
    ]);
  });

  // With the OSS edition: test/unit/k8s/arg-rules.test.ts (a rule shared with the component).
  it("rejects it with the ElastiCache alarms", () => {
    expect(
      problemsOf({ ...withUrl({ existingUrl: URL }), "faktory-ha:alarms": '{"enabled":true}' }, secretRedis),
    ).toEqual([
      "faktory-ha:alarms.enabled: got true; must be false with faktory-ha:redis.existingUrl: the CloudWatch alarms watch the ElastiCache nodes faktory-ha creates; alarm on your Redis where it is run",
    ]);
  });

  it("refuses a lease database that is the URL's, without repeating the URL", () => {
    const problems = problemsOf(
      { ...withUrl({ existingUrl: URL }), "faktory-ha:lease": '{"database":0}' },
      secretRedis,
    );
    expect(problems).toEqual([
      "faktory-ha:lease.database: got 0; is Faktory's own Redis database (0, from the Redis URL): Faktory's FLUSH would delete the lease with the jobs; allowed 0..15 except 0",
    ]);
    expect(problems.join("\n")).not.toContain("token-0123456789");
    expect(problemsOf(withUrl({ existingUrl: `${URL}/1` }), secretRedis)).toEqual([
      "faktory-ha:lease.database: got 1; is Faktory's own Redis database (1, from the Redis URL): Faktory's FLUSH would delete the lease with the jobs; allowed 0..15 except 1",
    ]);
  });

  it("takes lease database 0 when the URL selects another", () => {
    expect(
      parseStackConfig(
        { ...withUrl({ existingUrl: `${URL}/2` }), "faktory-ha:lease": '{"database":0}' },
        secretRedis,
      ).lease,
    ).toMatchObject({ database: 0 });
  });

  it("needs no security groups for Redis with an existing cluster", () => {
    expect(() =>
      parseStackConfig(
        { ...withUrl({ existingUrl: URL }), "faktory-ha:kubeconfig": "apiVersion: v1" },
        secretRedis,
      ),
    ).not.toThrow();
  });
});

describe("parseStackConfig: the component's rules, named by stack key", () => {
  it.each([
    [
      "statsd's old key address",
      { "faktory-ha:statsd": '{"address":"agent:8125"}' },
      [
        "faktory-ha:statsd.location: got nothing; must be host:port (a port from 1 to 65535), e.g. datadog-agent.monitoring:8125",
        'faktory-ha:statsd.address: got "agent:8125"; unknown key; allowed keys are location, namespace, tags',
      ],
    ],
    [
      "a statsd location without a port",
      { "faktory-ha:statsd": '{"location":"agent"}' },
      [
        'faktory-ha:statsd.location: got "agent"; must be host:port (a port from 1 to 65535), e.g. datadog-agent.monitoring:8125',
      ],
    ],
    [
      "a lease ttl below the supervisor's floor",
      { "faktory-ha:lease": '{"ttlMs":500}' },
      ["faktory-ha:lease.ttlMs: got 500; must be the lease ttl in ms: an integer from 1000 to 3600000"],
    ],
    [
      "a short ttl, against both bounds",
      { "faktory-ha:lease": '{"ttlMs":5000}' },
      [
        "faktory-ha:lease: got ttlMs 5000, renewIntervalMs 1000, renewDeadlineMs 4000; lease timings must satisfy faktory-ha:lease.renewDeadlineMs (4000) + the stop timeout (2000) + the fence margin (500 ms) ≤ faktory-ha:lease.ttlMs (5000), so Faktory has stopped 500 ms before the lease can expire; got 6500 ms; allowed: the stop timeout ≤ 500, faktory-ha:lease.renewDeadlineMs ≤ 2500 or faktory-ha:lease.ttlMs ≥ 6500",
        "faktory-ha:lease: got ttlMs 5000, renewIntervalMs 1000, renewDeadlineMs 4000; liveness is too slow for the lease: the default liveness.periodSeconds (2) × the default liveness.failureThreshold (3) + the default liveness.timeoutSeconds (1) + the default liveness.terminationGracePeriodSeconds (1) = 8 s to kill a frozen supervisor; with faktory-ha:lease.renewIntervalMs (1000) and the fence margin (500 ms) that is 9500 ms, more than faktory-ha:lease.ttlMs (5000): a lease renewed just before the freeze expires ttl − renewInterval after it, and Faktory must be dead 500 ms before; allowed: a kill time ≤ 3500 ms or faktory-ha:lease.ttlMs ≥ 9500",
      ],
    ],
    [
      "a lease database Redis does not have",
      { "faktory-ha:lease": '{"database":16}' },
      [
        "faktory-ha:lease.database: got 16; must be a Redis database index other than Faktory's: an integer from 0 to 15",
      ],
    ],
    [
      "the lease in database 0 of the ElastiCache the stack creates (Faktory's: its URL names none)",
      { "faktory-ha:lease": '{"database":0}' },
      [
        "faktory-ha:lease.database: got 0; is Faktory's own Redis database (0, from the Redis URL): Faktory's FLUSH would delete the lease with the jobs; allowed 0..15 except 0",
      ],
    ],
    [
      "a lease key the stack does not expose",
      { "faktory-ha:lease": '{"pollMs":500}' },
      [
        "faktory-ha:lease.pollMs: got 500; unknown key; allowed keys are ttlMs, renewIntervalMs, renewDeadlineMs, database",
      ],
    ],
    [
      "an empty dashboard label set",
      { "faktory-ha:monitoring": '{"dashboard":{"enabled":true,"labels":{}}}' },
      [
        "faktory-ha:monitoring.dashboard.labels: got {}; must not be empty: the Grafana sidecar finds dashboards by label",
      ],
    ],
  ])("rejects %s", (_label, patch, messages) => {
    expect(problemsOf({ ...prod, ...patch })).toEqual(messages);
  });
});
