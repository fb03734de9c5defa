// Under `pulumi preview` outputs the provider does not know stay unknown. The components must still
// register the same children (nothing about counts may depend on an unknown value).
import { describe, expect, it } from "vitest";
import { setupMocks } from "../../support/pulumi-mocks";
import { Cluster, Image, Network, Redis } from "../../../components/aws";
import { named, settle } from "./helpers";

const runtime = setupMocks({ preview: true });

describe("AWS components under preview", () => {
  it("register the same children as in an update", async () => {
    const network = new Network("pv-net");
    const cluster = new Cluster("pv-cluster", {
      vpcId: network.vpcId,
      privateSubnetIds: network.privateSubnetIds,
    });
    new Redis("pv-redis", {
      vpcId: network.vpcId,
      subnetIds: network.privateSubnetIds,
      availabilityZones: network.availabilityZones,
      sourceSecurityGroupIds: [cluster.nodeSecurityGroupId.apply((id) => id ?? "")],
    });
    new Image("pv-image", { faktoryImage: "contribsys/faktory-ent:1.9.3", tag: "abc" });
    await settle(runtime);

    const count = (prefix: string) =>
      named(runtime, prefix).filter((r) => r.type.startsWith("faktory-ha:") === false);
    expect(count("pv-net")).toHaveLength(24); // vpc, igw, public rt + 3 × (2 subnets, 2 assocs, private rt, eip, nat)
    expect(
      count("pv-cluster")
        .filter((r) => r.type !== "pulumi:providers:kubernetes")
        .map((r) => r.type)
        .sort(),
    ).toEqual(
      [
        "eks:index:Cluster",
        "aws:iam/role:Role",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:ec2/launchTemplate:LaunchTemplate",
        "eks:index:ManagedNodeGroup",
        "aws:iam/policy:Policy",
        "aws:iam/role:Role",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "kubernetes:helm.sh/v3:Release",
      ].sort(),
    );
    expect(count("pv-redis")).toHaveLength(6);
    expect(count("pv-image")).toHaveLength(2);
    expect(runtime.unknownCalls).toEqual([]);
  });
});
