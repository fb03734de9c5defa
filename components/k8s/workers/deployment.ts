// The workers' Deployment and PodDisruptionBudget. Pure: returns the plain objects the component hands
// to Pulumi. Hardened and placed as the Faktory pods are (pod-spec.ts); spread softly, since a worker
// left Pending by the spread is capacity lost during a burst, while one more on a host costs nothing.
import { WORKER_TLS } from "../../contract/worker";
import type { EnvVar } from "../env";
import { commonLabels, selectorLabels } from "../labels";
import {
  containerSecurityContext,
  nonEmpty,
  placement,
  podSecurityContext,
  spreadOverZonesAndHosts,
  type Placement,
} from "../pod-spec";
import { buildPodDisruptionBudget } from "../services";
import type { CaSecret } from "./env";

/** The workers' role: the component label the policy pack finds worker Deployments by. */
export const WORKER_COMPONENT = "worker";
export const WORKER_CONTAINER = "worker";

/** The workers' selector: unique per instance, and apart from a Faktory of the same name (component). */
export function workerSelectorLabels(instance: string): Record<string, string> {
  return selectorLabels({ instance, component: WORKER_COMPONENT });
}

export interface WorkerDeploymentInput extends Placement {
  readonly name: string;
  readonly namespace: string;
  readonly instance: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env: readonly EnvVar[];
  /** Left out with autoscaling: KEDA owns the count, and a value here would be re-applied by every update. */
  readonly replicas?: number;
  readonly terminationGracePeriodSeconds: number;
  readonly resources: {
    readonly requests: Readonly<Record<string, string>>;
    readonly limits: Readonly<Record<string, string>>;
  };
  readonly runAsUser: number;
  /** @default the namespace's default ServiceAccount, without its token */
  readonly serviceAccountName?: string;
  readonly imagePullSecrets?: readonly string[];
  /** A PEM CA to mount for TLS to the Faktory. */
  readonly caSecret?: CaSecret;
  readonly labels?: Readonly<Record<string, string>>;
  readonly podLabels?: Readonly<Record<string, string>>;
  readonly podAnnotations?: Readonly<Record<string, string>>;
}

/** The Deployment object (apiVersion, kind, metadata, spec). */
export function buildWorkerDeployment(input: WorkerDeploymentInput): Record<string, unknown> {
  const identity = { instance: input.instance, component: WORKER_COMPONENT };
  const selector = workerSelectorLabels(input.instance);
  const ca = input.caSecret;
  const container = {
    name: WORKER_CONTAINER,
    image: input.image,
    // The image is pinned (validated), so a node's cache is correct.
    imagePullPolicy: "IfNotPresent",
    ...(input.command ? { command: [...input.command] } : {}),
    ...(input.args ? { args: [...input.args] } : {}),
    env: input.env.map((e) => ({ ...e })),
    resources: { requests: { ...input.resources.requests }, limits: { ...input.resources.limits } },
    volumeMounts: [
      // The root is read-only; programs still need a scratch directory.
      { name: "tmp", mountPath: "/tmp" },
      ...(ca ? [{ name: "faktory-ca", mountPath: WORKER_TLS.dir, readOnly: true }] : []),
    ],
    securityContext: containerSecurityContext(),
  };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: input.name, namespace: input.namespace, labels: commonLabels(identity, input.labels) },
    spec: {
      ...(input.replicas !== undefined ? { replicas: input.replicas } : {}),
      selector: { matchLabels: selector },
      // New pods start before old ones stop: a rollout keeps the capacity, and each old pod drains its jobs.
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } },
      template: {
        metadata: {
          labels: commonLabels(identity, { ...input.labels, ...input.podLabels }),
          ...nonEmpty("annotations", input.podAnnotations && { ...input.podAnnotations }),
        },
        spec: {
          ...(input.serviceAccountName !== undefined
            ? { serviceAccountName: input.serviceAccountName }
            : { automountServiceAccountToken: false }),
          enableServiceLinks: false,
          // The client's shutdown timeout + the margin for its FAILs and exit (WORKERS_DEFAULTS).
          terminationGracePeriodSeconds: input.terminationGracePeriodSeconds,
          securityContext: podSecurityContext(input.runAsUser),
          ...nonEmpty(
            "imagePullSecrets",
            input.imagePullSecrets?.map((name) => ({ name })),
          ),
          ...placement(input),
          topologySpreadConstraints: spreadOverZonesAndHosts(selector, "ScheduleAnyway"),
          containers: [container],
          volumes: [
            { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
            ...(ca
              ? [
                  {
                    name: "faktory-ca",
                    secret: {
                      secretName: ca.name,
                      items: [{ key: ca.key, path: WORKER_TLS.file }],
                      ...(ca.optional ? { optional: true } : {}),
                    },
                  },
                ]
              : []),
          ],
        },
      },
    },
  };
}

/** The workers' budget: a drain takes at most `maxUnavailable` of them at once, each draining its jobs. */
export function buildWorkerDisruptionBudget(input: {
  readonly name: string;
  readonly namespace: string;
  readonly instance: string;
  readonly maxUnavailable: number | string;
  readonly labels?: Readonly<Record<string, string>>;
}): Record<string, unknown> {
  return buildPodDisruptionBudget({ ...input, component: WORKER_COMPONENT });
}
