// Rules of the AWS components' plain values as zod schemas, for the components and the stack config
// alike (pure: zod and the components' own rule functions, no provider). Messages are predicates
// ("must be …") that read after an arg path or a stack key. Ranges and defaults come from defaults.ts.
import { z } from "zod";
import { int, oneOf } from "../arg-schema";
import { ALARM_LIMITS, type AlarmThresholds } from "./alarm-config";
import {
  CLUSTER_LOG_TYPES,
  NAT_GATEWAY_MODES,
  NODE_COUNT_RANGE,
  NODE_DISK_GIB_RANGE,
  REDIS_ENGINES,
  REDIS_NODE_RANGE,
  SNAPSHOT_RETENTION_RANGE,
} from "./defaults";
import { imageRefProblem } from "./image-ref";
import { AZ_COUNT_RANGE, VPC_PREFIX_RANGE } from "./network-cidrs";
import { parseCidr } from "./validate";

export const CIDR_MESSAGE = "must be an IPv4 CIDR (a network address, no host bits) such as 10.0.0.0/16";

/** An IPv4 CIDR: a network address (no host bits) and a prefix 0..32. */
export const cidrSchema = z.string({ message: CIDR_MESSAGE }).refine((s) => parseCidr(s) !== undefined, {
  message: CIDR_MESSAGE,
});

/** The CIDR of a VPC the Network component creates: the subnet layout needs /16 to /20. */
export const vpcCidrSchema = z.string({ message: CIDR_MESSAGE }).superRefine((s, ctx) => {
  const parsed = parseCidr(s);
  if (parsed === undefined) ctx.addIssue({ code: "custom", message: CIDR_MESSAGE });
  else if (parsed.prefix < VPC_PREFIX_RANGE.min || parsed.prefix > VPC_PREFIX_RANGE.max) {
    ctx.addIssue({
      code: "custom",
      message: `must be a VPC CIDR from /${VPC_PREFIX_RANGE.min} to /${VPC_PREFIX_RANGE.max} (the subnet layout's range), such as 10.42.0.0/16`,
    });
  }
});

/** An image pinned by a tag other than `latest`, or by a digest. */
export const pinnedImageSchema = z.string().superRefine((ref, ctx) => {
  const problem = imageRefProblem(ref);
  if (problem !== undefined) {
    ctx.addIssue({ code: "custom", message: `must be a pinned image reference: it ${problem}` });
  }
});

// --- Network ---
export const azCountSchema = int(
  "the number of availability zones (subnets, nodes and Redis spread over them)",
  AZ_COUNT_RANGE.min,
  AZ_COUNT_RANGE.max,
);
export const natGatewaysSchema = oneOf(NAT_GATEWAY_MODES);

// --- Cluster ---
export const nodeCountSchema = (what: string) => int(what, NODE_COUNT_RANGE.min, NODE_COUNT_RANGE.max);
export const KUBERNETES_VERSION_MESSAGE =
  'must be an EKS Kubernetes version as a quoted string, such as "1.31"';
export const kubernetesVersionSchema = z
  .string({ message: KUBERNETES_VERSION_MESSAGE })
  .regex(/^1\.\d{2}$/, { message: KUBERNETES_VERSION_MESSAGE });
export const instanceTypeSchema = z
  .string({ message: "must be an EC2 instance type such as m7g.large" })
  .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { message: "must be an EC2 instance type such as m7g.large" });
export const nodeDiskSizeSchema = int(
  "a node's root volume in GiB",
  NODE_DISK_GIB_RANGE.min,
  NODE_DISK_GIB_RANGE.max,
);
export const clusterLogTypesSchema = z.array(oneOf(CLUSTER_LOG_TYPES), {
  message: `must be a list of control plane log types (${CLUSTER_LOG_TYPES.join(", ")})`,
});
/** A CIDR allowed to reach the EKS API's public endpoint: never the whole internet. */
export const publicAccessCidrSchema = cidrSchema.refine((s) => parseCidr(s)?.prefix !== 0, {
  message: "must not open the API to the internet (a /0 such as 0.0.0.0/0); name the networks that need it",
});

// --- Redis ---
export const redisEngineSchema = oneOf(REDIS_ENGINES);
export const redisNodesSchema = int(
  "the number of cache nodes (a primary and its replicas; Multi-AZ with automatic failover, always on, needs a replica)",
  REDIS_NODE_RANGE.min,
  REDIS_NODE_RANGE.max,
);
export const snapshotRetentionSchema = int(
  "the days of automatic snapshots kept (0 turns them off)",
  SNAPSHOT_RETENTION_RANGE.min,
  SNAPSHOT_RETENTION_RANGE.max,
);
/** An ElastiCache snapshot's name, as the console and the API name them. */
export const SNAPSHOT_NAME_MESSAGE =
  "must be an ElastiCache snapshot name: 1 to 255 letters, digits and hyphens, starting with a letter";
export const snapshotNameSchema = z
  .string({ message: SNAPSHOT_NAME_MESSAGE })
  .regex(/^[A-Za-z][A-Za-z0-9-]{0,254}$/, { message: SNAPSHOT_NAME_MESSAGE });
/** An RDB file in S3 that a new replication group is seeded from. */
export const RDB_ARN_MESSAGE =
  "must be the ARN of an .rdb file in S3, such as arn:aws:s3:::my-bucket/faktory.rdb";
export const rdbArnSchema = z
  .string({ message: RDB_ARN_MESSAGE })
  .regex(/^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/\S+$/, { message: RDB_ARN_MESSAGE });
export const cacheNodeTypeSchema = z
  .string({ message: "must be an ElastiCache node type such as cache.r7g.large" })
  .regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, {
    message: "must be an ElastiCache node type such as cache.r7g.large",
  });

// --- Alarms ---
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
export const emailSchema = z
  .string({ message: "must be an e-mail address" })
  .regex(EMAIL, { message: "must be an e-mail address" });
/** One threshold, with its range and meaning from `ALARM_LIMITS`. */
export const thresholdSchema = (key: keyof AlarmThresholds) => {
  const { min, max, what } = ALARM_LIMITS[key];
  return int(what, min, max);
};
