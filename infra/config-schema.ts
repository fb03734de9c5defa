// The stack config schema: every key under the `faktory-ha:` namespace, with messages that say what
// is allowed. Cross-key rules (edition vs secondaries, prod minimums) live in `config-rules.ts`.
import { z } from "zod";
import { ALARM_DEFAULTS, ALARM_LIMITS, type AlarmThresholds } from "../components/aws/alarm-config";
import { MONITORING_DEFAULTS } from "../components/k8s/monitoring/manifests";
import { CLUSTER_DEFAULTS } from "../components/aws/cluster";
import { imageRefProblem } from "../components/aws/image-ref";
import { VPC_PREFIX_RANGE } from "../components/aws/network-cidrs";
import { parseCidr } from "../components/aws/validate";
import { REDIS_DEFAULTS } from "../components/aws/redis";
import { LEASE_DEFAULTS, SUPERVISOR_INTS } from "../components/contract/supervisor";
import { DEFAULTS as FAKTORY_DEFAULTS } from "../components/k8s/settings";
import { labelMap, podShape, resourcesSchema } from "../components/k8s/args-schema";

export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
export const EDITIONS = ["enterprise", "oss"] as const;
export const REDIS_ENGINES = ["redis", "valkey"] as const;
export const AZ_COUNTS = [2, 3] as const;
export const MAX_SECONDARIES = FAKTORY_DEFAULTS.maxSecondaries;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The components' CIDR rule: a network address (no host bits) and a prefix 0..32. */
const CIDR_MESSAGE = "must be an IPv4 CIDR (a network address, no host bits) such as 10.0.0.0/16";
export const cidr = z.string().refine((s) => parseCidr(s) !== undefined, { message: CIDR_MESSAGE });

/** The Network component's rule for a VPC it creates: the subnet layout needs /16 to /20. */
const vpcCidr = z.string().superRefine((s, ctx) => {
  const parsed = parseCidr(s);
  if (parsed === undefined) ctx.addIssue({ code: "custom", message: CIDR_MESSAGE });
  else if (parsed.prefix < VPC_PREFIX_RANGE.min || parsed.prefix > VPC_PREFIX_RANGE.max) {
    ctx.addIssue({
      code: "custom",
      message: `must be a VPC CIDR from /${VPC_PREFIX_RANGE.min} to /${VPC_PREFIX_RANGE.max} (the subnet layout's range), such as 10.42.0.0/16`,
    });
  }
});

/** The components' rule for an image: pinned by a tag other than `latest`, or by a digest. */
export const pinnedImage = z.string().superRefine((ref, ctx) => {
  const problem = imageRefProblem(ref);
  if (problem !== undefined)
    ctx.addIssue({ code: "custom", message: `must be a pinned image reference: it ${problem}` });
});

const int = (what: string, min: number, max: number) =>
  z
    .number({ message: `must be ${what}: an integer from ${min} to ${max}` })
    .int({ message: `must be ${what}: an integer from ${min} to ${max}` })
    .min(min, { message: `must be ${what}: an integer from ${min} to ${max}` })
    .max(max, { message: `must be ${what}: an integer from ${min} to ${max}` });

const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { message: `must be one of ${values.map((v) => JSON.stringify(v)).join(", ")}` });

export const networkSchema = z.union(
  [
    z
      .object({
        azCount: z
          .number()
          .refine((n) => (AZ_COUNTS as readonly number[]).includes(n), {
            message: `must be one of ${AZ_COUNTS.join(", ")} (availability zones for subnets, nodes and Redis)`,
          })
          .default(3),
        vpcCidr: vpcCidr.default("10.42.0.0/16"),
        natGateways: oneOf(["single", "perAz"] as const).default("perAz"),
      })
      .strict(),
    z
      .object({
        vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, { message: "must be a VPC id such as vpc-0123abcd" }),
        privateSubnetIds: z
          .array(
            z
              .string()
              .regex(/^subnet-[0-9a-f]{8,17}$/, { message: "must be a subnet id such as subnet-0123abcd" }),
          )
          .min(2, { message: "must list at least 2 private subnets in different availability zones" }),
      })
      .strict(),
  ],
  { message: "must be either { azCount, vpcCidr, natGateways } or { vpcId, privateSubnetIds }" },
);

