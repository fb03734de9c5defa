import { describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { setupMocks, valueOf } from "../../support/pulumi-mocks";
import { Alarms, AlarmsArgs } from "../../../components/aws/alarms";
import { Redis } from "../../../components/aws/redis";
import { errorOf, inventory, named, settle } from "./helpers";

const runtime = setupMocks();
const TYPE = "faktory-ha:aws:Alarms";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

function inputsOf(type: string, name: string): Record<string, unknown> {
  return runtime.one(type, name).inputs;
}

describe("Alarms", () => {
  it("alarms on every node of a Redis component, to a created topic, with the default thresholds", async () => {
    const redis = new Redis("jobs", {
      vpcId: "vpc-1",
      subnetIds: ["subnet-a", "subnet-b"],
      sourceSecurityGroupIds: ["sg-nodes"],
    });
    const alarms = new Alarms("watch", { cacheClusterIds: redis.cacheClusterIds });
    const [topicArn, alarmNames, clusterIds] = await Promise.all([
      valueOf(alarms.topicArn),
      valueOf(alarms.alarmNames),
      valueOf(pulumi.all(redis.cacheClusterIds)),
    ]);
    await settle(runtime);

    expect(clusterIds).toEqual(["jobs-cache-id-001", "jobs-cache-id-002"]);
    const roles = ["memory", "engine-cpu", "replication-lag", "evictions", "connections"];
    expect(inventory(runtime, "watch")).toEqual(
      [
        `${TYPE} watch`,
        "aws:sns/topic:Topic watch-topic",
        ...[0, 1].flatMap((i) => roles.map((role) => `${ALARM} watch-${role}-${i}`)),
      ].sort(),
    );
    for (const child of named(runtime, "watch").filter((r) => r.type !== TYPE)) {
      expect(child.parentType, child.name).toBe(TYPE);
    }
    expect(topicArn).toBe("arn:aws:sns:us-east-1:123456789012:watch-topic");
    expect(alarmNames).toEqual([0, 1].flatMap((i) => roles.map((role) => `watch-${role}-${i}`)));
    expect(inputsOf("aws:sns/topic:Topic", "watch-topic").kmsMasterKeyId).toBeUndefined();

    const common = {
      namespace: "AWS/ElastiCache",
      period: 60,
      comparisonOperator: "GreaterThanThreshold",
      alarmActions: [topicArn],
      okActions: [topicArn],
    };
    const node1 = { CacheClusterId: "jobs-cache-id-002", CacheNodeId: "0001" };
    expect(inputsOf(ALARM, "watch-memory-1")).toMatchObject({
      ...common,
      metricName: "DatabaseMemoryUsagePercentage",
      dimensions: node1,
      statistic: "Maximum",
      threshold: 80,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: "missing",
    });
    expect(inputsOf(ALARM, "watch-engine-cpu-0")).toMatchObject({
      ...common,
      metricName: "EngineCPUUtilization",
      dimensions: { CacheClusterId: "jobs-cache-id-001", CacheNodeId: "0001" },
      statistic: "Average",
      threshold: 80,
      evaluationPeriods: 3,
    });
    expect(inputsOf(ALARM, "watch-replication-lag-1")).toMatchObject({
      ...common,
      metricName: "ReplicationLag",
      dimensions: node1,
      statistic: "Maximum",
      threshold: 10,
      treatMissingData: "notBreaching",
    });
    expect(inputsOf(ALARM, "watch-evictions-0")).toMatchObject({
      ...common,
      metricName: "Evictions",
      statistic: "Sum",
      threshold: 0,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: "notBreaching",
    });
    expect(inputsOf(ALARM, "watch-connections-1")).toMatchObject({
      ...common,
      metricName: "CurrConnections",
      dimensions: node1,
      threshold: 5000,
    });
    expect(String(inputsOf(ALARM, "watch-memory-0").alarmDescription)).toContain("noeviction");
  });

  it("uses a given topic, the given thresholds, and alarms on each target group of the controller's NLB", async () => {
    const alarms = new Alarms("given", {
      cacheClusterIds: ["prod-001", pulumi.output("prod-002"), "prod-003"],
      topic: { arn: "arn:aws:sns:us-east-1:123456789012:oncall" },
      thresholds: {
        memoryPercent: 70,
        engineCpuPercent: 90,
        replicationLagSeconds: 5,
        connections: 2000,
        unhealthyHosts: 1,
        evaluationMinutes: 5,
      },
      loadBalancer: {
        clusterName: pulumi.output("prod-eks"),
        namespace: "faktory",
        serviceName: pulumi.output("faktory-nlb"),
        ports: [7419, 7420],
        ready: pulumi.output("k8s-faktory-nlb-0123.elb.us-east-1.amazonaws.com"),
      },
      tags: { stack: "prod" },
    });
    const [topicArn, alarmNames] = await Promise.all([valueOf(alarms.topicArn), valueOf(alarms.alarmNames)]);
    await settle(runtime);

    expect(topicArn).toBe("arn:aws:sns:us-east-1:123456789012:oncall");
    // One lookup of the load balancer and one per port's target group, by the controller's tags.
    const stack = { "elbv2.k8s.aws/cluster": "prod-eks", "service.k8s.aws/stack": "faktory/faktory-nlb" };
    const lookups = runtime.calls.filter((c) => c.token.startsWith("aws:lb/"));
    const byResource = (c: { inputs: Record<string, unknown> }) =>
      String((c.inputs.tags as Record<string, string>)["service.k8s.aws/resource"]);
    expect(lookups.sort((a, b) => (byResource(a) < byResource(b) ? -1 : 1))).toEqual([
      {
        token: "aws:lb/getLoadBalancer:getLoadBalancer",
        inputs: { tags: { ...stack, "service.k8s.aws/resource": "LoadBalancer" } },
      },
      {
        token: "aws:lb/getTargetGroup:getTargetGroup",
        inputs: { tags: { ...stack, "service.k8s.aws/resource": "faktory/faktory-nlb:7419" } },
      },
      {
        token: "aws:lb/getTargetGroup:getTargetGroup",
        inputs: { tags: { ...stack, "service.k8s.aws/resource": "faktory/faktory-nlb:7420" } },
      },
    ]);
    expect(named(runtime, "given").filter((r) => r.type.startsWith("aws:sns/"))).toEqual([]);
    expect(named(runtime, "given").filter((r) => r.type === ALARM)).toHaveLength(3 * 5 + 2);
    expect(alarmNames.slice(-2)).toEqual(["given-nlb-unhealthy-7419", "given-nlb-unhealthy-7420"]);

    expect(inputsOf(ALARM, "given-memory-2")).toMatchObject({
      threshold: 70,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      dimensions: { CacheClusterId: "prod-003", CacheNodeId: "0001" },
      alarmActions: [topicArn],
      tags: { stack: "prod" },
    });
    expect(inputsOf(ALARM, "given-engine-cpu-1")).toMatchObject({
      threshold: 90,
      dimensions: { CacheClusterId: "prod-002" },
    });
    expect(inputsOf(ALARM, "given-replication-lag-0")).toMatchObject({ threshold: 5 });
    expect(inputsOf(ALARM, "given-connections-0")).toMatchObject({ threshold: 2000 });
    expect(inputsOf(ALARM, "given-evictions-0")).toMatchObject({ threshold: 0, evaluationPeriods: 1 });
    for (const port of [7419, 7420]) {
      expect(inputsOf(ALARM, `given-nlb-unhealthy-${port}`)).toEqual({
        alarmDescription: expect.stringContaining("More than 1 unhealthy Faktory target(s)"),
        namespace: "AWS/NetworkELB",
        metricName: "UnHealthyHostCount",
        // The stand-in answers the controller's tags: stack faktory/faktory-nlb, resource faktory/faktory-nlb:<port>.
        dimensions: {
          LoadBalancer: "net/k8s-faktory-faktory-nlb/0123456789abcdef",
          TargetGroup: `targetgroup/k8s-faktory-faktory-nlb-${port}/fedcba9876543210`,
        },
        statistic: "Maximum",
        period: 60,
        comparisonOperator: "GreaterThanThreshold",
        threshold: 1,
        evaluationPeriods: 5,
        datapointsToAlarm: 5,
        treatMissingData: "missing",
        alarmActions: [topicArn],
        okActions: [topicArn],
        tags: { stack: "prod" },
      });
    }
  });

  it("subscribes each e-mail address to the created topic", async () => {
    const alarms = new Alarms("mail", {
      cacheClusterIds: ["c-001"],
      topic: { emails: ["oncall@example.com", "ops@example.org"] },
    });
    const topicArn = await valueOf(alarms.topicArn);
    await settle(runtime);
    expect(inventory(runtime, "mail").filter((r) => !r.startsWith(ALARM))).toEqual([
      "aws:sns/topic:Topic mail-topic",
      "aws:sns/topicSubscription:TopicSubscription mail-email-0",
      "aws:sns/topicSubscription:TopicSubscription mail-email-1",
      `${TYPE} mail`,
    ]);
    expect(inputsOf("aws:sns/topicSubscription:TopicSubscription", "mail-email-1")).toEqual({
      topic: topicArn,
      protocol: "email",
      endpoint: "ops@example.org",
    });
  });

  const base: AlarmsArgs = { cacheClusterIds: ["c-001"] };
  it.each([
    [
      { thresholds: { memoryPercent: 101 } },
      'Alarms "bad": thresholds.memoryPercent=101 must be a percentage of maxmemory: an integer from 1 to 100',
    ],
    [
      { thresholds: { replicationLagSeconds: 0.5, evaluationMinutes: 0 } },
      'Alarms "bad": thresholds.replicationLagSeconds=0.5 must be seconds of replication lag: an integer from 1 to 3600; ' +
        "thresholds.evaluationMinutes=0 must be one-minute periods over the threshold before alarming: an integer from 1 to 60",
    ],
    [
      { thresholds: { connections: 70000 } },
      'Alarms "bad": thresholds.connections=70000 must be client connections per node (ElastiCache allows 65000): an integer from 1 to 65000',
    ],
    [
      { cacheClusterIds: [] },
      'Alarms "bad": cacheClusterIds must list at least one cache cluster; the list is empty',
    ],
    [
      { topic: { arn: "arn:aws:sns:us-east-1:1:t", emails: ["a@b.c"] } as never },
      'Alarms "bad": topic.emails must be empty with topic.arn: e-mail subscriptions are made only on a topic faktory-ha creates; subscribe the addresses to your existing topic instead',
    ],
    [{ topic: { emails: ["oncall"] } }, 'Alarms "bad": topic.emails[0]="oncall" must be an e-mail address'],
    [
      { topic: { kmsMasterKeyId: "alias/aws/sns" } },
      'Alarms "bad": topic.kmsMasterKeyId="alias/aws/sns" must not be "alias/aws/sns": its key policy does not let CloudWatch publish; ' +
        "use a customer-managed key that allows cloudwatch.amazonaws.com, or none",
    ],
    [
      { loadBalancer: { namespace: "faktory", serviceName: "faktory-nlb", ports: [] } },
      'Alarms "bad": loadBalancer.ports must list at least one Service port',
    ],
    [
      { loadBalancer: { namespace: "faktory", serviceName: "faktory-nlb", ports: [70000] } },
      'Alarms "bad": loadBalancer.ports[0]=70000 must be a TCP port: an integer from 1 to 65535',
    ],
  ])("refuses %j before creating anything", async (override, message) => {
    const before = runtime.resources.length;
    expect(errorOf(() => new Alarms("bad", { ...base, ...override }))).toBe(message);
    await settle(runtime);
    expect(runtime.resources.length).toBe(before);
  });

  it("reports every problem at once, unknown keys included", async () => {
    const args = {
      cacheClusterIds: ["c-001"],
      thresholds: { memoryPercent: 0, engineCpuPercent: 100.5, unhealthyHosts: -1, evaluationMinute: 61 },
      topic: { arn: "arn:aws:sns:us-east-1:123456789012:t", kmsMasterKeyId: "k" },
    };
    expect(errorOf(() => new Alarms("bad", args as never))).toBe(
      'Alarms "bad": ' +
        [
          "thresholds.memoryPercent=0 must be a percentage of maxmemory: an integer from 1 to 100",
          "thresholds.engineCpuPercent=100.5 must be a percentage of the engine thread's CPU: an integer from 1 to 100",
          "thresholds.unhealthyHosts=-1 must be unhealthy NLB targets tolerated: an integer from 0 to 100",
          'thresholds.evaluationMinute is not a known key; did you mean "evaluationMinutes"?',
          "topic takes either { arn } (an existing topic) or { emails, kmsMasterKeyId } (a topic to create), not both",
        ].join("; "),
    );
  });

  it("answered every invoke it made", () => {
    expect(runtime.unknownCalls).toEqual([]);
  });
});
