import { describe, expect, it } from "vitest";
import { endpointAccess } from "../../policies/eks";
import { eksCluster, planned } from "../fixtures/policies/resources";
import { resourceMessages } from "./support";

function withProps(props: Record<string, unknown>) {
  const cluster = eksCluster();
  return { ...cluster, props: { ...cluster.props, ...props } };
}

describe("eks-endpoint-not-public-only", () => {
  it("is advisory and accepts the compliant cluster", () => {
    expect(endpointAccess.enforcementLevel).toBe("advisory");
    expect(resourceMessages(endpointAccess, eksCluster())).toEqual([]);
  });

  it("accepts a public endpoint limited by CIDRs, and a public endpoint with private access", () => {
    expect(resourceMessages(endpointAccess, withProps({ endpointPrivateAccess: false }))).toEqual([]);
    expect(resourceMessages(endpointAccess, withProps({ publicAccessCidrs: undefined }))).toEqual([]);
  });

  it("reports a public-only endpoint open to the Internet (the component's defaults)", () => {
    const cluster = withProps({
      endpointPublicAccess: undefined,
      endpointPrivateAccess: undefined,
      publicAccessCidrs: ["0.0.0.0/0"],
    });
    expect(resourceMessages(endpointAccess, cluster)).toEqual([
      'EKS cluster "faktory-eks": endpointPublicAccess is true, endpointPrivateAccess is false and ' +
        'publicAccessCidrs is ["0.0.0.0/0"]; enable private access or limit publicAccessCidrs ' +
        "(the API is reachable from the whole Internet).",
    ]);
  });

  it("reads vpcConfig on a raw aws.eks.Cluster", () => {
    const raw = planned("aws:eks/cluster:Cluster", "raw", { vpcConfig: { subnetIds: ["a", "b"] } });
    expect(resourceMessages(endpointAccess, raw)).toEqual([
      'EKS cluster "raw": vpcConfig.endpointPublicAccess is true, vpcConfig.endpointPrivateAccess is false and ' +
        "vpcConfig.publicAccessCidrs is not set; enable private access or limit publicAccessCidrs " +
        "(the API is reachable from the whole Internet).",
    ]);
  });
});
