// Services and the PodDisruptionBudget. Every pod is always a target: its router forwards to the
// primary, so no selector or label changes on failover and the NLB never re-registers targets.
import { PORTS } from "./constants";
import { commonLabels, selectorLabels } from "./labels";
import { clientPorts, type TlsPorts } from "./ports";
import type { FaktoryEdition } from "./types";

const LB = "service.beta.kubernetes.io/aws-load-balancer";

export interface NlbAnnotationInput {
  readonly edition: FaktoryEdition;
  readonly deregistrationDelaySeconds: number;
}

/** Annotations for the AWS Load Balancer Controller: an internal NLB with IP targets. */
export function nlbAnnotations(input: NlbAnnotationInput): Record<string, string> {
  // OSS has no health endpoint: the NLB then checks the job port over TCP.
  const healthCheck: Record<string, string> =
    input.edition === "oss"
      ? { [`${LB}-healthcheck-protocol`]: "tcp", [`${LB}-healthcheck-port`]: "traffic-port" }
      : {
          [`${LB}-healthcheck-protocol`]: "http",
          [`${LB}-healthcheck-port`]: String(PORTS.health),
          [`${LB}-healthcheck-path`]: "/readyz",
        };
  return {
    [`${LB}-type`]: "external",
    [`${LB}-nlb-target-type`]: "ip",
    [`${LB}-scheme`]: "internal",
    ...healthCheck,
    [`${LB}-healthcheck-interval`]: "10",
    [`${LB}-healthcheck-healthy-threshold`]: "2",
    [`${LB}-healthcheck-unhealthy-threshold`]: "2",
    // Short delay: routers hold clients through a failover, so draining a target long buys nothing.
    // Client IPs are preserved so the NetworkPolicy's allowed CIDRs mean the real clients.
    [`${LB}-target-group-attributes`]: `deregistration_delay.timeout_seconds=${input.deregistrationDelaySeconds},preserve_client_ip.enabled=true`,
    [`${LB}-attributes`]: "load_balancing.cross_zone.enabled=true",
  };
}

export interface ServiceInput {
  readonly name: string;
  readonly namespace: string;
  readonly instance: string;
  readonly webUi: boolean;
  readonly labels?: Readonly<Record<string, string>>;
  /** TLS: its client ports beside the plain ones (`optional`) or instead of them (`required`). @default off */
  readonly tls?: TlsPorts;
}

/** The in-cluster Service's input: with enterprise it also serves the supervisors' health port. */
export interface ClusterServiceInput extends ServiceInput {
  /** @default "enterprise" */
  readonly edition?: FaktoryEdition;
}

function servicePorts(input: ServiceInput): object[] {
  return clientPorts(input.webUi, input.tls).map(({ name, port }) => ({
    name,
    port,
    targetPort: name,
    protocol: "TCP",
  }));
}

/**
 * The in-cluster ClusterIP Service (also the StatefulSet's governing Service). With enterprise it also
 * serves the health port, where KEDA reads the scaler endpoint from whichever pod answers (every pod does:
 * a standby asks the primary); the NLB does not carry it.
 */
export function buildClusterService(input: ClusterServiceInput): Record<string, unknown> {
  const health = { name: "health", port: PORTS.health, targetPort: "health", protocol: "TCP" };
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: commonLabels({ instance: input.instance }, input.labels),
    },
    spec: {
      type: "ClusterIP",
      selector: selectorLabels({ instance: input.instance }),
      // Health is plain whatever the TLS mode (the supervisor's HTTP server, like the probes).
      ports: [...servicePorts(input), ...((input.edition ?? "enterprise") === "oss" ? [] : [health])],
    },
  };
}

/** The internal NLB Service. */
export function buildNlbService(input: ServiceInput & NlbAnnotationInput): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: commonLabels({ instance: input.instance }, input.labels),
      annotations: nlbAnnotations(input),
    },
    spec: {
      type: "LoadBalancer",
      selector: selectorLabels({ instance: input.instance }),
      ports: servicePorts(input),
    },
  };
}

export interface DisruptionBudgetInput extends Omit<ServiceInput, "webUi" | "tls"> {
  /** The workload's role (its selector's component label). @default "server" */
  readonly component?: string;
  /** Pods a drain may take down at once: a count or a percentage. @default 1 */
  readonly maxUnavailable?: number | string;
}

/**
 * The budget for one workload's pods. Faktory's: at most one pod down by voluntary disruption, so a drain
 * never takes primary and standby together.
 */
export function buildPodDisruptionBudget(input: DisruptionBudgetInput): Record<string, unknown> {
  const selector = { instance: input.instance, component: input.component };
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: commonLabels(selector, input.labels),
    },
    spec: { maxUnavailable: input.maxUnavailable ?? 1, selector: { matchLabels: selectorLabels(selector) } },
  };
}
