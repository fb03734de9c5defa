// Who may reach which port. Clients: 7419 (and 7420 with webUi), and the TLS ones with TLS on (only
// those with `required`), from the own namespace, the allowed namespaces and CIDRs. The internal Faktory
// ports (unless `required`) and the peer TLS port only from this workload's own pods (the routers). The
// health port from the VPC (kubelet probes come from the node, NLB health checks from its IPs) and from the
// scaler namespaces (KEDA's operator reads the scaler endpoint there).
import { PORTS } from "./constants";
import { commonLabels, selectorLabels } from "./labels";
import { clientPorts, podToPodPorts, type TlsPorts } from "./ports";
import type { FaktoryEdition } from "./types";

export interface NetworkPolicyInput {
  readonly name: string;
  readonly namespace: string;
  readonly instance: string;
  readonly edition: FaktoryEdition;
  readonly webUi: boolean;
  readonly allowedNamespaces: readonly string[];
  /** Namespaces admitted to the health port only (enterprise): KEDA's. @default [] */
  readonly scalerNamespaces?: readonly string[];
  readonly allowedCidrs: readonly string[];
  readonly vpcCidrs: readonly string[];
  readonly labels?: Readonly<Record<string, string>>;
  /** TLS: the client rule admits its ports, the pods' rule its peer port. @default off */
  readonly tls?: TlsPorts;
}

const tcp = (port: number) => ({ protocol: "TCP", port });
const cidrs = (list: readonly string[]) => list.map((cidr) => ({ ipBlock: { cidr } }));
/** Every pod of the named namespaces (by the label Kubernetes sets on each namespace), or nothing for none. */
const namespaces = (names: readonly string[]) =>
  names.length > 0
    ? [
        {
          namespaceSelector: {
            matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: [...names] }],
          },
        },
      ]
    : [];

/**
 * The ingress rules, in order: clients, the workload's own pods (enterprise), health port from the VPC, health
 * port from the scaler namespaces (enterprise, when any).
 */
export function networkPolicyRules(input: NetworkPolicyInput): object[] {
  const clients = clientPorts(input.webUi, input.tls).map(({ port }) => tcp(port));
  const clientPeers: object[] = [
    // An empty podSelector without namespaceSelector: any pod of the policy's own namespace.
    { podSelector: {} },
    ...namespaces(input.allowedNamespaces),
    ...cidrs(input.allowedCidrs),
  ];
  const rules: object[] = [{ from: clientPeers, ports: clients }];
  if (input.edition === "enterprise") {
    rules.push({
      from: [{ podSelector: { matchLabels: selectorLabels({ instance: input.instance }) } }],
      ports: podToPodPorts(input.tls).map(tcp),
    });
    rules.push({ from: cidrs(input.vpcCidrs), ports: [tcp(PORTS.health)] });
    // KEDA's operator polls /scaler from its own pods; on EKS they have VPC addresses, but a CNI that
    // enforces policies by pod identity, or an overlay network, needs the namespace itself. Only 7421:
    // plain health and figures, no job port.
    const scaler = namespaces(input.scalerNamespaces ?? []);
    if (scaler.length > 0) rules.push({ from: scaler, ports: [tcp(PORTS.health)] });
  } else {
    // OSS probes and NLB health checks use the job port itself.
    rules.push({ from: cidrs(input.vpcCidrs), ports: [tcp(PORTS.faktory)] });
  }
  return rules;
}

export function buildNetworkPolicy(input: NetworkPolicyInput): Record<string, unknown> {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: commonLabels({ instance: input.instance }, input.labels),
    },
    spec: {
      podSelector: { matchLabels: selectorLabels({ instance: input.instance }) },
      policyTypes: ["Ingress"],
      ingress: networkPolicyRules(input),
    },
  };
}
