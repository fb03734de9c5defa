// EKS rules: the control plane's exposure, and (in stack.ts) the node groups' Availability Zones.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { describe, get, items, UNKNOWN } from "./values";

export const eksClusterComponentType = "eks:index:Cluster";
export const eksClusterType = "aws:eks/cluster:Cluster";
export const nodeGroupTypes: readonly string[] = [
  "eks:index:ManagedNodeGroup",
  "aws:eks/nodeGroup:NodeGroup",
];

interface EndpointAccess {
  readonly publicAccess: unknown;
  readonly privateAccess: unknown;
  readonly cidrs: unknown;
  readonly prefix: string;
}

// The component (`@pulumi/eks`) takes the settings at the top level with public access on and
// private access off by default; the raw `aws.eks.Cluster` nests them in vpcConfig.
function endpointAccessOf(type: string, props: unknown): EndpointAccess | undefined {
  if (type === eksClusterComponentType) {
    return {
      publicAccess: get(props, "endpointPublicAccess") ?? true,
      privateAccess: get(props, "endpointPrivateAccess") ?? false,
      cidrs: get(props, "publicAccessCidrs"),
      prefix: "",
    };
  }
  if (type === eksClusterType) {
    return {
      publicAccess: get(props, "vpcConfig", "endpointPublicAccess") ?? true,
      privateAccess: get(props, "vpcConfig", "endpointPrivateAccess") ?? false,
      cidrs: get(props, "vpcConfig", "publicAccessCidrs"),
      prefix: "vpcConfig.",
    };
  }
  return undefined;
}

function isOpenToInternet(cidrs: unknown): boolean {
  if (cidrs === UNKNOWN) return false;
  const list = items(cidrs);
  return list.length === 0 || list.includes("0.0.0.0/0");
}

export const endpointAccess: ResourceValidationPolicy = {
  name: "eks-endpoint-not-public-only",
  description: "The EKS API endpoint is not public-only without CIDR limits.",
  enforcementLevel: "advisory",
  validateResource: (args, report) => {
    const access = endpointAccessOf(args.type, args.props);
    if (access === undefined) return;
    if (access.publicAccess !== true || access.privateAccess !== false || !isOpenToInternet(access.cidrs))
      return;
    const p = access.prefix;
    report(
      `EKS cluster "${args.name}": ${p}endpointPublicAccess is true, ${p}endpointPrivateAccess is false and ` +
        `${p}publicAccessCidrs is ${describe(access.cidrs)}; enable private access or limit publicAccessCidrs ` +
        `(the API is reachable from the whole Internet).`,
    );
  },
};

/** The subnet ids a node group places its nodes in (`subnetIds` on both node group kinds). */
export function nodeGroupSubnets(props: unknown): unknown {
  return get(props, "subnetIds");
}

export const eksResourcePolicies: ResourceValidationPolicy[] = [endpointAccess];
