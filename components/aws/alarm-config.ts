// Pure rules for the Alarms component: thresholds, their defaults and limits, and the alarm specs
// built from them. No Pulumi import, so the stack config schema composes the same defaults.

/** Thresholds of the CloudWatch alarms. Every one is optional; the defaults are `ALARM_DEFAULTS`. */
export interface AlarmThresholds {
  /**
   * `DatabaseMemoryUsagePercentage` (used_memory / maxmemory) above which a node alarms. Faktory's
   * Redis runs `noeviction`: at 100 % it refuses writes, so every PUSH and every lease renewal fails.
   * @default 80
   */
  readonly memoryPercent?: number;
  /**
   * `EngineCPUUtilization` (the Redis main thread) above which a node alarms; a saturated engine
   * thread delays lease renewals towards the supervisor's renew deadline.
   * @default 80
   */
  readonly engineCpuPercent?: number;
  /**
   * `ReplicationLag` (seconds) above which a replica alarms. Writes the primary acknowledged within
   * the lag are lost if it fails over now (asynchronous replication). The primary reports no lag.
   * @default 10
   */
  readonly replicationLagSeconds?: number;
  /**
   * `CurrConnections` (client connections, replicas excluded) above which a node alarms; ElastiCache
   * allows 65,000. Faktory and the supervisors need a few dozen: thousands mean a connection leak.
   * @default 5000
   */
  readonly connections?: number;
  /**
   * `UnHealthyHostCount` of a target group of the NLB above which it alarms (Maximum per minute).
   * Every Faktory pod is a target and always Ready, so an unhealthy target is a pod whose health
   * endpoint fails.
   * @default 0
   */
  readonly unhealthyHosts?: number;
  /**
   * Consecutive one-minute periods over a threshold before an alarm fires. `Evictions` alarms on the
   * first eviction regardless: with `noeviction` there must never be one.
   * @default 3
   */
  readonly evaluationMinutes?: number;
}

/** Every default of the alarms, in one place (the component and the stack config both use it). */
export const ALARM_DEFAULTS = {
  memoryPercent: 80,
  engineCpuPercent: 80,
  replicationLagSeconds: 10,
  connections: 5000,
  unhealthyHosts: 0,
  evaluationMinutes: 3,
} as const satisfies Required<AlarmThresholds>;

/** What each threshold may be: an integer in [min, max], and what it is, for messages. */
export const ALARM_LIMITS: Readonly<
  Record<keyof AlarmThresholds, { readonly min: number; readonly max: number; readonly what: string }>
> = {
  memoryPercent: { min: 1, max: 100, what: "a percentage of maxmemory" },
  engineCpuPercent: { min: 1, max: 100, what: "a percentage of the engine thread's CPU" },
  replicationLagSeconds: { min: 1, max: 3600, what: "seconds of replication lag" },
  connections: { min: 1, max: 65000, what: "client connections per node (ElastiCache allows 65000)" },
  unhealthyHosts: { min: 0, max: 100, what: "unhealthy NLB targets tolerated" },
  evaluationMinutes: { min: 1, max: 60, what: "one-minute periods over the threshold before alarming" },
};

export type ResolvedThresholds = Required<AlarmThresholds>;

export const ELASTICACHE_NAMESPACE = "AWS/ElastiCache";
export const NLB_NAMESPACE = "AWS/NetworkELB";
export const PERIOD_SECONDS = 60;

/** One CloudWatch alarm per cache node (or target group), as plain MetricAlarm inputs. */
export interface AlarmSpec {
  /** Part of the child resource's name: `<component>-<role>-<index>`. */
  readonly role: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly statistic: "Maximum" | "Sum" | "Average";
  readonly comparisonOperator: "GreaterThanThreshold";
  readonly threshold: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly period: number;
  readonly treatMissingData: "missing" | "notBreaching";
  readonly description: string;
}

