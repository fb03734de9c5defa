import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as random from "@pulumi/random";
import {
  AUTH_TOKEN_LENGTH,
  AUTH_TOKEN_SPECIALS,
  DEFAULT_ENGINE_VERSION,
  memberClusterId,
  parameterGroupFamily,
  redisUrl,
  spreadOverZones,
} from "./redis-config";
import { z } from "zod";
import {
  anyInput,
  argProblems,
  bool,
  input,
  int,
  requiredInput,
  shown,
  throwIfProblems,
} from "../arg-schema";
import {
  cacheNodeTypeSchema,
  rdbArnSchema,
  redisEngineSchema,
  redisNodesSchema,
  snapshotNameSchema,
  snapshotRetentionSchema,
} from "./args-schema";
import { engineVersionProblems, restoreSourceProblems } from "./cross-arg-rules";
import { REDIS_DEFAULTS, type RedisEngine } from "./defaults";
import { dnsLabelProblem } from "./validate";

export { REDIS_DEFAULTS } from "./defaults";

const TYPE = "faktory-ha:aws:Redis";
const PORT = 6379;

export interface RedisArgs {
  /** The VPC to create the security group in. */
  readonly vpcId: pulumi.Input<string>;
  /** Private subnets for the subnet group; give at least two AZs so Multi-AZ can place a replica elsewhere. */
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Security groups allowed to connect on 6379, e.g. `[cluster.nodeSecurityGroupId]` (pods on EKS
   * managed nodes use the node's security group). One ingress rule per entry; nothing else is admitted.
   */
  readonly sourceSecurityGroupIds: readonly pulumi.Input<string>[];
  /**
   * AZs to place the nodes in, round-robin (primary in the first), e.g. `network.availabilityZones`.
   * The subnet group must have a subnet in each.
   * @default undefined (ElastiCache chooses; Multi-AZ puts replicas in other AZs than the primary when it can)
   */
  readonly availabilityZones?: pulumi.Input<pulumi.Input<string>[] | undefined>;
  /**
   * `"redis"` (7.x) or `"valkey"` (7.x, 8.x).
   * @default "redis"
   */
  readonly engine?: RedisEngine;
  /**
   * Engine version as `<major>.<minor>`; decides the parameter group family (`redis7`, `valkey8`, …).
   * @default "7.1" for redis, "8.0" for valkey
   */
  readonly engineVersion?: string;
  /**
   * Node instance type.
   * @default "cache.t4g.small"
   */
  readonly nodeType?: pulumi.Input<string>;
  /**
   * Nodes in the replication group (1 primary + replicas), 2 to 6: Multi-AZ with automatic failover,
   * always on, needs a replica in another AZ.
   * @default 2
   */
  readonly numCacheClusters?: number;
  /**
   * Days of automatic snapshots to keep, 0 to 35 (0 disables snapshots).
   * @default 7
   */
  readonly snapshotRetentionLimit?: pulumi.Input<number>;
  /**
   * Create the replication group from this ElastiCache snapshot (a daily one, or a manual one): the
   * jobs come back, and so do the supervisors' lease keys of that moment, which they treat as unknown
   * (a ttl's wait before the first Faktory starts). Only read when the group is created.
   * @default undefined (an empty Redis)
   */
  readonly snapshotName?: pulumi.Input<string>;
  /**
   * Create the replication group from these RDB files in S3 (`arn:aws:s3:::bucket/key.rdb`), e.g. a
   * self-managed Redis's dump; ElastiCache needs read access to them. Not with `snapshotName`.
   * @default undefined (an empty Redis)
   */
  readonly snapshotArns?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Name of the snapshot ElastiCache takes when the group is deleted (a `pulumi destroy`, a replacement),
   * so the queues survive the mistake. The name must not exist yet when the group is deleted.
   * @default undefined (no final snapshot)
   */
  readonly finalSnapshotIdentifier?: pulumi.Input<string>;
  /**
   * Daily snapshot window (UTC), `hh:mm-hh:mm`; must not overlap `maintenanceWindow`.
   * @default "03:00-04:00"
   */
  readonly snapshotWindow?: pulumi.Input<string>;
  /**
   * Weekly maintenance window (UTC), `ddd:hh:mm-ddd:hh:mm`.
   * @default "sun:05:00-sun:06:00"
   */
  readonly maintenanceWindow?: pulumi.Input<string>;
  /**
   * Apply modifications now instead of in the next maintenance window. Some changes restart nodes.
   * @default false
   */
  readonly applyImmediately?: pulumi.Input<boolean>;
  /**
   * KMS key for at-rest encryption.
   * @default undefined (the AWS-managed ElastiCache key)
   */
  readonly kmsKeyId?: pulumi.Input<string>;
  /**
   * Length of the generated AUTH token, 16 to 128.
   * @default 64
   */
  readonly authTokenLength?: number;
  /**
   * Tags for every resource the component creates.
   * @default {}
   */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * An ElastiCache replication group for Faktory: one keyspace (cluster mode disabled), automatic
 * failover across AZs, TLS and AUTH, encryption at rest, and `noeviction` so job data is never
 * evicted under memory pressure (the default `volatile-lru` can drop keys with a TTL).
 */
export class Redis extends pulumi.ComponentResource {
  /** `rediss://:<token>@<primary endpoint>:6379`, token URL-encoded. Secret. */
  public readonly url: pulumi.Output<string>;
  /** The AUTH token. Secret. */
  public readonly authToken: pulumi.Output<string>;
  public readonly primaryEndpoint: pulumi.Output<string>;
  public readonly port: pulumi.Output<number>;
  public readonly securityGroupId: pulumi.Output<string>;
  public readonly replicationGroupId: pulumi.Output<string>;
  /**
   * One cache cluster id per node (`numCacheClusters` entries, `<group id>-001`, …): the
   * `CacheClusterId` dimension of the node's CloudWatch metrics (see `Alarms`).
   */
  public readonly cacheClusterIds: pulumi.Output<string>[];

  constructor(name: string, args: RedisArgs, opts?: pulumi.ComponentResourceOptions) {
    validateRedisArgs(name, args);
    const engine = args.engine ?? REDIS_DEFAULTS.engine;
    const engineVersion = args.engineVersion ?? DEFAULT_ENGINE_VERSION[engine];
    const family = parameterGroupFamily(engine, engineVersion);
    if (family === undefined)
      throw new Error(`Redis "${name}": no parameter group family for ${engineVersion}`);
    const nodeType = args.nodeType ?? REDIS_DEFAULTS.nodeType;
    const numCacheClusters = args.numCacheClusters ?? REDIS_DEFAULTS.numCacheClusters;
    const snapshotRetentionLimit = args.snapshotRetentionLimit ?? REDIS_DEFAULTS.snapshotRetentionLimit;
    const snapshotWindow = args.snapshotWindow ?? "03:00-04:00";
    const maintenanceWindow = args.maintenanceWindow ?? "sun:05:00-sun:06:00";
    const applyImmediately = args.applyImmediately ?? false;
    const authTokenLength = args.authTokenLength ?? 64;
    const tags = args.tags ?? {};

    super(TYPE, name, {}, opts);
    const parent = { parent: this };

    const token = new random.RandomPassword(
      `${name}-auth-token`,
      { length: authTokenLength, special: true, overrideSpecial: AUTH_TOKEN_SPECIALS, minSpecial: 2 },
      parent,
    );

    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.vpcId,
        description: `Redis for Faktory (${name}): 6379 from the given security groups only`,
        tags,
      },
      parent,
    );
    args.sourceSecurityGroupIds.forEach(
      (source, i) =>
        new aws.vpc.SecurityGroupIngressRule(
          `${name}-from-${i}`,
          {
            securityGroupId: securityGroup.id,
            referencedSecurityGroupId: source,
            ipProtocol: "tcp",
            fromPort: PORT,
            toPort: PORT,
            description: "Redis from an allowed security group",
            tags,
          },
          parent,
        ),
    );

    const subnetGroup = new aws.elasticache.SubnetGroup(
      `${name}-subnets`,
      { subnetIds: args.subnetIds, description: `Faktory Redis (${name})`, tags },
      parent,
    );

    const parameterGroup = new aws.elasticache.ParameterGroup(
      `${name}-params`,
      {
        family,
        description: `Faktory Redis (${name}): noeviction`,
        parameters: [{ name: "maxmemory-policy", value: "noeviction" }],
        tags,
      },
      parent,
    );

    const group = new aws.elasticache.ReplicationGroup(
      `${name}-cache`,
      {
        description: `Faktory Redis (${name})`,
        engine,
        engineVersion,
        nodeType,
        port: PORT,
        clusterMode: "disabled",
        numCacheClusters,
        preferredCacheClusterAzs: pulumi
          .output(args.availabilityZones)
          .apply((zones) => spreadOverZones(zones, numCacheClusters)),
        automaticFailoverEnabled: true,
        multiAzEnabled: true,
        atRestEncryptionEnabled: true,
        kmsKeyId: args.kmsKeyId,
        transitEncryptionEnabled: true,
        authToken: token.result,
        parameterGroupName: parameterGroup.name,
        subnetGroupName: subnetGroup.name,
        securityGroupIds: [securityGroup.id],
        snapshotRetentionLimit,
        snapshotName: args.snapshotName,
        snapshotArns: args.snapshotArns,
        finalSnapshotIdentifier: args.finalSnapshotIdentifier,
        snapshotWindow,
        maintenanceWindow,
        applyImmediately,
        autoMinorVersionUpgrade: true,
        tags,
      },
      // The restore source is read once, when the group is created: clearing the stack key after a
      // restore (or a snapshot expiring from the list) must not replace the group and empty Redis again.
      { parent: this, ignoreChanges: ["snapshotName", "snapshotArns"] },
    );

    this.primaryEndpoint = group.primaryEndpointAddress;
    this.port = group.port.apply((p) => p ?? PORT);
    this.securityGroupId = securityGroup.id;
    this.replicationGroupId = group.id;
    this.cacheClusterIds = [...Array(numCacheClusters).keys()].map((i) =>
      pulumi.all([group.id, group.memberClusters]).apply(([id, members]) => memberClusterId(id, members, i)),
    );
    this.authToken = pulumi.secret(token.result);
    this.url = pulumi.secret(
      pulumi
        .all([group.primaryEndpointAddress, this.port, token.result])
        .apply(([host, port, t]) => redisUrl(host, port, t)),
    );
    this.registerOutputs({
      url: this.url,
      authToken: this.authToken,
      primaryEndpoint: this.primaryEndpoint,
      port: this.port,
      securityGroupId: this.securityGroupId,
      replicationGroupId: this.replicationGroupId,
      cacheClusterIds: this.cacheClusterIds,
    });
  }
}

