// The KEDA ScaledObject that scales the workers on their queues' own signal, read from the faktory-ha
// supervisors' scaler endpoint (components/contract/scaler.ts) by KEDA's `metrics-api` scaler. Pure.
import { SCALER } from "../../contract/scaler";
import { PORTS } from "../constants";
import { commonLabels } from "../labels";
import { WORKER_COMPONENT } from "./deployment";

export const KEDA_API_VERSION = "keda.sh/v1alpha1";

/** The autoscaling settings, defaults applied. */
export interface ResolvedAutoscaling {
  readonly targetLatencySeconds?: number;
  readonly targetBacklogPerReplica?: number;
  readonly activationLatencySeconds: number;
  readonly activationBacklog: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly cooldownSeconds: number;
  readonly pollingIntervalSeconds: number;
  readonly scaleDownStabilizationSeconds: number;
}

export interface ScaledObjectInput {
  readonly name: string;
  readonly namespace: string;
  readonly instance: string;
  /** The Deployment to scale, in the same namespace. */
  readonly deploymentName: string;
  /** The scaler endpoint without a query: `http://<service>.<namespace>.svc.cluster.local:7421/scaler`. */
  readonly scalerUrl: string;
  readonly queues: readonly string[];
  readonly autoscaling: ResolvedAutoscaling;
  readonly labels?: Readonly<Record<string, string>>;
}

/** A Faktory component's scaler endpoint: its ClusterIP Service carries the health port, and every pod answers. */
export function inClusterScalerUrl(serviceName: string, namespace: string): string {
  return `http://${serviceName}.${namespace}.svc.cluster.local:${PORTS.health}${SCALER.path}`;
}

/** The endpoint for a set of queues (their names are URL-safe: QUEUE_NAME_PATTERN). */
export function scalerQueryUrl(scalerUrl: string, queues: readonly string[]): string {
  return `${scalerUrl}?${SCALER.queuesParam}=${queues.join(",")}`;
}

/**
 * The `metrics-api` triggers: latency as a `Value` (replicas grow with latency / target: the oldest job's age
 * does not divide among workers), backlog as an `AverageValue` (waiting jobs / target per replica). KEDA
 * activates (0 → 1) when either signal is above its activation value, and uses the larger recommendation.
 */
export function scalerTriggers(url: string, a: ResolvedAutoscaling): object[] {
  const trigger = (
    name: string,
    metricType: "Value" | "AverageValue",
    valueLocation: string,
    target: number,
    activation: number,
  ) => ({
    type: "metrics-api",
    name,
    metricType,
    metadata: {
      url,
      format: "json",
      valueLocation,
      targetValue: String(target),
      activationTargetValue: String(activation),
    },
  });
  return [
    ...(a.targetLatencySeconds !== undefined
      ? [
          trigger(
            "latency",
            "Value",
            SCALER.fields.latency,
            a.targetLatencySeconds,
            a.activationLatencySeconds,
          ),
        ]
      : []),
    ...(a.targetBacklogPerReplica !== undefined
      ? [
          trigger(
            "backlog",
            "AverageValue",
            SCALER.fields.backlog,
            a.targetBacklogPerReplica,
            a.activationBacklog,
          ),
        ]
      : []),
  ];
}

/** The ScaledObject (apiVersion, kind, metadata, spec). */
export function buildScaledObject(input: ScaledObjectInput): Record<string, unknown> {
  const a = input.autoscaling;
  return {
    apiVersion: KEDA_API_VERSION,
    kind: "ScaledObject",
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: commonLabels({ instance: input.instance, component: WORKER_COMPONENT }, input.labels),
    },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: input.deploymentName },
      pollingInterval: a.pollingIntervalSeconds,
      cooldownPeriod: a.cooldownSeconds,
      minReplicaCount: a.minReplicas,
      maxReplicaCount: a.maxReplicas,
      // No `fallback`, on purpose. The endpoint answers 503 while no primary serves (a failover) or its
      // figures are stale; KEDA then makes no scaling decision: it neither scales to zero nor changes the
      // replicas. A fallback would turn that "unknown" into a fixed replica count, scaling a busy fleet
      // down (or an idle one up) during every failover.
      advanced: {
        horizontalPodAutoscalerConfig: {
          behavior: { scaleDown: { stabilizationWindowSeconds: a.scaleDownStabilizationSeconds } },
        },
      },
      triggers: scalerTriggers(scalerQueryUrl(input.scalerUrl, input.queues), a),
    },
  };
}
