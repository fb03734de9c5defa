// The Cluster's args are a union, a new cluster or an existing one: an arg of the other mode is a
// compile error. `npm run typecheck` fails if any line marked @ts-expect-error below type-checks; the
// run-time checks for JavaScript callers are in cluster.test.ts.
import { expect, it } from "vitest";
import type { ClusterArgs } from "../../../components/aws";

const create = { vpcId: "vpc-1", privateSubnetIds: ["subnet-a", "subnet-b"] };

it("refuses at compile time what the mode cannot use, and accepts each mode's own args", () => {
  const refused = [
    // @ts-expect-error an existing cluster's node group is not this component's to size
    { kubeconfig: "{}", nodeMinSize: 2 } satisfies ClusterArgs,
    // @ts-expect-error a new cluster's args beside an existing cluster's kubeconfig
    { ...create, kubeconfig: "{}" } satisfies ClusterArgs,
    // @ts-expect-error the OIDC provider of a new cluster is created, not given
    { ...create, oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/x" } satisfies ClusterArgs,
    // @ts-expect-error a new cluster needs its subnets
    { vpcId: "vpc-1" } satisfies ClusterArgs,
  ];
  const accepted: ClusterArgs[] = [
    { ...create, nodeMinSize: 3, nodeDesiredSize: 3, endpointPublicAccess: false },
    { kubeconfig: "{}", clusterName: "shared", installLoadBalancerController: false },
  ];
  expect(refused).toHaveLength(4);
  expect(accepted.map((a) => ("kubeconfig" in a ? "existing" : "new"))).toEqual(["new", "existing"]);
});
