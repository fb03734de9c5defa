// ElastiCache rules. Faktory keeps every job, retry and the supervisor's leader lease in this Redis,
// so it has to be private, authenticated, durable and never evict keys.
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { describe, get, UNKNOWN } from "./values";

export const replicationGroupType = "aws:elasticache/replicationGroup:ReplicationGroup";
export const parameterGroupType = "aws:elasticache/parameterGroup:ParameterGroup";

type GroupCheck = (props: Record<string, unknown>, label: string, report: ReportViolation) => void;

/** A resource policy that only looks at replication groups. */
function onReplicationGroup(
  name: string,
  description: string,
  check: GroupCheck,
): Pick<ResourceValidationPolicy, "name" | "description" | "validateResource"> {
  return {
    name,
    description,
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
      if (args.type !== replicationGroupType) return;
      check(args.props, `ElastiCache replication group "${args.name}"`, report);
    },
  };
}

/** `property` must be exactly true; unknown passes (it is checked again on the update). */
function requireTrue(property: string, why: string): GroupCheck {
  return (props, label, report) => {
    const value = get(props, property);
    if (value === true || value === UNKNOWN) return;
    report(`${label}: ${property} is ${describe(value)}; it must be true (${why}).`);
  };
}

/** `property` must be a non-empty string; unknown passes (a value generated in the same update). */
function requireNonEmpty(property: string, remedy: string): GroupCheck {
  return (props, label, report) => {
    const value = get(props, property);
    if (value === UNKNOWN || (typeof value === "string" && value.length > 0)) return;
    report(`${label}: ${property} is ${describe(value)}; ${remedy}.`);
  };
}

export const transitEncryption: ResourceValidationPolicy = {
  ...onReplicationGroup(
    "elasticache-transit-encryption",
    "ElastiCache replication groups encrypt traffic in transit (TLS).",
    requireTrue("transitEncryptionEnabled", "job payloads and the AUTH token cross the network"),
  ),
  enforcementLevel: "mandatory",
};

export const atRestEncryption: ResourceValidationPolicy = {
  ...onReplicationGroup(
    "elasticache-at-rest-encryption",
    "ElastiCache replication groups encrypt data at rest.",
    requireTrue("atRestEncryptionEnabled", "job payloads are stored in snapshots and on disk"),
  ),
  enforcementLevel: "mandatory",
};

export const authToken: ResourceValidationPolicy = {
  ...onReplicationGroup(
    "elasticache-auth-token",
    "ElastiCache replication groups require an AUTH token.",
    // A token generated in the same update (e.g. a random password) is unknown during preview.
    requireNonEmpty("authToken", "set an AUTH token (from a secret) so clients must authenticate"),
  ),
  enforcementLevel: "mandatory",
};

export const automaticFailover: ResourceValidationPolicy = {
  ...onReplicationGroup(
    "elasticache-automatic-failover",
    "ElastiCache replication groups fail over automatically to a replica (advisory outside prod).",
    (props, label, report) => {
      requireTrue("automaticFailoverEnabled", "a primary node failure must not stop Faktory")(
        props,
        label,
        report,
      );
      const clusters = get(props, "numCacheClusters");
      if (clusters === UNKNOWN || (typeof clusters === "number" && clusters >= 2)) return;
      report(
        `${label}: numCacheClusters is ${describe(clusters)}; it must be at least 2 (a primary and a replica to fail over to).`,
      );
    },
  ),
  enforcementLevel: "mandatory",
};

export const multiAz: ResourceValidationPolicy = {
  ...onReplicationGroup(
    "elasticache-multi-az",
    "ElastiCache replication groups place replicas in several Availability Zones (advisory outside prod).",
    requireTrue("multiAzEnabled", "an Availability Zone outage must not take Redis down"),
  ),
  enforcementLevel: "mandatory",
};

export const clusterModeDisabled: ResourceValidationPolicy = {
  ...onReplicationGroup(
    "elasticache-cluster-mode-disabled",
    "ElastiCache replication groups run with cluster mode disabled.",
    (props, label, report) => {
      // Faktory and the lease scripts use multi-key commands and Lua on keys that a Redis Cluster
      // would spread over shards.
      const mode = get(props, "clusterMode");
      if (mode !== undefined && mode !== "disabled" && mode !== UNKNOWN) {
        report(
          `${label}: clusterMode is ${describe(mode)}; it must be "disabled" (Faktory needs one keyspace).`,
        );
      }
      const shards = get(props, "numNodeGroups");
      if (typeof shards === "number" && shards > 1) {
        report(`${label}: numNodeGroups is ${shards}; it must be 1 (Faktory needs one keyspace).`);
      }
    },
  ),
  enforcementLevel: "mandatory",
};

export const snapshotRetention: ResourceValidationPolicy = {
  ...onReplicationGroup(
    "elasticache-snapshot-retention",
    "ElastiCache replication groups keep daily snapshots (prod only).",
    (props, label, report) => {
      const days = get(props, "snapshotRetentionLimit");
      if (days === UNKNOWN || (typeof days === "number" && days > 0)) return;
      report(
        `${label}: snapshotRetentionLimit is ${describe(days)}; it must be greater than 0 so queued jobs can be restored.`,
      );
    },
  ),
  enforcementLevel: "mandatory",
};

export const finalSnapshot: ResourceValidationPolicy = {
  ...onReplicationGroup(
    "elasticache-final-snapshot",
    "ElastiCache replication groups leave a final snapshot when deleted (prod only).",
    requireNonEmpty(
      "finalSnapshotIdentifier",
      "name a final snapshot so deleting the group (a destroy, a replacement) does not delete the queued jobs with it",
    ),
  ),
  enforcementLevel: "mandatory",
};

export const elasticachePolicies: ResourceValidationPolicy[] = [
  transitEncryption,
  atRestEncryption,
  authToken,
  automaticFailover,
  multiAz,
  clusterModeDisabled,
  snapshotRetention,
  finalSnapshot,
];
