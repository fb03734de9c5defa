// The worker rules: a grace above the client's shutdown timeout, and a PodDisruptionBudget for every worker
// Deployment; mandatory in prod, advisory in dev. The Workers component's own output passes every policy.
import { beforeAll, describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { setupMocks, valueOf } from "../support/pulumi-mocks";
import { Faktory, Workers } from "../../components/k8s";
import { evaluatePolicies, type PlannedResource } from "../../policies/offline";
import { workerBudgets, workerGrace, workerPolicies } from "../../policies/workers";
import {
  compliantStack,
  urnOf,
  workerBudget,
  workerDeployment,
  workerPodLabels,
} from "../fixtures/policies/resources";
import { resourceMessages, stackViolations } from "./support";

const runtime = setupMocks();

type Obj = Record<string, unknown>;
const deploymentUrn = urnOf("kubernetes:apps/v1:Deployment", "mailers-deployment");
const label = 'Kubernetes Deployment "mailers-deployment"';

/** The fixture's worker Deployment with its pod spec changed. */
function workerWith(change: (podSpec: Obj, container: Obj) => void): PlannedResource {
  const deployment = workerDeployment();
  const podSpec = ((deployment.props.spec as Obj).template as Obj).spec as Obj;
  change(podSpec, (podSpec.containers as Obj[])[0]);
  return deployment;
}
const setTimeoutEnv = (container: Obj, env: Obj) =>
  (container.env = (container.env as Obj[]).map((e) => (e.name === "FAKTORY_SHUTDOWN_TIMEOUT" ? env : e)));

describe("worker policies", () => {
  it("are mandatory (advisory in dev) and accept the compliant stack", () => {
    for (const policy of workerPolicies) expect(policy.enforcementLevel, policy.name).toBe("mandatory");
    expect(evaluatePolicies(compliantStack(), { environment: "prod" }, workerPolicies)).toEqual([]);
    const broken = [workerWith((pod) => (pod.terminationGracePeriodSeconds = 25))];
    expect(
      evaluatePolicies(broken, { environment: "dev" }, workerPolicies).map((v) => v.enforcement),
    ).toEqual(["advisory", "advisory"]);
    expect(evaluatePolicies(broken, { environment: "prod" }, workerPolicies).map((v) => v.policy)).toEqual([
      "faktory-worker-grace",
      "faktory-worker-pdb",
    ]);
  });

  describe("faktory-worker-grace", () => {
    it("reports a grace equal to the shutdown timeout", () => {
      const worker = workerWith((pod) => (pod.terminationGracePeriodSeconds = 25));
      expect(resourceMessages(workerGrace, worker)).toEqual([
        `${label}: terminationGracePeriodSeconds is 25, not above FAKTORY_SHUTDOWN_TIMEOUT=25 of container "worker"; ` +
          "the kubelet would kill the worker before its client FAILs the jobs still running back to Faktory (they " +
          "would wait out their reservation). Set it above the timeout (the Workers component sets timeout + 10 s).",
      ]);
    });

    it("counts Kubernetes' default grace of 30 s when the pod spec sets none", () => {
      const unset = (timeout: string) =>
        workerWith((pod, container) => {
          delete pod.terminationGracePeriodSeconds;
          setTimeoutEnv(container, { name: "FAKTORY_SHUTDOWN_TIMEOUT", value: timeout });
        });
      expect(resourceMessages(workerGrace, unset("30"))[0]).toContain(
        "terminationGracePeriodSeconds is 30, not above FAKTORY_SHUTDOWN_TIMEOUT=30",
      );
      expect(resourceMessages(workerGrace, unset("25"))).toEqual([]);
    });

    it("leaves alone what it cannot compare, and Deployments that are not workers", () => {
      const fromConfigMap = workerWith((_pod, container) =>
        setTimeoutEnv(container, {
          name: "FAKTORY_SHUTDOWN_TIMEOUT",
          valueFrom: { configMapKeyRef: { name: "x", key: "y" } },
        }),
      );
      const unknownGrace = workerWith(
        (pod) => (pod.terminationGracePeriodSeconds = "3eeb2bf0-c639-47a8-9e75-3b44932eb421"),
      );
      const noTimeout = workerWith((pod, container) => {
        pod.terminationGracePeriodSeconds = 1;
        container.env = [];
      });
      const notWorker = workerWith((pod) => (pod.terminationGracePeriodSeconds = 1));
      ((notWorker.props.spec as Obj).template as Obj).metadata = { labels: { app: "mailer" } };
      for (const resource of [fromConfigMap, unknownGrace, noTimeout, notWorker]) {
        expect(resourceMessages(workerGrace, resource)).toEqual([]);
      }
    });
  });

  describe("faktory-worker-pdb", () => {
    const missing = [
      deploymentUrn,
      `${label}: no PodDisruptionBudget in its namespace selects its pod labels ${JSON.stringify(workerPodLabels)}; ` +
        "add one (the Workers component does) so a node drain takes the workers down a few at a time, each " +
        "finishing or FAILing back its jobs, whatever the replica count KEDA chose.",
    ];

    it("reports an autoscaled worker Deployment (no replicas) without a budget", () => {
      const stack = compliantStack().filter((r) => r.name !== "mailers-pdb");
      expect(stackViolations(workerBudgets, stack)).toEqual([missing]);
    });

    it("reports a budget in another namespace or selecting other pods", () => {
      const elsewhere = workerBudget();
      (elsewhere.props.metadata as Obj).namespace = "other";
      const otherPods = workerBudget();
      (otherPods.props.spec as Obj).selector = { matchLabels: { "app.kubernetes.io/instance": "reports" } };
      for (const budget of [elsewhere, otherPods]) {
        expect(stackViolations(workerBudgets, [workerDeployment(), budget])).toEqual([missing]);
      }
    });
  });
});

describe("the Workers component's objects", () => {
  let resources: PlannedResource[];
  beforeAll(async () => {
    const jobs = new Faktory("jobs", {
      image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/faktory-ha:1.9.4",
      redisUrl: pulumi.secret("rediss://:token@redis.internal:6379"),
      license: pulumi.secret("license"),
      vpcCidrs: ["10.0.0.0/16"],
      loadBalancer: false,
      // As faktory-tls-required asks in prod; the workers then dial tcp+tls://.
      tls: { mode: "required", secretName: "jobs-cert" },
    });
    const workers = [
      new Workers("mailers", {
        faktory: jobs,
        image: "acme/mailer:2.3.1",
        autoscaling: { targetLatencySeconds: 30 },
      }),
      new Workers("reports", { faktory: jobs, image: "acme/reports:1.0.0", replicas: 1 }),
    ];
    await Promise.all([valueOf(jobs.urn), ...workers.map((w) => valueOf(w.deploymentName))]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    resources = runtime.resources
      .filter((r) => r.custom)
      .map((r) => ({ type: r.type, name: r.name, urn: r.urn, props: r.inputs }));
  });

  it("are found as workers and pass every policy of the pack in prod", () => {
    const deployments = resources.filter((r) => r.type === "kubernetes:apps/v1:Deployment");
    expect(deployments.map((r) => r.name).sort()).toEqual(["mailers-deployment", "reports-deployment"]);
    expect(evaluatePolicies(resources, { environment: "prod" })).toEqual([]);
  });

  it("would be flagged without their budget, or with a grace at the timeout", () => {
    const stack = resources
      .filter((r) => r.name !== "mailers-pdb")
      .map((r) => {
        if (r.name !== "reports-deployment") return r;
        const spec = structuredClone(r.props.spec) as Obj;
        ((spec.template as Obj).spec as Obj).terminationGracePeriodSeconds = 25;
        return { ...r, props: { ...r.props, spec } };
      });
    expect(
      evaluatePolicies(stack, { environment: "prod" }, workerPolicies).map((v) => [
        v.policy,
        v.resource.split("::").pop(),
      ]),
    ).toEqual([
      ["faktory-worker-grace", "reports-deployment"],
      ["faktory-worker-pdb", "mailers-deployment"],
    ]);
  });
});
