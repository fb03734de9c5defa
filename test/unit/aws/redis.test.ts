import { describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { containsSecret, isSecret, setupMocks, unwrapSecrets, valueOf } from "../../support/pulumi-mocks";
import { Redis, RedisArgs } from "../../../components/aws/redis";
import { AUTH_TOKEN_SPECIALS } from "../../../components/aws/redis-config";
import { errorOf, inventory, named, settle } from "./helpers";

const runtime = setupMocks();
const TYPE = "faktory-ha:aws:Redis";
const base: RedisArgs = {
  vpcId: "vpc-1",
  subnetIds: ["subnet-a", "subnet-b", "subnet-c"],
  sourceSecurityGroupIds: ["sg-nodes", pulumi.output("sg-extra")],
};

function one(type: string, name: string): Record<string, unknown> {
  const found = runtime.resources.filter((r) => r.type === type && r.name === name);
  expect(found, `${type} ${name}`).toHaveLength(1);
  return found[0].inputs;
}

describe("Redis", () => {
  it("creates a Multi-AZ, encrypted, AUTH-protected replication group with noeviction", async () => {
    const redis = new Redis("cache", base);
    const [endpoint, port, sg, url] = await Promise.all([
      valueOf(redis.primaryEndpoint),
      valueOf(redis.port),
      valueOf(redis.securityGroupId),
      valueOf(redis.url),
    ]);
    await settle(runtime);

    expect(inventory(runtime, "cache")).toEqual(
      [
        `${TYPE} cache`,
        "random:index/randomPassword:RandomPassword cache-auth-token",
        "aws:ec2/securityGroup:SecurityGroup cache-sg",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule cache-from-0",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule cache-from-1",
        "aws:elasticache/subnetGroup:SubnetGroup cache-subnets",
        "aws:elasticache/parameterGroup:ParameterGroup cache-params",
        "aws:elasticache/replicationGroup:ReplicationGroup cache-cache",
      ].sort(),
    );
    for (const child of named(runtime, "cache").filter((r) => r.type !== TYPE)) {
      expect(child.parentType, child.name).toBe(TYPE);
    }

    const group = one("aws:elasticache/replicationGroup:ReplicationGroup", "cache-cache");
    expect(containsSecret(group.authToken)).toBe(true);
    expect(unwrapSecrets(group)).toMatchObject({
      engine: "redis",
      engineVersion: "7.1",
      nodeType: "cache.t4g.small",
      port: 6379,
      clusterMode: "disabled",
      numCacheClusters: 2,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      atRestEncryptionEnabled: true,
      transitEncryptionEnabled: true,
      authToken: "generated-cache-auth-token-secret-value",
      parameterGroupName: "cache-params",
      subnetGroupName: "cache-subnets",
      securityGroupIds: ["cache-sg-id"],
      snapshotRetentionLimit: 7,
      snapshotWindow: "03:00-04:00",
      maintenanceWindow: "sun:05:00-sun:06:00",
      applyImmediately: false,
    });
    expect(group.kmsKeyId).toBeUndefined();
    expect(group.preferredCacheClusterAzs).toBeUndefined();
    expect(group.transitEncryptionMode).toBeUndefined(); // "required" is the default once TLS is on

    expect(one("aws:elasticache/parameterGroup:ParameterGroup", "cache-params")).toMatchObject({
      family: "redis7",
      parameters: [{ name: "maxmemory-policy", value: "noeviction" }],
    });
    expect(one("aws:elasticache/subnetGroup:SubnetGroup", "cache-subnets")).toMatchObject({
      subnetIds: ["subnet-a", "subnet-b", "subnet-c"],
    });

    const token = one("random:index/randomPassword:RandomPassword", "cache-auth-token");
    expect(token).toMatchObject({ length: 64, special: true, overrideSpecial: AUTH_TOKEN_SPECIALS });
    expect(AUTH_TOKEN_SPECIALS).not.toMatch(/[@"/ ]/);

    // The security group admits 6379 from the given groups and nothing else: no inline rules, no CIDRs.
    const sgInputs = one("aws:ec2/securityGroup:SecurityGroup", "cache-sg");
    expect(sgInputs).toMatchObject({ vpcId: "vpc-1" });
    expect(sgInputs.ingress).toBeUndefined();
    expect(sgInputs.egress).toBeUndefined();
    const rules = runtime
      .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
      .filter((r) => r.name.startsWith("cache-"))
      .map((r) => r.inputs);
    expect(rules).toEqual([
      expect.objectContaining({
        securityGroupId: "cache-sg-id",
        referencedSecurityGroupId: "sg-nodes",
        ipProtocol: "tcp",
        fromPort: 6379,
        toPort: 6379,
      }),
      expect.objectContaining({ referencedSecurityGroupId: "sg-extra", fromPort: 6379, toPort: 6379 }),
    ]);
    for (const rule of rules) {
      expect(rule.cidrIpv4).toBeUndefined();
      expect(rule.cidrIpv6).toBeUndefined();
      expect(rule.prefixListId).toBeUndefined();
    }

    expect(endpoint).toBe("master.cache-cache.abc123.use1.cache.amazonaws.com");
    expect(port).toBe(6379);
    expect(sg).toBe("cache-sg-id");
    expect(url).toBe(
      "rediss://:generated-cache-auth-token-secret-value@master.cache-cache.abc123.use1.cache.amazonaws.com:6379",
    );
    expect(await isSecret(redis.url)).toBe(true);
    expect(await isSecret(redis.authToken)).toBe(true);
  });

  it("valkey 8 with explicit settings gets the valkey8 family and the given values", async () => {
    const redis = new Redis("queue", {
      ...base,
      sourceSecurityGroupIds: ["sg-nodes"],
      engine: "valkey",
      nodeType: "cache.r7g.large",
      numCacheClusters: 3,
      snapshotRetentionLimit: 14,
      applyImmediately: true,
      kmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/k",
      authTokenLength: 32,
      availabilityZones: pulumi.output(["us-east-1a", "us-east-1b"]),
    });
    await valueOf(redis.url);
    await settle(runtime);
    expect(one("aws:elasticache/parameterGroup:ParameterGroup", "queue-params")).toMatchObject({
      family: "valkey8",
    });
    expect(
      unwrapSecrets(one("aws:elasticache/replicationGroup:ReplicationGroup", "queue-cache")),
    ).toMatchObject({
      engine: "valkey",
      engineVersion: "8.0",
      nodeType: "cache.r7g.large",
      numCacheClusters: 3,
      snapshotRetentionLimit: 14,
      applyImmediately: true,
      kmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/k",
      multiAzEnabled: true,
      automaticFailoverEnabled: true,
      preferredCacheClusterAzs: ["us-east-1a", "us-east-1b", "us-east-1a"],
    });
    expect(one("random:index/randomPassword:RandomPassword", "queue-auth-token")).toMatchObject({
      length: 32,
    });
    expect(
      runtime
        .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        .filter((r) => r.name.startsWith("queue-")),
    ).toHaveLength(1);
  });

  it.each([
    [
      { numCacheClusters: 1 },
      'Redis "cache": numCacheClusters=1 must be the number of cache nodes (a primary and its replicas; Multi-AZ with automatic failover, always on, needs a replica): an integer from 2 to 6',
    ],
    [
      { numCacheClusters: 2.5 },
      'Redis "cache": numCacheClusters=2.5 must be the number of cache nodes (a primary and its replicas; Multi-AZ with automatic failover, always on, needs a replica): an integer from 2 to 6',
    ],
    [
      { numCacheClusters: 7 },
      'Redis "cache": numCacheClusters=7 must be the number of cache nodes (a primary and its replicas; Multi-AZ with automatic failover, always on, needs a replica): an integer from 2 to 6',
    ],
    [
      { engine: "memcached" as unknown as "redis" },
      'Redis "cache": engine="memcached" must be one of "redis", "valkey"',
    ],
    [
      { engineVersion: "6.2" },
      'Redis "cache": engineVersion="6.2" must be <major>.<minor> with major 7 for engine "redis"',
    ],
    [
      { engine: "valkey" as const, engineVersion: "9" },
      'Redis "cache": engineVersion="9" must be <major>.<minor> with major 7 or 8 for engine "valkey"',
    ],
    [
      { authTokenLength: 8 },
      'Redis "cache": authTokenLength=8 must be the AUTH token\'s length: an integer from 16 to 128',
    ],
    [
      { authTokenLength: 129 },
      'Redis "cache": authTokenLength=129 must be the AUTH token\'s length: an integer from 16 to 128',
    ],
    [
      { snapshotRetentionLimit: 36 },
      'Redis "cache": snapshotRetentionLimit=36 must be the days of automatic snapshots kept (0 turns them off): an integer from 0 to 35',
    ],
    [
      { snapshotName: "2026-12-06 nightly" },
      'Redis "cache": snapshotName="2026-12-06 nightly" must be an ElastiCache snapshot name: 1 to 255 letters, digits and hyphens, starting with a letter',
    ],
    [
      { finalSnapshotIdentifier: "" },
      'Redis "cache": finalSnapshotIdentifier="" must be an ElastiCache snapshot name: 1 to 255 letters, digits and hyphens, starting with a letter',
    ],
    [
      { snapshotArns: ["s3://dumps-bucket/dump.rdb"] },
      'Redis "cache": snapshotArns[0]="s3://dumps-bucket/dump.rdb" must be the ARN of an .rdb file in S3, such as arn:aws:s3:::my-bucket/faktory.rdb',
    ],
    [
      { snapshotArns: "arn:aws:s3:::dumps-bucket/dump.rdb" },
      'Redis "cache": snapshotArns="arn:aws:s3:::dumps-bucket/dump.rdb" must be a list of S3 ARNs of .rdb files',
    ],
    [
      { snapshotName: "nightly", snapshotArns: ["arn:aws:s3:::dumps-bucket/dump.rdb"] },
      'Redis "cache": snapshotArns must be left out with snapshotName: a replication group is restored from one source',
    ],
    [
      { sourceSecurityGroupIds: [] },
      'Redis "cache": sourceSecurityGroupIds must list at least one security group: Redis admits nothing else',
    ],
  ])("refuses %j before creating anything", async (override, message) => {
    const before = runtime.resources.length;
    // JavaScript callers can pass what the types refuse (a string for a list).
    expect(errorOf(() => new Redis("cache", { ...base, ...override } as RedisArgs))).toBe(message);
    await settle(runtime);
    expect(runtime.resources.length).toBe(before);
  });

  it("refuses a name that cannot become an ElastiCache id", () => {
    expect(errorOf(() => new Redis("Faktory_Cache", base))).toBe(
      'Redis "Faktory_Cache": name="Faktory_Cache" must be lowercase letters, digits and single hyphens, ' +
        "start with a letter, and be at most 24 characters: AWS resource names are built from it",
    );
  });

  it("reports every problem at once and an unknown arg with the one meant", async () => {
    const args = {
      ...base,
      numCacheClusters: 1,
      snapshotRetentionLimit: 40,
      nodeType: "t4g.small",
      engin: "valkey",
    };
    expect(errorOf(() => new Redis("cache", args as never))).toBe(
      'Redis "cache": ' +
        [
          'nodeType="t4g.small" must be an ElastiCache node type such as cache.r7g.large',
          "numCacheClusters=1 must be the number of cache nodes (a primary and its replicas; Multi-AZ with automatic failover, always on, needs a replica): an integer from 2 to 6",
          "snapshotRetentionLimit=40 must be the days of automatic snapshots kept (0 turns them off): an integer from 0 to 35",
          'engin is not a known arg; did you mean "engine"?',
        ].join("; "),
    );
  });

  it("reads the restore source only when the group is created (a later change does not replace it)", async () => {
    const seen = new Map<string, pulumi.CustomResourceOptions>();
    const record: pulumi.ResourceTransformation = (t) => {
      seen.set(t.name, t.opts);
      return undefined;
    };
    new Redis("once", { ...base, snapshotName: "faktory-2026-12-06" }, { transformations: [record] });
    await settle(runtime);
    expect(seen.get("once-cache")?.ignoreChanges).toEqual(["snapshotName", "snapshotArns"]);
  });

  it("restores from a named snapshot or from RDB files in S3, and takes a final snapshot when deleted", async () => {
    new Redis("restored", {
      ...base,
      snapshotName: "faktory-2026-12-06",
      finalSnapshotIdentifier: "restored-final",
    });
    new Redis("seeded", { ...base, snapshotArns: ["arn:aws:s3:::dumps-bucket/faktory/dump.rdb"] });
    await settle(runtime);
    expect(one("aws:elasticache/replicationGroup:ReplicationGroup", "restored-cache")).toMatchObject({
      snapshotName: "faktory-2026-12-06",
      finalSnapshotIdentifier: "restored-final",
    });
    const seeded = one("aws:elasticache/replicationGroup:ReplicationGroup", "seeded-cache");
    expect(seeded).toMatchObject({ snapshotArns: ["arn:aws:s3:::dumps-bucket/faktory/dump.rdb"] });
    expect(seeded.snapshotName).toBeUndefined();
    expect(seeded.finalSnapshotIdentifier).toBeUndefined();
  });

  it("leaves a value known only at deployment (an Output) to deployment", async () => {
    const redis = new Redis("later", { ...base, snapshotRetentionLimit: pulumi.output(3) });
    await valueOf(redis.primaryEndpoint);
    await settle(runtime);
    expect(one("aws:elasticache/replicationGroup:ReplicationGroup", "later-cache")).toMatchObject({
      snapshotRetentionLimit: 3,
    });
  });

  it("refuses a JavaScript caller that leaves out a required arg", () => {
    expect(errorOf(() => new Redis("cache", { sourceSecurityGroupIds: ["sg-1"] } as never))).toBe(
      'Redis "cache": vpcId is required: the VPC to create the security group in; ' +
        "subnetIds is required: the private subnets of the subnet group",
    );
  });

  it("answered every invoke it made", () => {
    expect(runtime.unknownCalls).toEqual([]);
  });
});
