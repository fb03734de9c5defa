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

function servicePorts(input: ServiceInput): object[] {
  return clientPorts(input.webUi, input.tls).map(({ name, port }) => ({
    name,
    port,
    targetPort: name,
    protocol: "TCP",
  }));
}

/** The in-cluster ClusterIP Service (also the StatefulSet's governing Service). */
export function buildClusterService(input: ServiceInput): Record<string, unknown> {
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
      ports: servicePorts(input),
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

/** At most one pod down by voluntary disruption, so a drain never takes primary and standby together. */
export function buildPodDisruptionBudget(
  input: Omit<ServiceInput, "webUi" | "tls">,
): Record<string, unknown> {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: commonLabels({ instance: input.instance }, input.labels),
    },
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels({ instance: input.instance }) } },
  };
}
