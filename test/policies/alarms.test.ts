// elasticache-alarms, awsguard style: start from the compliant stack, change one property, expect
// exactly the one violation.
import { describe, expect, it } from "vitest";
import { elasticacheAlarms } from "../../policies/alarms";
import { enforcementFor } from "../../policies/environment";
import type { PlannedResource } from "../../policies/offline";
import { compliantStack, urnOf } from "../fixtures/policies/resources";
import { stackViolations } from "./support";

const rgUrn = urnOf("aws:elasticache/replicationGroup:ReplicationGroup", "faktory-redis");
const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function change(name: string, props: Record<string, unknown>, stack = compliantStack()): PlannedResource[] {
  return stack.map((r) => (r.name === name ? { ...r, props: { ...r.props, ...props } } : r));
}
const without = (name: string, stack = compliantStack()) => stack.filter((r) => r.name !== name);
const message = (covered: number, metric: string, why: string, nodes = 2) =>
  `ElastiCache replication group "faktory-redis": ${covered} of its ${nodes} node(s) have a CloudWatch alarm with an ` +
  `alarm action on AWS/ElastiCache ${metric}; alarm on every node (${why}). ` +
  "The faktory-ha Alarms component (faktory-ha:alarms.enabled) creates them.";
const MEMORY_WHY =
  "with noeviction a full Redis refuses every write: Faktory PUSH and the lease renewals fail";
const LAG_WHY = "jobs written within the lag are lost if the primary fails over";

describe("elasticache-alarms", () => {
  it("is mandatory in prod, disabled in dev, and accepts the compliant stack", () => {
    expect(enforcementFor(elasticacheAlarms, "prod")).toBe("mandatory");
    expect(enforcementFor(elasticacheAlarms, "dev")).toBe("disabled");
    expect(stackViolations(elasticacheAlarms, compliantStack())).toEqual([]);
  });

  it("reports a node without a memory alarm", () => {
    expect(stackViolations(elasticacheAlarms, without("faktory-alarms-memory-1"))).toEqual([
      [rgUrn, message(1, "DatabaseMemoryUsagePercentage", MEMORY_WHY)],
    ]);
  });

  it("reports a group without replication lag alarms", () => {
    const stack = without("faktory-alarms-replication-lag-0", without("faktory-alarms-replication-lag-1"));
    expect(stackViolations(elasticacheAlarms, stack)).toEqual([
      [rgUrn, message(0, "ReplicationLag", LAG_WHY)],
    ]);
  });

  it("reports an alarm that notifies nobody", () => {
    expect(
      stackViolations(elasticacheAlarms, change("faktory-alarms-memory-0", { alarmActions: [] })),
    ).toEqual([[rgUrn, message(1, "DatabaseMemoryUsagePercentage", MEMORY_WHY)]]);
  });

  it("reports an alarm on another group's node", () => {
    const stack = change("faktory-alarms-replication-lag-1", {
      dimensions: { CacheClusterId: "other-redis-002", CacheNodeId: "0001" },
    });
    expect(stackViolations(elasticacheAlarms, stack)).toEqual([
      [rgUrn, message(1, "ReplicationLag", LAG_WHY)],
    ]);
  });

  it("reports two alarms on the same node as one", () => {
    const stack = change("faktory-alarms-memory-1", {
      dimensions: { CacheClusterId: "faktory-redis-001", CacheNodeId: "0001" },
    });
    expect(stackViolations(elasticacheAlarms, stack)).toEqual([
      [rgUrn, message(1, "DatabaseMemoryUsagePercentage", MEMORY_WHY)],
    ]);
  });

  it("reports an alarm in another namespace", () => {
    expect(
      stackViolations(elasticacheAlarms, change("faktory-alarms-memory-0", { namespace: "AWS/EC2" })),
    ).toEqual([[rgUrn, message(1, "DatabaseMemoryUsagePercentage", MEMORY_WHY)]]);
  });

  it("counts a third node", () => {
    const stack = change("faktory-redis", { numCacheClusters: 3 });
    expect(stackViolations(elasticacheAlarms, stack)).toEqual([
      [rgUrn, message(2, "DatabaseMemoryUsagePercentage", MEMORY_WHY, 3)],
      [rgUrn, message(2, "ReplicationLag", LAG_WHY, 3)],
    ]);
  });

  it("matches the group by its provider id when the replication group id is not in the inputs", () => {
    const stack = compliantStack().map((r) =>
      r.name === "faktory-redis"
        ? { ...r, id: "faktory-redis", props: { ...r.props, replicationGroupId: undefined } }
        : r,
    );
    expect(stackViolations(elasticacheAlarms, stack)).toEqual([]);
    const unmatched = stack.map((r) => (r.name === "faktory-redis" ? { ...r, id: "faktory-redis-7f3a" } : r));
    expect(stackViolations(elasticacheAlarms, unmatched)).toHaveLength(2);
  });

  it("during a preview, counts an alarm whose node is unknown when it depends on the group", () => {
    const unknownDims = (stack: PlannedResource[], dependsOnGroup: boolean) =>
      stack.map((r) =>
        r.name.startsWith("faktory-alarms-")
          ? {
              ...r,
              props: { ...r.props, dimensions: { CacheClusterId: UNKNOWN_STRING, CacheNodeId: "0001" } },
              ...(dependsOnGroup ? { propertyDependencies: { dimensions: [rgUrn] } } : {}),
            }
          : r,
      );
    expect(stackViolations(elasticacheAlarms, unknownDims(compliantStack(), true))).toEqual([]);
    expect(stackViolations(elasticacheAlarms, unknownDims(compliantStack(), false))).toEqual([
      [rgUrn, message(0, "DatabaseMemoryUsagePercentage", MEMORY_WHY)],
      [rgUrn, message(0, "ReplicationLag", LAG_WHY)],
    ]);
  });

  it("is not run in dev", () => {
    expect(stackViolations(elasticacheAlarms, without("faktory-alarms-memory-0"), "dev")).toEqual([]);
  });
});