export const clusterSchema = z
  .object({
    version: z
      .string({ message: 'must be an EKS Kubernetes version as a quoted string, such as "1.31"' })
      .regex(/^1\.\d{2}$/, {
        message: 'must be an EKS Kubernetes version as a quoted string, such as "1.31"',
      })
      .default("1.31"),
    instanceType: z
      .string()
      .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { message: "must be an EC2 instance type such as m7g.large" })
      .default(CLUSTER_DEFAULTS.nodeInstanceType),
    minNodes: int("the node group's minimum size", 1, 100).default(2),
    desiredNodes: int("the node group's desired size", 1, 100).default(3),
    maxNodes: int("the node group's maximum size", 1, 100).default(6),
    publicAccessCidrs: z.array(cidr).default([]),
  })
  .strict();

export const redisSchema = z
  .object({
    engine: oneOf(REDIS_ENGINES).default("redis"),
    engineVersion: z
      .string()
      .regex(/^\d+\.\d+$/, { message: "must be a major.minor version such as 7.1" })
      .optional(),
    nodeType: z
      .string()
      .regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, {
        message: "must be an ElastiCache node type such as cache.r7g.large",
      })
      .default(REDIS_DEFAULTS.nodeType),
    nodes: int("the number of cache nodes (1 primary + replicas)", 1, 6).default(2),
    snapshotRetentionDays: int("the days of snapshots kept", 0, 35).default(7),
    sourceSecurityGroupIds: z
      .array(
        z
          .string()
          .regex(/^sg-[0-9a-f]{8,17}$/, { message: "must list security group ids such as sg-0123abcd" }),
      )
      .min(1, { message: "must list at least one security group id" })
      .optional(),
  })
  .strict();

export const statsdSchema = z
  .object({
    address: z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, {
      message: "must be host:port, e.g. datadog-agent.monitoring:8125",
    }),
    namespace: z.string().optional(),
    tags: z.array(z.string()).default([]),
  })
  .strict();

/** A lease timing with the range and default of the supervisor contract. */
const leaseInt = (what: string, key: "ttlMs" | "renewIntervalMs" | "renewDeadlineMs") =>
  int(what, SUPERVISOR_INTS[key].min, SUPERVISOR_INTS[key].max).default(LEASE_DEFAULTS[key]);

export const leaseSchema = z
  .object({
    ttlMs: leaseInt("the lease ttl in ms", "ttlMs"),
    renewIntervalMs: leaseInt("the lease renew interval in ms", "renewIntervalMs"),
    renewDeadlineMs: leaseInt("the lease renew deadline in ms", "renewDeadlineMs"),
  })
  .strict();

export const registrySchema = z
  .object({
    server: z.string().min(1, { message: "must be the registry host, e.g. docker.contribsys.com" }),
    username: z.string().min(1, { message: "must be the registry user name" }),
  })
  .strict();

const enabled = z.boolean({ message: "must be true or false" }).default(false);

