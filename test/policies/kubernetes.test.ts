import { describe, expect, it } from "vitest";
import type { PlannedResource } from "../../policies/offline";
import {
  internalLoadBalancer,
  kubernetesPolicies,
  noSecretsInConfigMaps,
  noSecretsInEnv,
  pinnedImages,
  requestsAndLimits,
  singleFaktoryServer,
  unpinnedReason,
} from "../../policies/kubernetes";
import {
  cronConfigMap,
  faktoryStatefulSet,
  loadBalancerService,
  planned,
  secret,
  supervisedContainer,
  workerDeployment,
} from "../fixtures/policies/resources";
import { resourceMessages } from "./support";

const statefulSet = 'Kubernetes StatefulSet "faktory"';

/** The compliant StatefulSet with its one container changed. */
function withContainer(change: (c: Record<string, unknown>) => void, replicas = 3): PlannedResource {
  const container = supervisedContainer();
  change(container);
  const workload = faktoryStatefulSet();
  const spec = workload.props.spec as Record<string, unknown>;
  const template = spec.template as { spec: Record<string, unknown> };
  spec.replicas = replicas;
  template.spec.containers = [container];
  return workload;
}

/** A plain Faktory container: the OSS image, no supervisor. */
function plainFaktory(c: Record<string, unknown>): void {
  c.image = "contribsys/faktory:1.9.1";
  delete c.command;
  c.env = [];
}

function withAnnotations(annotations: Record<string, string>): PlannedResource {
  const service = loadBalancerService();
  (service.props.metadata as Record<string, unknown>).annotations = annotations;
  return service;
}

