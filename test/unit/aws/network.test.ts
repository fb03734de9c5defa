import { describe, expect, it } from "vitest";
import { setupMocks, unwrapSecrets, valueOf } from "../../support/pulumi-mocks";
import { Network } from "../../../components/aws/network";
import { errorOf, inventory, named, settle } from "./helpers";

const runtime = setupMocks();
const TYPE = "faktory-ha:aws:Network";

function inputsOf(name: string, type = "aws:ec2/subnet:Subnet"): Record<string, unknown> {
  const found = runtime.resources.filter((r) => r.name === name && r.type === type);
  expect(found).toHaveLength(1);
  return unwrapSecrets(found[0].inputs) as Record<string, unknown>;
}

describe("Network", () => {
  it("creates a VPC with private and public subnets in 3 AZs and one NAT gateway per AZ by default", async () => {
    const net = new Network("prod", { tags: { env: "prod" } });
    const [vpcId, privateIds, publicIds, cidr] = await Promise.all([
      valueOf(net.vpcId),
      valueOf(net.privateSubnetIds),
      valueOf(net.publicSubnetIds),
      valueOf(net.vpcCidrBlock),
    ]);
    await settle(runtime);

    expect(vpcId).toBe("prod-vpc-id");
    expect(privateIds).toEqual(["prod-private-0-id", "prod-private-1-id", "prod-private-2-id"]);
    expect(publicIds).toEqual(["prod-public-0-id", "prod-public-1-id", "prod-public-2-id"]);
    expect(cidr).toBe("10.0.0.0/16");
    expect(await valueOf(net.availabilityZones)).toEqual(["us-east-1a", "us-east-1b", "us-east-1c"]);

    const perAz = (type: string, role: string) => [0, 1, 2].map((i) => `${type} prod-${role}-${i}`);
    expect(inventory(runtime, "prod")).toEqual(
      [
        `${TYPE} prod`,
        "aws:ec2/vpc:Vpc prod-vpc",
        "aws:ec2/internetGateway:InternetGateway prod-igw",
        "aws:ec2/routeTable:RouteTable prod-public",
        ...perAz("aws:ec2/subnet:Subnet", "public"),
        ...perAz("aws:ec2/subnet:Subnet", "private"),
        ...perAz("aws:ec2/routeTableAssociation:RouteTableAssociation", "public"),
        ...perAz("aws:ec2/routeTableAssociation:RouteTableAssociation", "private"),
        ...perAz("aws:ec2/routeTable:RouteTable", "private"),
        ...perAz("aws:ec2/eip:Eip", "nat"),
        ...perAz("aws:ec2/natGateway:NatGateway", "nat"),
      ].sort(),
    );
    for (const child of named(runtime, "prod").filter((r) => r.custom)) {
      expect(child.parentType, child.name).toBe(TYPE);
    }

    expect(inputsOf("prod-vpc", "aws:ec2/vpc:Vpc")).toMatchObject({
      cidrBlock: "10.0.0.0/16",
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { env: "prod", Name: "prod-vpc" },
    });
    const azs = ["us-east-1a", "us-east-1b", "us-east-1c"];
    const privateCidrs = ["10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19"];
    const publicCidrs = ["10.0.224.0/24", "10.0.225.0/24", "10.0.226.0/24"];
    for (const i of [0, 1, 2]) {
      expect(inputsOf(`prod-private-${i}`)).toMatchObject({
        vpcId: "prod-vpc-id",
        cidrBlock: privateCidrs[i],
        availabilityZone: azs[i],
        mapPublicIpOnLaunch: false,
        tags: { env: "prod", Name: `prod-private-${i}`, "kubernetes.io/role/internal-elb": "1" },
      });
      expect(inputsOf(`prod-public-${i}`)).toMatchObject({
        cidrBlock: publicCidrs[i],
        availabilityZone: azs[i],
        mapPublicIpOnLaunch: false,
        tags: { env: "prod", Name: `prod-public-${i}`, "kubernetes.io/role/elb": "1" },
      });
      expect(
        (inputsOf(`prod-private-${i}`).tags as Record<string, string>)["kubernetes.io/role/elb"],
      ).toBeUndefined();
      // Each private subnet egresses through the NAT gateway in its own AZ.
      const route = runtime.resources.find(
        (r) => r.type === "aws:ec2/routeTable:RouteTable" && r.name === `prod-private-${i}`,
      );
      expect(unwrapSecrets(route?.inputs.routes)).toEqual([
        expect.objectContaining({ cidrBlock: "0.0.0.0/0", natGatewayId: `prod-nat-${i}-id` }),
      ]);
      const nat = runtime.resources.find(
        (r) => r.type === "aws:ec2/natGateway:NatGateway" && r.name === `prod-nat-${i}`,
      );
      expect(nat?.inputs).toMatchObject({
        subnetId: `prod-public-${i}-id`,
        allocationId: `prod-nat-${i}-id`,
      });
    }
    const publicRoute = runtime.resources.find(
      (r) => r.type === "aws:ec2/routeTable:RouteTable" && r.name === "prod-public",
    );
    expect(publicRoute?.inputs.routes).toEqual([
      expect.objectContaining({ cidrBlock: "0.0.0.0/0", gatewayId: "prod-igw-id" }),
    ]);
  });

  it("with natGateways single, all private subnets share one NAT gateway", async () => {
    const net = new Network("dev", {
      azCount: 2,
      cidrBlock: "10.1.0.0/16",
      natGateways: "single",
      availabilityZones: ["eu-west-1a", "eu-west-1b"],
    });
    expect(await valueOf(net.privateSubnetIds)).toEqual(["dev-private-0-id", "dev-private-1-id"]);
    await settle(runtime);
    expect(
      runtime.ofType("aws:ec2/natGateway:NatGateway").filter((r) => r.name.startsWith("dev-")),
    ).toHaveLength(1);
    expect(runtime.ofType("aws:ec2/eip:Eip").filter((r) => r.name.startsWith("dev-"))).toHaveLength(1);
    for (const i of [0, 1]) {
      const route = runtime.resources.find(
        (r) => r.type === "aws:ec2/routeTable:RouteTable" && r.name === `dev-private-${i}`,
      );
      expect(route?.inputs.routes).toEqual([expect.objectContaining({ natGatewayId: "dev-nat-0-id" })]);
    }
    expect(inputsOf("dev-private-1")).toMatchObject({
      cidrBlock: "10.1.32.0/19",
      availabilityZone: "eu-west-1b",
    });
    expect(named(runtime, "dev").filter((r) => r.type === "aws:ec2/subnet:Subnet")).toHaveLength(4);
  });

  it("with an existing VPC creates nothing and passes the IDs through", async () => {
    const net = new Network("byo", {
      vpcId: "vpc-123",
      privateSubnetIds: ["subnet-a", "subnet-b"],
      publicSubnetIds: ["subnet-p"],
    });
    expect(await valueOf(net.vpcId)).toBe("vpc-123");
    expect(await valueOf(net.privateSubnetIds)).toEqual(["subnet-a", "subnet-b"]);
    expect(await valueOf(net.publicSubnetIds)).toEqual(["subnet-p"]);
    expect(await valueOf(net.vpcCidrBlock)).toBeUndefined();
    expect(await valueOf(net.availabilityZones)).toBeUndefined();
    await settle(runtime);
    expect(inventory(runtime, "byo")).toEqual([`${TYPE} byo`]);
  });

  it.each([
    [
      { vpcId: "vpc-1" },
      'Network "bad": vpcId and privateSubnetIds must be given together to use an existing VPC',
    ],
    [
      { privateSubnetIds: ["s"] },
      'Network "bad": vpcId and privateSubnetIds must be given together to use an existing VPC',
    ],
    [
      { vpcId: "vpc-1", privateSubnetIds: ["s"], azCount: 3, natGateways: "single" as const },
      'Network "bad": azCount, natGateways cannot be combined with vpcId (an existing VPC)',
    ],
    [
      { publicSubnetIds: ["s"] },
      'Network "bad": publicSubnetIds is only for an existing VPC (give vpcId and privateSubnetIds)',
    ],
    [
      { cidrBlock: "10.0.0.0/8" },
      'Network "bad": cidrBlock="10.0.0.0/8" must be a VPC CIDR from /16 to /20 (the subnet layout\'s range), such as 10.42.0.0/16',
    ],
    [
      { cidrBlock: "10.0.0.1/16" },
      'Network "bad": cidrBlock="10.0.0.1/16" must be an IPv4 CIDR (a network address, no host bits) such as 10.0.0.0/16',
    ],
    [
      { cidrBlock: "not-a-cidr" },
      'Network "bad": cidrBlock="not-a-cidr" must be an IPv4 CIDR (a network address, no host bits) such as 10.0.0.0/16',
    ],
    [
      { azCount: 1 },
      'Network "bad": azCount=1 must be the number of availability zones (subnets, nodes and Redis spread over them): an integer from 2 to 6',
    ],
    [
      { azCount: 7 },
      'Network "bad": azCount=7 must be the number of availability zones (subnets, nodes and Redis spread over them): an integer from 2 to 6',
    ],
    [
      { azCount: 2.5 },
      'Network "bad": azCount=2.5 must be the number of availability zones (subnets, nodes and Redis spread over them): an integer from 2 to 6',
    ],
    [
      { availabilityZones: ["a", "b"] },
      'Network "bad": availabilityZones must list exactly azCount (3) zones; it lists 2',
    ],
    [
      { natGateways: "none" as unknown as "single" },
      'Network "bad": natGateways="none" must be one of "perAz", "single"',
    ],
  ])("refuses %j before creating anything", async (args, message) => {
    expect(errorOf(() => new Network("bad", args))).toBe(message);
    await settle(runtime);
    expect(inventory(runtime, "bad")).toEqual([]);
  });

  it("reports every problem at once, and names the arg a misspelt one was meant to be", async () => {
    // As a JavaScript caller may pass them: an unknown arg and values the types refuse.
    const args = { cidrBlok: "10.0.0.0/16", azCount: 7, natGateways: "none", availabilityZones: "a" };
    expect(errorOf(() => new Network("bad", args as never))).toBe(
      'Network "bad": ' +
        [
          "azCount=7 must be the number of availability zones (subnets, nodes and Redis spread over them): an integer from 2 to 6",
          'availabilityZones="a" must be a list of AZ names',
          'natGateways="none" must be one of "perAz", "single"',
          'cidrBlok is not a known arg; did you mean "cidrBlock"?',
        ].join("; "),
    );
    expect(errorOf(() => new Network("bad", { vpcid: "vpc-1", flavour: 1 } as never))).toBe(
      'Network "bad": vpcid is not a known arg; did you mean "vpcId"?; flavour is not a known arg; known args are ' +
        "vpcId, privateSubnetIds, publicSubnetIds, cidrBlock, azCount, availabilityZones, natGateways, tags",
    );
    await settle(runtime);
    expect(inventory(runtime, "bad")).toEqual([]);
  });

  it("answered every invoke it made", () => {
    expect(runtime.unknownCalls).toEqual([]);
  });
});
