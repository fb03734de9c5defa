import { describe, expect, it } from "vitest";
import {
  atRestEncryption,
  authToken,
  automaticFailover,
  clusterModeDisabled,
  elasticachePolicies,
  finalSnapshot,
  multiAz,
  snapshotRetention,
  transitEncryption,
} from "../../policies/elasticache";
import { enforcementFor } from "../../policies/environment";
import { replicationGroup, secret } from "../fixtures/policies/resources";
import { resourceMessages } from "./support";

const label = 'ElastiCache replication group "faktory-redis"';

function withProps(props: Record<string, unknown>) {
  const group = replicationGroup();
  return { ...group, props: { ...group.props, ...props } };
}

describe("ElastiCache resource policies", () => {
  it("accept the compliant replication group", () => {
    for (const policy of elasticachePolicies) {
      expect(resourceMessages(policy, replicationGroup()), policy.name).toEqual([]);
    }
  });

  it("ignore other resource types", () => {
    const other = { ...replicationGroup(), type: "aws:elasticache/cluster:Cluster", props: {} };
    for (const policy of elasticachePolicies)
      expect(resourceMessages(policy, other), policy.name).toEqual([]);
  });

  it.each([
    [
      "transitEncryptionEnabled",
      transitEncryption,
      false,
      "job payloads and the AUTH token cross the network",
    ],
    [
      "atRestEncryptionEnabled",
      atRestEncryption,
      undefined,
      "job payloads are stored in snapshots and on disk",
    ],
    ["multiAzEnabled", multiAz, false, "an Availability Zone outage must not take Redis down"],
  ] as const)("requires %s", (property, policy, value, why) => {
    expect(resourceMessages(policy, withProps({ [property]: value }))).toEqual([
      `${label}: ${property} is ${value === undefined ? "not set" : "false"}; it must be true (${why}).`,
    ]);
  });

  it("requires an AUTH token without printing it", () => {
    expect(resourceMessages(authToken, withProps({ authToken: undefined }))).toEqual([
      `${label}: authToken is not set; set an AUTH token (from a secret) so clients must authenticate.`,
    ]);
    expect(resourceMessages(authToken, withProps({ authToken: secret("") }))).toHaveLength(1);
  });

  it("accepts an AUTH token that is unknown during preview", () => {
    expect(
      resourceMessages(authToken, withProps({ authToken: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" })),
    ).toEqual([]);
  });

  it("requires automatic failover and a replica to fail over to", () => {
    expect(resourceMessages(automaticFailover, withProps({ automaticFailoverEnabled: false }))).toEqual([
      `${label}: automaticFailoverEnabled is false; it must be true (a primary node failure must not stop Faktory).`,
    ]);
    expect(resourceMessages(automaticFailover, withProps({ numCacheClusters: 1 }))).toEqual([
      `${label}: numCacheClusters is 1; it must be at least 2 (a primary and a replica to fail over to).`,
    ]);
  });

  it("requires cluster mode disabled", () => {
    expect(resourceMessages(clusterModeDisabled, withProps({ clusterMode: "enabled" }))).toEqual([
      `${label}: clusterMode is "enabled"; it must be "disabled" (Faktory needs one keyspace).`,
    ]);
    expect(
      resourceMessages(clusterModeDisabled, withProps({ clusterMode: undefined, numNodeGroups: 3 })),
    ).toEqual([`${label}: numNodeGroups is 3; it must be 1 (Faktory needs one keyspace).`]);
  });

  it("requires snapshot retention", () => {
    expect(resourceMessages(snapshotRetention, withProps({ snapshotRetentionLimit: 0 }))).toEqual([
      `${label}: snapshotRetentionLimit is 0; it must be greater than 0 so queued jobs can be restored.`,
    ]);
  });

  it("requires a final snapshot (a deleted group keeps its queues)", () => {
    for (const id of [undefined, ""]) {
      expect(resourceMessages(finalSnapshot, withProps({ finalSnapshotIdentifier: id }))).toEqual([
        `${label}: finalSnapshotIdentifier is ${id === undefined ? "not set" : '""'}; name a final snapshot so deleting the group (a destroy, a replacement) does not delete the queued jobs with it.`,
      ]);
    }
  });

  it("enforce failover and Multi-AZ in prod, advise them in dev, and skip snapshots in dev", () => {
    const levels = (env: "prod" | "dev") =>
      Object.fromEntries(elasticachePolicies.map((p) => [p.name, enforcementFor(p, env)]));
    expect(levels("prod")).toEqual({
      "elasticache-transit-encryption": "mandatory",
      "elasticache-at-rest-encryption": "mandatory",
      "elasticache-auth-token": "mandatory",
      "elasticache-automatic-failover": "mandatory",
      "elasticache-multi-az": "mandatory",
      "elasticache-cluster-mode-disabled": "mandatory",
      "elasticache-snapshot-retention": "mandatory",
      "elasticache-final-snapshot": "mandatory",
    });
    expect(levels("dev")).toEqual({
      ...levels("prod"),
      "elasticache-automatic-failover": "advisory",
      "elasticache-multi-az": "advisory",
      "elasticache-snapshot-retention": "disabled",
      "elasticache-final-snapshot": "disabled",
    });
  });
});
