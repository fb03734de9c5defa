// The stack config schema: every key under the `faktory-ha:` namespace, with messages that say what
// is allowed. Cross-key rules (edition vs secondaries, prod minimums) live in `config-rules.ts`.
import { z } from "zod";
import { ALARM_DEFAULTS, ALARM_LIMITS, type AlarmThresholds } from "../components/aws/alarm-config";
import {
  dashboardShape,
  podMonitorShape,
  prometheusRuleShape,
} from "../components/k8s/monitoring/args-schema";
import { CLUSTER_DEFAULTS } from "../components/aws/cluster";
import { cidrSchema, pinnedImageSchema, vpcCidrSchema } from "../components/aws/args-schema";
import { REDIS_DEFAULTS } from "../components/aws/redis";
import { DEFAULTS as FAKTORY_DEFAULTS } from "../components/k8s/settings";
import {
  bool,
  cidrListSchema,
  editionSchema,
  int,
  leaseSchema,
  namespaceSchema,
  oneOf,
  podShape,
  resourcesSchema,
  secondariesSchema,
  statsdSchema,
} from "../components/k8s/args-schema";

export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
export const REDIS_ENGINES = ["redis", "valkey"] as const;
export const AZ_COUNTS = [2, 3] as const;

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
        vpcCidr: vpcCidrSchema.default("10.42.0.0/16"),
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
    minNodes: int("the node group's minimum size", 1, 100).default(CLUSTER_DEFAULTS.nodeMinSize),
    desiredNodes: int("the node group's desired size", 1, 100).default(CLUSTER_DEFAULTS.nodeDesiredSize),
    maxNodes: int("the node group's maximum size", 1, 100).default(CLUSTER_DEFAULTS.nodeMaxSize),
    publicAccessCidrs: z.array(cidrSchema).default([]),
  })
  .strict();

export const redisSchema = z
  .object({
    engine: oneOf(REDIS_ENGINES).default(REDIS_DEFAULTS.engine),
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
    nodes: int("the number of cache nodes (1 primary + replicas)", 1, 6).default(
      REDIS_DEFAULTS.numCacheClusters,
    ),
    snapshotRetentionDays: int("the days of snapshots kept", 0, 35).default(
      REDIS_DEFAULTS.snapshotRetentionLimit,
    ),
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

/** The stack's lease keys: the component's rules and defaults for the three timings and the database. */
export const stackLeaseSchema = leaseSchema.pick({
  ttlMs: true,
  renewIntervalMs: true,
  renewDeadlineMs: true,
  database: true,
});

export const registrySchema = z
  .object({
    server: z.string().min(1, { message: "must be the registry host, e.g. docker.contribsys.com" }),
    username: z.string().min(1, { message: "must be the registry user name" }),
  })
  .strict();

const enabled = bool.default(false);

/** The component's monitoring parts, each with an `enabled` flag (the component takes presence instead). */
export const monitoringSchema = z
  .object({
    scrapeAnnotations: bool.optional(),
    podMonitor: z
      .object({ enabled, ...podMonitorShape })
      .strict()
      .prefault({}),
    prometheusRule: z
      .object({ enabled, ...prometheusRuleShape })
      .strict()
      .prefault({}),
    dashboard: z
      .object({ enabled, ...dashboardShape })
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
    loadBalancer: bool.default(true),
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
  edition: editionSchema.default(FAKTORY_DEFAULTS.edition),
  // Its default depends on the edition: applied in config.ts, from the component's defaults.
  secondaries: secondariesSchema.optional(),
  namespace: namespaceSchema.default("faktory"),
  network: networkSchema.default({ azCount: 3, vpcCidr: "10.42.0.0/16", natGateways: "perAz" }),
  cluster: clusterSchema.optional(),
  redis: redisSchema.prefault({}),
  faktoryImage: pinnedImageSchema.optional(),
  image: pinnedImageSchema.optional(),
  registry: registrySchema.optional(),
  webUi: bool.default(FAKTORY_DEFAULTS.webUi),
  allowedCidrs: cidrListSchema.default([]),
  allowedNamespaces: z
    .array(namespaceSchema, { message: "must list Kubernetes namespace names" })
    .default([]),
  statsd: statsdSchema.optional(),
  // The Faktory component's pod args, with its rules (names and values as the component takes them).
  ...podShape,
  resources: resourcesSchema.optional(),
  lease: stackLeaseSchema.prefault({}),
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
