// Alarms on Faktory's Redis (prod). A full Redis with `noeviction` refuses every write — PUSH and
// the supervisors' lease renewals — and a lagging replica loses acknowledged jobs on failover; both
// build up silently unless CloudWatch alarms watch them. This is a stack rule: the alarms are other
// resources than the replication group.
//
// An alarm watches a group when its `CacheClusterId` dimension is one of the group's nodes
// (`<group id>-001`, …); during a preview where the dimension is not known yet, when the alarm
// depends on the group (the engine's dependency information).
import type { ReportViolation, StackValidationPolicy } from "@pulumi/policy";
import { replicationGroupType } from "./elasticache";
import type { StackResource } from "./stack";
import { asString, get, items, UNKNOWN } from "./values";

export const metricAlarmType = "aws:cloudwatch/metricAlarm:MetricAlarm";
const NAMESPACE = "AWS/ElastiCache";

/** The metrics every node of a replication group must have an alarm on, and why. */
export const requiredCacheAlarms: readonly { readonly metric: string; readonly why: string }[] = [
  {
    metric: "DatabaseMemoryUsagePercentage",
    why: "with noeviction a full Redis refuses every write: Faktory PUSH and the lease renewals fail",
  },
  {
    metric: "ReplicationLag",
    why: "jobs written within the lag are lost if the primary fails over",
  },
];

/** The group's own ids: its replication group id (set or autonamed) and the provider id. */
function groupIds(group: StackResource): string[] {
  return [
    asString(get(group.props, "replicationGroupId")),
    group.id,
    asString(get(group.props, "id")),
  ].filter((id): id is string => id !== undefined && id !== "");
}

function dependsOn(alarm: StackResource, group: StackResource): boolean {
  const deps = alarm.propertyDependencies?.dimensions ?? alarm.dependencies ?? [];
  return deps.some((d) => d.urn === group.urn);
}

/** Whether the alarm notifies someone: a non-empty `alarmActions` (unknown counts as set). */
function notifies(alarm: StackResource): boolean {
  const actions = get(alarm.props, "alarmActions");
  return actions === UNKNOWN || items(actions).length > 0;
}

/**
 * The nodes of `group` that `alarm` watches: the known cluster id, or `UNKNOWN` for an alarm that
 * depends on the group but whose dimension is not known yet; `undefined` when it watches another.
 */
function watchedNode(alarm: StackResource, group: StackResource): string | typeof UNKNOWN | undefined {
  const clusterId = get(alarm.props, "dimensions", "CacheClusterId");
  if (typeof clusterId === "string") {
    return groupIds(group).some((id) => clusterId.startsWith(`${id}-`)) ? clusterId : undefined;
  }
  return dependsOn(alarm, group) ? UNKNOWN : undefined;
}

function checkCacheAlarms(resources: readonly StackResource[], report: ReportViolation): void {
  const alarms = resources.filter(
    (r) => r.type === metricAlarmType && get(r.props, "namespace") === NAMESPACE && notifies(r),
  );
  for (const group of resources.filter((r) => r.type === replicationGroupType)) {
    const count = get(group.props, "numCacheClusters");
    const nodes = typeof count === "number" && count > 0 ? count : 1;
    for (const { metric, why } of requiredCacheAlarms) {
      const watched = alarms
        .filter((a) => get(a.props, "metricName") === metric)
        .map((a) => watchedNode(a, group))
        .filter((node) => node !== undefined);
      const unknown = watched.filter((node) => node === UNKNOWN).length;
      const covered = new Set(watched.filter((node) => node !== UNKNOWN)).size + unknown;
      if (covered >= nodes) continue;
      report(
        `ElastiCache replication group "${group.name}": ${covered} of its ${nodes} node(s) have a CloudWatch ` +
          `alarm with an alarm action on ${NAMESPACE} ${metric}; alarm on every node (${why}). ` +
          `The faktory-ha Alarms component (faktory-ha:alarms.enabled) creates them.`,
        group.urn,
      );
    }
  }
}

export const elasticacheAlarms: StackValidationPolicy = {
  name: "elasticache-alarms",
  description:
    "Every node of an ElastiCache replication group has CloudWatch alarms, with an action, on memory and replication lag (prod only).",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => checkCacheAlarms(args.resources as unknown as StackResource[], report),
};

export const alarmPolicies: StackValidationPolicy[] = [elasticacheAlarms];