const redisArgsShape = {
  vpcId: requiredInput("the VPC to create the security group in"),
  subnetIds: requiredInput("the private subnets of the subnet group"),
  sourceSecurityGroupIds: z
    .array(anyInput, { message: "must be a list of security group ids" })
    .min(1, { message: "must list at least one security group: Redis admits nothing else" }),
  availabilityZones: anyInput,
  engine: redisEngineSchema.optional(),
  engineVersion: z.string({ message: "must be <major>.<minor>, such as 7.1" }).optional(),
  nodeType: input(cacheNodeTypeSchema),
  numCacheClusters: redisNodesSchema.optional(),
  snapshotRetentionLimit: input(snapshotRetentionSchema),
  snapshotName: input(snapshotNameSchema),
  snapshotArns: input(z.array(input(rdbArnSchema), { message: "must be a list of S3 ARNs of .rdb files" })),
  finalSnapshotIdentifier: input(snapshotNameSchema),
  snapshotWindow: anyInput,
  maintenanceWindow: anyInput,
  applyImmediately: input(bool),
  kmsKeyId: anyInput,
  authTokenLength: int("the AUTH token's length", AUTH_TOKEN_LENGTH.min, AUTH_TOKEN_LENGTH.max).optional(),
  tags: anyInput,
} satisfies Record<keyof RedisArgs, z.ZodType>; // every arg of the interface, and no other
const redisArgsSchema = z.object(redisArgsShape).strict();

function validateRedisArgs(name: string, args: RedisArgs): void {
  const problems = argProblems(redisArgsSchema, args);
  // Autonamed children append "-cache-" plus a 7-character suffix; the replication group id limit is 40.
  const nameProblem = dnsLabelProblem(name, 24);
  if (nameProblem !== undefined) problems.unshift(nameProblem);
  const engine = args.engine ?? REDIS_DEFAULTS.engine;
  if (redisEngineSchema.safeParse(engine).success && typeof args.engineVersion === "string") {
    for (const p of engineVersionProblems({ engine, engineVersion: args.engineVersion }, (key) => key)) {
      problems.push(`${p.key}${shown(args.engineVersion)} ${p.rule}`);
    }
  }
  const restore = { snapshotName: args.snapshotName !== undefined, rdbArns: args.snapshotArns !== undefined };
  for (const p of restoreSourceProblems(restore, (key) => (key === "rdbArns" ? "snapshotArns" : key))) {
    problems.push(`${p.key} ${p.rule}`);
  }
  throwIfProblems(TYPE, name, problems);
}
