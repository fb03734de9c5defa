// The stack config schema: every key under the `faktory-ha:` namespace, with messages that say what
// is allowed. Cross-key rules (edition vs secondaries, prod minimums) live in `config-rules.ts`.
import { z } from "zod";
import { ALARM_DEFAULTS, type AlarmThresholds } from "../components/aws/alarm-config";
import {
  dashboardShape,
  podMonitorShape,
  prometheusRuleShape,
} from "../components/k8s/monitoring/args-schema";
import {
  azCountSchema,
  cacheNodeTypeSchema,
  emailSchema,
  instanceTypeSchema,
  kubernetesVersionSchema,
  natGatewaysSchema,
  nodeCountSchema,
  pinnedImageSchema,
  publicAccessCidrSchema,
  redisEngineSchema,
  redisNodesSchema,
  rdbArnSchema,
  snapshotNameSchema,
  snapshotRetentionSchema,
  thresholdSchema,
  vpcCidrSchema,
} from "../components/aws/args-schema";
import { CLUSTER_DEFAULTS, NETWORK_DEFAULTS, REDIS_DEFAULTS } from "../components/aws/defaults";
import { DEFAULTS as FAKTORY_DEFAULTS } from "../components/k8s/settings";
import { tlsSchema } from "../components/k8s/tls/args-schema";
import {
  bool,
  cidrListSchema,
  editionSchema,
  leaseSchema,
  namespaceSchema,
  oneOf,
  podShape,
  resourcesSchema,
  secondariesSchema,
  statsdSchema,
} from "../components/k8s/args-schema";

export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
/** The stack's own VPC default, apart from the component's 10.0.0.0/16 so it rarely clashes on peering. */
const STACK_VPC_CIDR = "10.42.0.0/16";

/** A new VPC (the Network component's rules and defaults) or an existing one. */
export const networkSchema = z.union(
  [
    z
      .object({
        azCount: azCountSchema.default(NETWORK_DEFAULTS.azCount),
        vpcCidr: vpcCidrSchema.default(STACK_VPC_CIDR),
        natGateways: natGatewaysSchema.default(NETWORK_DEFAULTS.natGateways),
      })
      .strict(),
    z
      .object({
        vpcId: z
          .string({ message: "must be a VPC id such as vpc-0123abcd" })
          .regex(/^vpc-[0-9a-f]{8,17}$/, { message: "must be a VPC id such as vpc-0123abcd" }),
        privateSubnetIds: z
          .array(
            z
              .string()
              .regex(/^subnet-[0-9a-f]{8,17}$/, { message: "must be a subnet id such as subnet-0123abcd" }),
            { message: "must list the private subnet ids, at least 2 in different availability zones" },
          )
          .min(2, { message: "must list at least 2 private subnets in different availability zones" }),
      })
      .strict(),
  ],
  { message: "must be either { azCount, vpcCidr, natGateways } or { vpcId, privateSubnetIds }" },
);

export const clusterSchema = z
  .object({
    version: kubernetesVersionSchema.default("1.31"),
    instanceType: instanceTypeSchema.default(CLUSTER_DEFAULTS.nodeInstanceType),
    minNodes: nodeCountSchema("the node group's minimum size").default(CLUSTER_DEFAULTS.nodeMinSize),
    desiredNodes: nodeCountSchema("the node group's desired size").default(CLUSTER_DEFAULTS.nodeDesiredSize),
    maxNodes: nodeCountSchema("the node group's maximum size").default(CLUSTER_DEFAULTS.nodeMaxSize),
    publicAccessCidrs: z.array(publicAccessCidrSchema).default([]),
  })
  .strict();

export const redisSchema = z
  .object({
    engine: redisEngineSchema.default(REDIS_DEFAULTS.engine),
    engineVersion: z
      .string()
      .regex(/^\d+\.\d+$/, { message: "must be a major.minor version such as 7.1" })
      .optional(),
    nodeType: cacheNodeTypeSchema.default(REDIS_DEFAULTS.nodeType),
    nodes: redisNodesSchema.default(REDIS_DEFAULTS.numCacheClusters),
    snapshotRetentionDays: snapshotRetentionSchema.default(REDIS_DEFAULTS.snapshotRetentionLimit),
    restoreFromSnapshot: snapshotNameSchema.optional(),
    restoreFromRdb: z
      .array(rdbArnSchema, { message: "must be a list of S3 ARNs of .rdb files" })
      .min(1, { message: "must list at least one .rdb file" })
      .optional(),
    // Its default depends on the environment (on outside dev): applied in infra/index.ts.
    finalSnapshot: bool.optional(),
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

const threshold = (key: keyof AlarmThresholds) => thresholdSchema(key).default(ALARM_DEFAULTS[key]);

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
    emails: z.array(emailSchema, { message: "must be a list of e-mail addresses" }).default([]),
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

/** The plain (non-secret) keys and their schemas. Secret keys are listed in `SECRET_CONFIG_KEYS`. */
export const plainKeys = {
  environment: oneOf(ENVIRONMENTS),
  edition: editionSchema.default(FAKTORY_DEFAULTS.edition),
  // Its default depends on the edition: applied in config.ts, from the component's defaults.
  secondaries: secondariesSchema.optional(),
  namespace: namespaceSchema.default("faktory"),
  // `prefault` parses `{}`: the create-a-VPC shape with its defaults, written once above.
  network: networkSchema.prefault({}),
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
  // KEDA's namespace(s), admitted to the supervisors' scaler endpoint (7421); absent: the component's default.
  scalerNamespaces: z.array(namespaceSchema, { message: "must list Kubernetes namespace names" }).optional(),
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
  // The component's `tls` arg as it takes it (its rules and defaults); absent: TLS off.
  tls: tlsSchema.optional(),
} as const;

/** Keys whose values must be set with `pulumi config set --secret`. */
export const SECRET_CONFIG_KEYS = ["license", "password", "registryPassword", "kubeconfig"] as const;
/** A secret inside an object key: `pulumi config set --secret --path faktory-ha:redis.existingUrl …`. */
export const REDIS_EXISTING_URL = "existingUrl";
export type SecretKey = (typeof SECRET_CONFIG_KEYS)[number];

export const plainSchema = z.object(plainKeys).strict();
export type PlainConfig = z.output<typeof plainSchema>;
