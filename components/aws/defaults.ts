// Every default and range of the AWS components' plain args, in one place: the components, their
// zod schemas (args-schema.ts) and the stack config all read them from here. No zod, no Pulumi.

/** How private subnets reach the internet (image pulls, AWS APIs, the Faktory license check). */
export type NatGatewayMode = "perAz" | "single";
export const NAT_GATEWAY_MODES = ["perAz", "single"] as const satisfies readonly NatGatewayMode[];

export const NETWORK_DEFAULTS = {
  cidrBlock: "10.0.0.0/16",
  azCount: 3,
  natGateways: "perAz",
} as const satisfies { cidrBlock: string; azCount: number; natGateways: NatGatewayMode };

/** Defaults of a new cluster's node group (the stack config's `cluster.*` share them). */
export const CLUSTER_DEFAULTS = {
  nodeInstanceType: "t3.large",
  nodeMinSize: 2,
  nodeDesiredSize: 3,
  nodeMaxSize: 6,
  nodeDiskSizeGiB: 50,
  /** The control plane logs worth keeping for an audit trail; the other two are noisy. */
  enabledClusterLogTypes: ["api", "audit", "authenticator"],
} as const;

/** The control plane log types EKS can send to CloudWatch. */
export const CLUSTER_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;
/** A node's root volume: EKS's AMIs need 20 GiB; 16 TiB is EBS's largest gp3 volume. */
export const NODE_DISK_GIB_RANGE = { min: 20, max: 16_384 } as const;

/** Node group sizes: at least one node; 100 is a guard against a stray digit, far above Faktory's needs. */
export const NODE_COUNT_RANGE = { min: 1, max: 100 } as const;

export type RedisEngine = "redis" | "valkey";
export const REDIS_ENGINES = ["redis", "valkey"] as const satisfies readonly RedisEngine[];

/** Defaults of the Redis component (the stack config's `redis.*` share them). */
export const REDIS_DEFAULTS = {
  engine: "redis",
  nodeType: "cache.t4g.small",
  numCacheClusters: 2,
  snapshotRetentionLimit: 7,
} as const;

/**
 * Nodes of the replication group: the component always runs Multi-AZ with automatic failover, which
 * ElastiCache refuses with fewer than 2 nodes (a primary and a replica in another AZ), and a group
 * with cluster mode disabled has at most 6 (a primary and 5 replicas). So 1 is not a legal value in
 * any environment, and one range says so.
 */
export const REDIS_NODE_RANGE = { min: 2, max: 6 } as const;
/** ElastiCache keeps automatic snapshots for up to 35 days; 0 turns them off. */
export const SNAPSHOT_RETENTION_RANGE = { min: 0, max: 35 } as const;
