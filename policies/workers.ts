// Rules for Faktory workers: the Deployments the Workers component renders, found by its labels
// (app.kubernetes.io/component=worker, app.kubernetes.io/part-of=faktory-ha). A worker stops fetching on
// SIGTERM, waits up to its client's shutdown timeout (FAKTORY_SHUTDOWN_TIMEOUT) for running jobs, then FAILs
// what still runs so Faktory retries it: the kubelet's grace must outlast that, and a drain must take
// workers down a few at a time. Mandatory in prod, advisory elsewhere (environment.ts).
import type { ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, labelOf, pdbType, podLabelsOf, podSpecOf } from "./kubernetes";
import { ofType, sameNamespace, selects, stackPolicy, type StackResource } from "./stack";
import { asString, describe, get, items, UNKNOWN } from "./values";

export const deploymentType = "kubernetes:apps/v1:Deployment";
/** The labels the Workers component puts on its pods. */
export const workerLabels: Readonly<Record<string, string>> = {
  "app.kubernetes.io/component": "worker",
  "app.kubernetes.io/part-of": "faktory-ha",
};
/** The variable the Workers component sets to the client's shutdown timeout, in seconds. */
export const shutdownTimeoutEnv = "FAKTORY_SHUTDOWN_TIMEOUT";
/** Kubernetes' own terminationGracePeriodSeconds when a pod spec sets none. */
const defaultGraceSeconds = 30;

export function isWorkerDeployment(type: string, props: unknown): boolean {
  if (type !== deploymentType) return false;
  const labels = podLabelsOf(type, props);
  return Object.entries(workerLabels).every(([key, value]) => labels[key] === value);
}

export const workerGrace: ResourceValidationPolicy = {
  name: "faktory-worker-grace",
  description:
    "A worker Deployment's terminationGracePeriodSeconds is above the FAKTORY_SHUTDOWN_TIMEOUT it sets (prod).",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (!isWorkerDeployment(args.type, args.props)) return;
    const podSpec = podSpecOf(args.type, args.props);
    const grace = get(podSpec, "terminationGracePeriodSeconds") ?? defaultGraceSeconds;
    if (grace === UNKNOWN || typeof grace !== "number") return;
    for (const container of containersOf(podSpec)) {
      const env = items(get(container.spec, "env")).find((e) => get(e, "name") === shutdownTimeoutEnv);
      const timeout = Number(asString(get(env, "value")));
      // Not set, or not a literal (unknown during a preview, from a ConfigMap): nothing to compare.
      if (env === undefined || !Number.isFinite(timeout) || grace > timeout) continue;
      report(
        `${labelOf(args.type, args.name)}: terminationGracePeriodSeconds is ${describe(grace)}, not above ` +
          `${shutdownTimeoutEnv}=${timeout} of container "${container.name}"; the kubelet would kill the worker ` +
          `before its client FAILs the jobs still running back to Faktory (they would wait out their reservation). ` +
          `Set it above the timeout (the Workers component sets timeout + 10 s).`,
      );
    }
  },
};

function checkWorkerBudgets(resources: readonly StackResource[], report: ReportViolation): void {
  const budgets = ofType(resources, [pdbType]);
  for (const workload of resources.filter((r) => isWorkerDeployment(r.type, r.props))) {
    const labels = podLabelsOf(workload.type, workload.props);
    const covered = budgets.some(
      (b) => sameNamespace(b, workload) && selects(get(b.props, "spec", "selector"), labels),
    );
    if (covered) continue;
    report(
      `${labelOf(workload.type, workload.name)}: no PodDisruptionBudget in its namespace selects its pod labels ` +
        `${describe(labels)}; add one (the Workers component does) so a node drain takes the workers down a few ` +
        `at a time, each finishing or FAILing back its jobs, whatever the replica count KEDA chose.`,
      workload.urn,
    );
  }
}

export const workerBudgets = stackPolicy(
  "faktory-worker-pdb",
  "Every worker Deployment has a PodDisruptionBudget that selects its pods, whatever its replicas (prod).",
  checkWorkerBudgets,
);

export const workerPolicies = [workerGrace, workerBudgets];