export const monitoringSchema = z
  .object({
    scrapeAnnotations: z.boolean({ message: "must be true or false" }).optional(),
    podMonitor: z
      .object({
        enabled,
        labels: labelMap.default({}),
        interval: z
          .string()
          .regex(/^(\d+(ms|s|m|h))+$/, { message: 'must be a Prometheus duration such as "15s"' })
          .default(MONITORING_DEFAULTS.podMonitorInterval),
      })
      .strict()
      .prefault({}),
    prometheusRule: z
      .object({
        enabled,
        labels: labelMap.default({}),
        queueLatencySeconds: int("the queue latency (seconds) that raises an alert", 1, 86400).optional(),
      })
      .strict()
      .prefault({}),
    dashboard: z
      .object({
        enabled,
        labels: labelMap.default({ ...MONITORING_DEFAULTS.dashboardLabels }),
        namespace: z
          .string()
          .regex(DNS_LABEL, { message: "must be a Kubernetes namespace name (lowercase DNS label)" })
          .optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict();

const threshold = (key: keyof AlarmThresholds) => {
  const { min, max, what } = ALARM_LIMITS[key];
  return int(what, min, max).default(ALARM_DEFAULTS[key]);
};

export const alarmsSchema = z
  .object({
    enabled,
    topicArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, {
        message:
          "must be the ARN of a standard (not FIFO) SNS topic, e.g. arn:aws:sns:us-east-1:123456789012:oncall",
      })
      .optional(),
    emails: z
      .array(z.string().regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, { message: "must list e-mail addresses" }))
      .default([]),
    loadBalancer: z.boolean({ message: "must be true or false" }).default(true),
    thresholds: z
      .object({
        memoryPercent: threshold("memoryPercent"),
        engineCpuPercent: threshold("engineCpuPercent"),
        replicationLagSeconds: threshold("replicationLagSeconds"),
        connections: threshold("connections"),
        unhealthyHosts: threshold("unhealthyHosts"),
        evaluationMinutes: threshold("evaluationMinutes"),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** The plain (non-secret) keys and their schemas. Secret keys are listed in `SECRET_KEYS`. */
export const plainKeys = {
  environment: oneOf(ENVIRONMENTS),
  edition: oneOf(EDITIONS).default("enterprise"),
  secondaries: int("the number of hot standbys", 0, MAX_SECONDARIES).optional(),
  namespace: z
    .string()
    .regex(DNS_LABEL, { message: "must be a Kubernetes namespace name (lowercase DNS label)" })
    .default("faktory"),
  network: networkSchema.default({ azCount: 3, vpcCidr: "10.42.0.0/16", natGateways: "perAz" }),
  cluster: clusterSchema.optional(),
  redis: redisSchema.default({
    engine: "redis",
    nodeType: REDIS_DEFAULTS.nodeType,
    nodes: 2,
    snapshotRetentionDays: 7,
  }),
  faktoryImage: pinnedImage.optional(),
  image: pinnedImage.optional(),
  registry: registrySchema.optional(),
  webUi: z.boolean({ message: "must be true or false" }).default(false),
  allowedCidrs: z.array(cidr).default([]),
  allowedNamespaces: z
    .array(z.string().regex(DNS_LABEL, { message: "must list Kubernetes namespace names" }))
    .default([]),
  statsd: statsdSchema.optional(),
  // The Faktory component's pod args, with its rules (names and values as the component takes them).
  ...podShape,
  resources: resourcesSchema.optional(),
  lease: leaseSchema.default({
    ttlMs: LEASE_DEFAULTS.ttlMs,
    renewIntervalMs: LEASE_DEFAULTS.renewIntervalMs,
    renewDeadlineMs: LEASE_DEFAULTS.renewDeadlineMs,
  }),
  cronFile: z
    .string()
    .regex(/\.(ts|json|toml)$/, { message: "must be a path to a .ts, .json or .toml cron definitions file" })
    .optional(),
  // Defaults come from the inner schemas (`prefault` parses `{}`), so each lives in one place.
  monitoring: monitoringSchema.prefault({}),
  alarms: alarmsSchema.prefault({}),
} as const;

/** Keys whose values must be set with `pulumi config set --secret`. */
export const SECRET_KEYS = ["license", "password", "registryPassword", "kubeconfig"] as const;
/** A secret inside an object key: `pulumi config set --secret --path faktory-ha:redis.existingUrl …`. */
export const REDIS_EXISTING_URL = "existingUrl";
export type SecretKey = (typeof SECRET_KEYS)[number];

export const plainSchema = z.object(plainKeys).strict();
export type PlainConfig = z.output<typeof plainSchema>;
