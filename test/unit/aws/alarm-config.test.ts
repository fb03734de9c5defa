// The Alarms component's pure rules, table-driven. No Pulumi runtime here.
import { describe, expect, it } from "vitest";
import {
  ALARM_DEFAULTS,
  cacheNodeAlarmSpecs,
  controllerTags,
  targetGroupAlarmSpec,
} from "../../../components/aws/alarm-config";
import { memberClusterId } from "../../../components/aws/redis-config";

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