/** The alarms every cache node gets, in order: memory, engine CPU, replication lag, evictions, connections. */
export function cacheNodeAlarmSpecs(t: ResolvedThresholds): AlarmSpec[] {
  const sustained = {
    namespace: ELASTICACHE_NAMESPACE,
    comparisonOperator: "GreaterThanThreshold" as const,
    evaluationPeriods: t.evaluationMinutes,
    datapointsToAlarm: t.evaluationMinutes,
    period: PERIOD_SECONDS,
  };
  return [
    {
      ...sustained,
      role: "memory",
      metricName: "DatabaseMemoryUsagePercentage",
      statistic: "Maximum",
      threshold: t.memoryPercent,
      treatMissingData: "missing",
      description:
        `Redis memory above ${t.memoryPercent} % of maxmemory. With noeviction Redis refuses writes when full: ` +
        "Faktory PUSH and the supervisors' lease renewals fail. Scale the node type or drain queues.",
    },
    {
      ...sustained,
      role: "engine-cpu",
      metricName: "EngineCPUUtilization",
      statistic: "Average",
      threshold: t.engineCpuPercent,
      treatMissingData: "missing",
      description:
        `Redis engine thread above ${t.engineCpuPercent} % CPU: commands queue up and lease renewals ` +
        "slow down towards the supervisor's renew deadline.",
    },
    {
      ...sustained,
      role: "replication-lag",
      metricName: "ReplicationLag",
      statistic: "Maximum",
      threshold: t.replicationLagSeconds,
      // Only replicas report ReplicationLag; the primary (whichever node it is now) has no data.
      treatMissingData: "notBreaching",
      description:
        `Redis replica more than ${t.replicationLagSeconds} s behind the primary: a failover now loses ` +
        "the jobs written in that window (asynchronous replication).",
    },
    {
      namespace: ELASTICACHE_NAMESPACE,
      comparisonOperator: "GreaterThanThreshold",
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      period: PERIOD_SECONDS,
      role: "evictions",
      metricName: "Evictions",
      statistic: "Sum",
      threshold: 0,
      treatMissingData: "notBreaching",
      description:
        "Redis evicted keys. Faktory's Redis must run maxmemory-policy noeviction: an eviction drops jobs " +
        "or the leader lease. Check the parameter group.",
    },
    {
      ...sustained,
      role: "connections",
      metricName: "CurrConnections",
      statistic: "Maximum",
      threshold: t.connections,
      treatMissingData: "missing",
      description: `More than ${t.connections} client connections on a Redis node: likely a connection leak.`,
    },
  ];
}

/** The alarm each NLB target group gets. */
export function targetGroupAlarmSpec(t: ResolvedThresholds): AlarmSpec {
  return {
    role: "nlb-unhealthy",
    namespace: NLB_NAMESPACE,
    metricName: "UnHealthyHostCount",
    statistic: "Maximum",
    comparisonOperator: "GreaterThanThreshold",
    threshold: t.unhealthyHosts,
    evaluationPeriods: t.evaluationMinutes,
    datapointsToAlarm: t.evaluationMinutes,
    period: PERIOD_SECONDS,
    treatMissingData: "missing",
    description:
      `More than ${t.unhealthyHosts} unhealthy Faktory target(s) behind the internal NLB: a pod's health ` +
      "endpoint (/readyz on 7421) fails. Clients still reach the primary through the other pods' routers.",
  };
}

/**
 * The tags the AWS Load Balancer Controller puts on what it creates for a Service: the load
 * balancer (`service.k8s.aws/resource: LoadBalancer`) and one target group per Service port
 * (`<namespace>/<service>:<port>`), all with the stack `<namespace>/<service>` and the cluster name.
 */
export function controllerTags(
  clusterName: string | undefined,
  namespace: string,
  serviceName: string,
  port?: number,
): Record<string, string> {
  return {
    ...(clusterName ? { "elbv2.k8s.aws/cluster": clusterName } : {}),
    "service.k8s.aws/stack": `${namespace}/${serviceName}`,
    "service.k8s.aws/resource": port === undefined ? "LoadBalancer" : `${namespace}/${serviceName}:${port}`,
  };
}