describe("Kubernetes resource policies", () => {
  it("accept the compliant workloads (Faktory, workers), Service and cron ConfigMap, all mandatory", () => {
    for (const policy of kubernetesPolicies) {
      expect(policy.enforcementLevel, policy.name).toBe("mandatory");
      for (const resource of [
        faktoryStatefulSet(),
        workerDeployment(),
        loadBalancerService(),
        cronConfigMap(),
      ]) {
        expect(resourceMessages(policy, resource), `${policy.name} on ${resource.name}`).toEqual([]);
      }
    }
  });

  describe("k8s-internal-load-balancer", () => {
    it("rejects an Internet-facing scheme", () => {
      const service = withAnnotations({
        "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
      });
      expect(resourceMessages(internalLoadBalancer, service)).toEqual([
        'Kubernetes Service "faktory-nlb": service.beta.kubernetes.io/aws-load-balancer-scheme is "internet-facing"; ' +
          'a LoadBalancer Service must set service.beta.kubernetes.io/aws-load-balancer-scheme: "internal" ' +
          "(Faktory has no transport encryption of its own).",
      ]);
    });

    it("rejects a LoadBalancer without annotations", () => {
      expect(resourceMessages(internalLoadBalancer, withAnnotations({}))).toEqual([
        'Kubernetes Service "faktory-nlb": service.beta.kubernetes.io/aws-load-balancer-internal is not set and no ' +
          "scheme annotation is set; a LoadBalancer Service must set service.beta.kubernetes.io/aws-load-balancer-scheme: " +
          '"internal" (Faktory has no transport encryption of its own).',
      ]);
    });

    it("accepts the legacy internal annotation", () => {
      const legacy = withAnnotations({ "service.beta.kubernetes.io/aws-load-balancer-internal": "true" });
      expect(resourceMessages(internalLoadBalancer, legacy)).toEqual([]);
    });

    it("ignores ClusterIP Services", () => {
      const service = withAnnotations({});
      (service.props.spec as Record<string, unknown>).type = "ClusterIP";
      expect(resourceMessages(internalLoadBalancer, service)).toEqual([]);
    });
  });

  describe("faktory-single-server-unless-supervised", () => {
    it("rejects several plain Faktory servers (the active-active trap)", () => {
      expect(resourceMessages(singleFaktoryServer, withContainer(plainFaktory))).toEqual([
        `${statefulSet}: spec.replicas is 3 and its pods run the Faktory server without faktory-ha-supervisor; ` +
          "run 1 replica or run the supervisor (several active Faktory servers on one Redis lose and re-run jobs).",
      ]);
    });

    it("accepts a single plain Faktory server (the OSS edition)", () => {
      expect(resourceMessages(singleFaktoryServer, withContainer(plainFaktory, 1))).toEqual([]);
    });

    it("recognizes the faktory binary by its command and by Faktory's port", () => {
      const byCommand = withContainer((c) => {
        plainFaktory(c);
        c.image = "registry.example.com/jobs-server:2.0";
        c.command = ["/usr/bin/faktory", "-b", ":7419"];
      });
      expect(resourceMessages(singleFaktoryServer, byCommand)).toHaveLength(1);
      const byPort = withContainer((c) => {
        plainFaktory(c);
        c.image = "registry.example.com/jobs-server:2.0";
      });
      expect(resourceMessages(singleFaktoryServer, byPort)).toHaveLength(1);
    });

    it("accepts a supervisor image whose entrypoint is the supervisor (FAKTORY_HA_* env)", () => {
      const entrypoint = withContainer((c) => delete c.command);
      expect(resourceMessages(singleFaktoryServer, entrypoint)).toEqual([]);
    });

    it("ignores worker deployments whose image names mention faktory", () => {
      const worker = withContainer((c) => {
        c.image = "example/faktory-worker-app:3.1";
        c.command = ["node", "worker.js"];
        c.env = [];
        c.ports = [];
      });
      expect(resourceMessages(singleFaktoryServer, worker)).toEqual([]);
    });

    it("rejects a DaemonSet of plain Faktory servers", () => {
      const workload = withContainer(plainFaktory, 1);
      const daemonSet = { ...workload, type: "kubernetes:apps/v1:DaemonSet", name: "faktory-ds" };
      expect(resourceMessages(singleFaktoryServer, daemonSet)).toEqual([
        'Kubernetes DaemonSet "faktory-ds": it runs one pod per node and its pods run the Faktory server without ' +
          "faktory-ha-supervisor; run 1 replica or run the supervisor (several active Faktory servers on one Redis " +
          "lose and re-run jobs).",
      ]);
    });
  });

  describe("k8s-no-literal-secret-env", () => {
    it.each(["REDIS_URL", "FAKTORY_PASSWORD", "FAKTORY_LICENSE"])("rejects a literal %s", (name) => {
      const workload = withContainer((c) => (c.env = [{ name, value: "do-not-print-me" }]));
      const messages = resourceMessages(noSecretsInEnv, workload);
      expect(messages).toEqual([
        `${statefulSet}: container "faktory" env ${name} has a literal value; take it from a Secret (valueFrom.secretKeyRef).`,
      ]);
      expect(messages.join()).not.toContain("do-not-print-me");
    });

    it("rejects a literal value even when it is a Pulumi secret (it is still plaintext in the pod spec)", () => {
      const workload = withContainer((c) => (c.env = [{ name: "REDIS_URL", value: secret("rediss://x") }]));
      expect(resourceMessages(noSecretsInEnv, workload)).toHaveLength(1);
    });

    it("rejects a Redis URL with credentials under any name", () => {
      const workload = withContainer(
        (c) => (c.env = [{ name: "QUEUE", value: "redis://:hunter2@redis:6379" }]),
      );
      expect(resourceMessages(noSecretsInEnv, workload)).toEqual([
        `${statefulSet}: container "faktory" env QUEUE has a literal value; take it from a Secret (valueFrom.secretKeyRef).`,
      ]);
    });

    it("rejects a secret taken from a ConfigMap", () => {
      const ref = { configMapKeyRef: { name: "faktory-env", key: "password" } };
      const workload = withContainer((c) => (c.env = [{ name: "FAKTORY_PASSWORD", valueFrom: ref }]));
      expect(resourceMessages(noSecretsInEnv, workload)).toEqual([
        `${statefulSet}: container "faktory" env FAKTORY_PASSWORD comes from a ConfigMap; take it from a Secret (valueFrom.secretKeyRef).`,
      ]);
    });

    it("accepts a path to a mounted secret", () => {
      const workload = withContainer(
        (c) => (c.env = [{ name: "FAKTORY_PASSWORD_FILE", value: "/run/secrets/pw" }]),
      );
      expect(resourceMessages(noSecretsInEnv, workload)).toEqual([]);
    });
  });

  describe("k8s-no-secrets-in-configmaps", () => {
    function configMap(data: Record<string, string>): PlannedResource {
      return planned("kubernetes:core/v1:ConfigMap", "faktory-env", {
        metadata: { name: "faktory-env" },
        data,
      });
    }

    it("rejects a key that names a secret", () => {
      expect(
        resourceMessages(noSecretsInConfigMaps, configMap({ REDIS_URL: "rediss://redis:6379" })),
      ).toEqual([
        'Kubernetes ConfigMap "faktory-env": data key "REDIS_URL" names a secret; keep it in a Secret instead.',
      ]);
    });

    it("rejects a Redis URL with credentials", () => {
      expect(resourceMessages(noSecretsInConfigMaps, configMap({ url: "rediss://:pw@redis:6379" }))).toEqual([
        'Kubernetes ConfigMap "faktory-env": data key "url" holds a Redis URL with credentials; keep it in a Secret instead.',
      ]);
    });

    it("rejects a config file that sets a password", () => {
      const toml = '[faktory]\npassword = "do-not-print-me"\n';
      const messages = resourceMessages(noSecretsInConfigMaps, configMap({ "faktory.toml": toml }));
      expect(messages).toEqual([
        'Kubernetes ConfigMap "faktory-env": data key "faktory.toml" sets password; keep it in a Secret instead.',
      ]);
      expect(messages.join()).not.toContain("do-not-print-me");
    });
  });

  describe("k8s-requests-and-limits", () => {
    it("reports each missing request or limit", () => {
      const workload = withContainer((c) => (c.resources = { requests: { memory: "512Mi" } }));
      expect(resourceMessages(requestsAndLimits, workload)).toEqual([
        `${statefulSet}: container "faktory" does not set resources.requests.cpu, resources.limits.cpu, ` +
          "resources.limits.memory; set CPU and memory requests and limits.",
      ]);
    });

    it("checks init containers too", () => {
      const workload = faktoryStatefulSet();
      const template = (workload.props.spec as { template: { spec: Record<string, unknown> } }).template;
      template.spec.initContainers = [{ name: "wait", image: "busybox:1.36" }];
      expect(resourceMessages(requestsAndLimits, workload)).toEqual([
        `${statefulSet}: container "wait" does not set resources.requests.cpu, resources.requests.memory, ` +
          "resources.limits.cpu, resources.limits.memory; set CPU and memory requests and limits.",
      ]);
    });
  });

  describe("k8s-pinned-images", () => {
    it.each([
      ["contribsys/faktory", "has no tag (which means latest)"],
      ["contribsys/faktory:latest", 'uses the tag "latest"'],
      ["registry.example.com:5000/faktory", "has no tag (which means latest)"],
    ])("rejects %s", (image, reason) => {
      expect(
        resourceMessages(
          pinnedImages,
          withContainer((c) => (c.image = image)),
        ),
      ).toEqual([
        `${statefulSet}: container "faktory" image ${JSON.stringify(image)} ${reason}; pin a version tag or a digest.`,
      ]);
    });

    it.each([
      "contribsys/faktory:1.9.1",
      "registry.example.com:5000/faktory:1.9.1",
      `contribsys/faktory@sha256:${"a".repeat(64)}`,
      `contribsys/faktory:latest@sha256:${"b".repeat(64)}`,
    ])("accepts %s", (image) => {
      expect(unpinnedReason(image)).toBeUndefined();
    });
  });
});
