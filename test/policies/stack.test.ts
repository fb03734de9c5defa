import { describe, expect, it } from "vitest";
import type { PlannedResource } from "../../policies/offline";
import {
  cronConfigMounts,
  disruptionBudgets,
  noeviction,
  nodeGroupZones,
  stackPolicies,
} from "../../policies/stack";
import {
  compliantStack,
  disruptionBudget,
  faktoryStatefulSet,
  nodeGroup,
  planned,
  podLabels,
  subnet,
  supervisedContainer,
  urnOf,
} from "../fixtures/policies/resources";
import { stackViolations } from "./support";

const rgUrn = urnOf("aws:elasticache/replicationGroup:ReplicationGroup", "faktory-redis");
const stsUrn = urnOf("kubernetes:apps/v1:StatefulSet", "faktory");
const ngUrn = urnOf("eks:index:ManagedNodeGroup", "faktory-nodes");

function replace(
  resources: PlannedResource[],
  name: string,
  change: (r: PlannedResource) => PlannedResource,
) {
  return resources.map((r) => (r.name === name ? change(r) : r));
}

function withProps(resource: PlannedResource, props: Record<string, unknown>): PlannedResource {
  return { ...resource, props: { ...resource.props, ...props } };
}

describe("stack policies", () => {
  it("are mandatory and accept the compliant stack", () => {
    for (const policy of stackPolicies) {
      expect(policy.enforcementLevel, policy.name).toBe("mandatory");
      expect(stackViolations(policy, compliantStack()), policy.name).toEqual([]);
    }
  });

  describe("elasticache-noeviction", () => {
    it("reports a parameter group that evicts", () => {
      const stack = replace(compliantStack(), "faktory-redis-params", (pg) =>
        withProps(pg, { parameters: [{ name: "maxmemory-policy", value: "allkeys-lru" }] }),
      );
      expect(stackViolations(noeviction, stack)).toEqual([
        [
          rgUrn,
          'ElastiCache replication group "faktory-redis": its parameter group "faktory-redis-params" sets ' +
            'maxmemory-policy to "allkeys-lru"; it must be "noeviction" (an evicting Redis silently drops jobs ' +
            "and the leader lease).",
        ],
      ]);
    });

    it("reports a parameter group that leaves maxmemory-policy at the engine default", () => {
      const stack = replace(compliantStack(), "faktory-redis-params", (pg) =>
        withProps(pg, { parameters: [] }),
      );
      expect(stackViolations(noeviction, stack)[0][1]).toContain(
        'sets maxmemory-policy to nothing (the engine default, volatile-lru); it must be "noeviction"',
      );
    });

    it("reports the default parameter group", () => {
      const stack = replace(compliantStack(), "faktory-redis", (rg) =>
        withProps(rg, { parameterGroupName: "default.redis7" }),
      );
      expect(stackViolations(noeviction, stack)).toEqual([
        [
          rgUrn,
          'ElastiCache replication group "faktory-redis": parameterGroupName is "default.redis7", which is not a ' +
            "parameter group in this stack; use a parameter group in the stack that sets maxmemory-policy to " +
            '"noeviction" (Redis must never evict jobs).',
        ],
      ]);
    });

    it("follows the dependency when the parameter group's name is not known yet", () => {
      const pgUrn = urnOf("aws:elasticache/parameterGroup:ParameterGroup", "faktory-redis-params");
      const stack = compliantStack().map((r) => {
        if (r.name === "faktory-redis-params") {
          return withProps(r, {
            name: undefined,
            parameters: [{ name: "maxmemory-policy", value: "volatile-ttl" }],
          });
        }
        if (r.name !== "faktory-redis") return r;
        return {
          ...withProps(r, { parameterGroupName: undefined }),
          propertyDependencies: { parameterGroupName: [pgUrn] },
        };
      });
      expect(stackViolations(noeviction, stack).map(([, m]) => m)).toEqual([
        expect.stringContaining('sets maxmemory-policy to "volatile-ttl"'),
      ]);
    });

    it("matches an auto-named parameter group by its logical name", () => {
      const stack = replace(compliantStack(), "faktory-redis-params", (pg) =>
        withProps(pg, { name: undefined }),
      );
      expect(stackViolations(noeviction, stack)).toEqual([]);
    });
  });

  describe("k8s-pdb-for-multi-replica", () => {
    const missing =
      'Kubernetes StatefulSet "faktory": spec.replicas is 3 and no PodDisruptionBudget in its namespace selects ' +
      `its pod labels ${JSON.stringify(podLabels)}; add one so a node drain keeps pods running.`;

    it("reports a multi-replica workload without a budget", () => {
      const stack = compliantStack().filter((r) => r.name !== "faktory-pdb");
      expect(stackViolations(disruptionBudgets, stack)).toEqual([[stsUrn, missing]]);
    });

    it("reports a budget whose selector does not match the pods", () => {
      const other = withProps(disruptionBudget(), {
        spec: { maxUnavailable: 1, selector: { matchLabels: { "app.kubernetes.io/name": "redis" } } },
      });
      const stack = replace(compliantStack(), "faktory-pdb", () => other);
      expect(stackViolations(disruptionBudgets, stack)).toEqual([[stsUrn, missing]]);
    });

    it("reports a budget in another namespace", () => {
      const other = disruptionBudget();
      (other.props.metadata as Record<string, unknown>).namespace = "default";
      const stack = replace(compliantStack(), "faktory-pdb", () => other);
      expect(stackViolations(disruptionBudgets, stack)).toEqual([[stsUrn, missing]]);
    });

    it("accepts a matchExpressions selector and a single-replica workload without a budget", () => {
      const expressions = withProps(disruptionBudget(), {
        spec: {
          maxUnavailable: 1,
          selector: {
            matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: ["faktory"] }],
          },
        },
      });
      expect(
        stackViolations(
          disruptionBudgets,
          replace(compliantStack(), "faktory-pdb", () => expressions),
        ),
      ).toEqual([]);
      const single = faktoryStatefulSet();
      (single.props.spec as Record<string, unknown>).replicas = 1;
      expect(stackViolations(disruptionBudgets, [single])).toEqual([]);
    });
  });

  describe("k8s-cron-config-only-supervised", () => {
    function workerMounting(volume: Record<string, unknown>): PlannedResource {
      const container = {
        ...supervisedContainer(),
        image: "example/worker:1.0",
        command: ["node", "worker.js"],
        env: [],
      };
      return planned("kubernetes:apps/v1:Deployment", "workers", {
        metadata: { namespace: "faktory" },
        spec: {
          replicas: 1,
          template: {
            metadata: { labels: { app: "workers" } },
            spec: { containers: [container], volumes: [volume] },
          },
        },
      });
    }
    const workersUrn = urnOf("kubernetes:apps/v1:Deployment", "workers");
    const message =
      'Kubernetes Deployment "workers": mounts the cron config ConfigMap "faktory-confd" but does not run Faktory ' +
      "under faktory-ha-supervisor; only the supervised Faktory workload may mount it (any other Faktory server " +
      "would fire every schedule again).";

    it("reports another workload mounting the cron config", () => {
      const stack = [
        ...compliantStack(),
        workerMounting({ name: "cron", configMap: { name: "faktory-confd" } }),
      ];
      expect(stackViolations(cronConfigMounts, stack)).toEqual([[workersUrn, message]]);
    });

    it("reports a projected mount", () => {
      const projected = { name: "all", projected: { sources: [{ configMap: { name: "faktory-confd" } }] } };
      expect(stackViolations(cronConfigMounts, [...compliantStack(), workerMounting(projected)])).toEqual([
        [workersUrn, message],
      ]);
    });

    it("reports an unsupervised Faktory workload mounting it", () => {
      const stack = replace(compliantStack(), "faktory", (sts) => {
        const template = (sts.props.spec as { template: { spec: { containers: Record<string, unknown>[] } } })
          .template;
        template.spec.containers = [
          { ...supervisedContainer(), image: "contribsys/faktory:1.9.1", command: [], env: [] },
        ];
        return sts;
      });
      expect(stackViolations(cronConfigMounts, stack)).toEqual([
        [
          stsUrn,
          expect.stringContaining('Kubernetes StatefulSet "faktory": mounts the cron config ConfigMap'),
        ],
      ]);
    });

    it("follows the dependency when the ConfigMap is auto-named", () => {
      const cmUrn = urnOf("kubernetes:core/v1:ConfigMap", "faktory-confd");
      const worker = { ...workerMounting({ name: "cron", configMap: {} }), dependencies: [cmUrn] };
      expect(stackViolations(cronConfigMounts, [...compliantStack(), worker])).toEqual([
        [workersUrn, message],
      ]);
    });

    it("ignores other ConfigMaps", () => {
      const stack = [
        ...compliantStack(),
        workerMounting({ name: "cfg", configMap: { name: "workers-config" } }),
      ];
      expect(stackViolations(cronConfigMounts, stack)).toEqual([]);
    });
  });

  describe("eks-node-groups-multi-az", () => {
    it("reports subnets in one Availability Zone", () => {
      const stack = replace(compliantStack(), "private-b", () => subnet("private-b", "us-east-1a"));
      expect(stackViolations(nodeGroupZones, stack)).toEqual([
        [
          ngUrn,
          'EKS node group "faktory-nodes": its subnets are in 1 Availability Zone(s) ["us-east-1a"]; spread ' +
            "subnetIds over at least 2 so an AZ outage leaves nodes for the Faktory pods.",
        ],
      ]);
    });

    it("counts distinct subnets when the subnets are not in the stack", () => {
      const single = withProps(nodeGroup(), { subnetIds: ["subnet-0abc"] });
      expect(stackViolations(nodeGroupZones, [single])).toEqual([
        [
          ngUrn,
          'EKS node group "faktory-nodes": subnetIds has 1 subnet(s); it needs subnets in at least 2 Availability ' +
            "Zones so an AZ outage leaves nodes for the Faktory pods.",
        ],
      ]);
      const two = withProps(nodeGroup(), { subnetIds: ["subnet-0abc", "subnet-0def"] });
      expect(stackViolations(nodeGroupZones, [two])).toEqual([]);
    });

    it("does not run in dev", () => {
      const single = withProps(nodeGroup(), { subnetIds: ["subnet-0abc"] });
      expect(stackViolations(nodeGroupZones, [single], "dev")).toEqual([]);
    });
  });
});
