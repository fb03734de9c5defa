// The Alarms component's pure rules, table-driven. No Pulumi runtime here.
import { describe, expect, it } from "vitest";
import {
  ALARM_DEFAULTS,
  cacheNodeAlarmSpecs,
  controllerTags,
  resolveThresholds,
  targetGroupAlarmSpec,
} from "../../../components/aws/alarm-config";
import { memberClusterId } from "../../../components/aws/redis-config";

describe("resolveThresholds", () => {
  it("fills every default and reports nothing", () => {
    expect(resolveThresholds()).toEqual({
      thresholds: {
        memoryPercent: 80,
        engineCpuPercent: 80,
        replicationLagSeconds: 10,
        connections: 5000,
        unhealthyHosts: 0,
        evaluationMinutes: 3,
      },
      problems: [],
    });
  });

  it.each([
    [
      { memoryPercent: 0 },
      "memoryPercent must be a percentage of maxmemory: an integer from 1 to 100 (got 0)",
    ],
    [
      { engineCpuPercent: 100.5 },
      "engineCpuPercent must be a percentage of the engine thread's CPU: an integer from 1 to 100 (got 100.5)",
    ],
    [
      { unhealthyHosts: -1 },
      "unhealthyHosts must be unhealthy NLB targets tolerated: an integer from 0 to 100 (got -1)",
    ],
    [
      { evaluationMinutes: 61 },
      "evaluationMinutes must be one-minute periods over the threshold before alarming: an integer from 1 to 60 (got 61)",
    ],
  ])("reports %j", (given, problem) => {
    expect(resolveThresholds(given).problems).toEqual([problem]);
  });
});

describe("alarm specs", () => {
  it("one alarm per metric per node, sustained except evictions", () => {
    const specs = cacheNodeAlarmSpecs({ ...ALARM_DEFAULTS, memoryPercent: 75, evaluationMinutes: 4 });
    expect(specs.map((s) => [s.role, s.metricName, s.statistic, s.threshold, s.evaluationPeriods])).toEqual([
      ["memory", "DatabaseMemoryUsagePercentage", "Maximum", 75, 4],
      ["engine-cpu", "EngineCPUUtilization", "Average", 80, 4],
      ["replication-lag", "ReplicationLag", "Maximum", 10, 4],
      ["evictions", "Evictions", "Sum", 0, 1],
      ["connections", "CurrConnections", "Maximum", 5000, 4],
    ]);
    for (const spec of specs) {
      expect(spec.namespace).toBe("AWS/ElastiCache");
      expect(spec.datapointsToAlarm).toBe(spec.evaluationPeriods);
      expect(spec.period).toBe(60);
    }
    expect(specs[0].description).toContain("above 75 %");
  });

  it("the NLB alarm counts unhealthy targets", () => {
    expect(targetGroupAlarmSpec({ ...ALARM_DEFAULTS, unhealthyHosts: 2 })).toMatchObject({
      namespace: "AWS/NetworkELB",
      metricName: "UnHealthyHostCount",
      statistic: "Maximum",
      threshold: 2,
      evaluationPeriods: 3,
    });
  });
});

describe("memberClusterId", () => {
  it.each([
    [["g-002", "g-001", "g-003"], 0, "g-001"],
    [["g-002", "g-001", "g-003"], 2, "g-003"],
    [["g-001"], 1, "g-002"],
    [undefined, 0, "g-001"],
  ])("members %j, node %i -> %s", (members, index, id) => {
    expect(memberClusterId("g", members, index)).toBe(id);
  });
});

describe("controllerTags", () => {
  it("the load balancer and a port's target group, with or without the cluster", () => {
    expect(controllerTags("prod-eks", "faktory", "faktory-nlb")).toEqual({
      "elbv2.k8s.aws/cluster": "prod-eks",
      "service.k8s.aws/stack": "faktory/faktory-nlb",
      "service.k8s.aws/resource": "LoadBalancer",
    });
    expect(controllerTags(undefined, "faktory", "faktory-nlb", 7419)).toEqual({
      "service.k8s.aws/stack": "faktory/faktory-nlb",
      "service.k8s.aws/resource": "faktory/faktory-nlb:7419",
    });
  });
});
