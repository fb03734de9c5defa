import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { z } from "zod";
import { anyInput, argProblems, throwIfProblems } from "../arg-schema";
import { azCountSchema, natGatewaysSchema, vpcCidrSchema } from "./args-schema";
import { NETWORK_DEFAULTS, type NatGatewayMode } from "./defaults";
import { subnetLayout } from "./network-cidrs";

export type { NatGatewayMode } from "./defaults";

const TYPE = "faktory-ha:aws:Network";

/** The subnet tags the AWS Load Balancer Controller uses to pick subnets for each scheme. */
const LB_ROLE_TAG = { public: "kubernetes.io/role/elb", private: "kubernetes.io/role/internal-elb" } as const;

export interface NetworkArgs {
  /**
   * An existing VPC to use instead of creating one. Requires `privateSubnetIds`; then the component
   * creates nothing and only passes the IDs through.
   * @default undefined (a new VPC is created)
   */
  readonly vpcId?: pulumi.Input<string>;
  /**
   * The existing VPC's private subnets (with NAT egress), in at least two AZs. Only with `vpcId`.
   * Tag them `kubernetes.io/role/internal-elb: 1` yourself so the AWS Load Balancer Controller finds them.
   * @default undefined
   */
  readonly privateSubnetIds?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * The existing VPC's public subnets, passed through to `publicSubnetIds`. Only with `vpcId`.
   * @default []
   */
  readonly publicSubnetIds?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * The new VPC's IPv4 CIDR, /16 to /20, without host bits. Private subnets get 1/8 of it each
   * (pods take VPC addresses), public subnets 1/256 each.
   * @default "10.0.0.0/16"
   */
  readonly cidrBlock?: string;
  /**
   * How many AZs to spread the subnets over, 2 to 6. Redis Multi-AZ and EKS both need at least 2.
   * @default 3
   */
  readonly azCount?: number;
  /**
   * The AZ names to use (length must equal `azCount`).
   * @default the first `azCount` available AZs of the region
   */
  readonly availabilityZones?: readonly string[];
  /**
   * `"perAz"`: one NAT gateway per AZ, so losing an AZ does not cut the others' egress (production).
   * `"single"`: one NAT gateway for all AZs, cheaper, and a single point of failure for egress (dev).
   * @default "perAz"
   */
  readonly natGateways?: NatGatewayMode;
  /**
   * Tags for every resource the component creates.
   * @default {}
   */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * A VPC with public and private subnets across AZs and NAT egress for the private ones, or an
 * existing VPC's IDs passed through.
 */
export class Network extends pulumi.ComponentResource {
  public readonly vpcId: pulumi.Output<string>;
  public readonly privateSubnetIds: pulumi.Output<string[]>;
  public readonly publicSubnetIds: pulumi.Output<string[]>;
  /** The VPC CIDR when the component created the VPC; undefined for an existing VPC. */
  public readonly vpcCidrBlock: pulumi.Output<string | undefined>;
  /**
   * The AZ of each private subnet, in the same order, when the component created the VPC;
   * undefined for an existing VPC. Give it to Redis `availabilityZones`.
   */
  public readonly availabilityZones: pulumi.Output<string[] | undefined>;

  constructor(name: string, args: NetworkArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    const existing = validateNetworkArgs(name, args);
    const cidrBlock = args.cidrBlock ?? NETWORK_DEFAULTS.cidrBlock;
    const azCount = args.azCount ?? NETWORK_DEFAULTS.azCount;
    const natGateways = args.natGateways ?? NETWORK_DEFAULTS.natGateways;
    const tags = args.tags ?? {};

    super(TYPE, name, {}, opts);

    if (existing) {
      this.vpcId = pulumi.output(existing.vpcId);
      this.privateSubnetIds = pulumi.output(existing.privateSubnetIds);
      this.publicSubnetIds = pulumi.output(args.publicSubnetIds ?? []);
      this.vpcCidrBlock = pulumi.output(undefined);
      this.availabilityZones = pulumi.output(undefined);
      this.registerOutputs({
        vpcId: this.vpcId,
        privateSubnetIds: this.privateSubnetIds,
        publicSubnetIds: this.publicSubnetIds,
      });
      return;
    }

    const layout = subnetLayout(cidrBlock, azCount);
    const withName = (role: string) =>
      pulumi.output(tags).apply((t) => ({ ...t, Name: `${name}-${role}` }) as Record<string, string>);
    const parent = { parent: this };
    let azNames: pulumi.Input<string>[];
    if (args.availabilityZones) {
      azNames = [...args.availabilityZones];
    } else {
      const available = aws.getAvailabilityZonesOutput({ state: "available" }, parent).names;
      azNames = layout.privateCidrs.map((_, i) =>
        available.apply((names) => {
          if (names.length < azCount) {
            throw new Error(
              `Network "${name}": azCount is ${azCount} but the region has ${names.length} AZs`,
            );
          }
          return names[i];
        }),
      );
    }

    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      { cidrBlock, enableDnsHostnames: true, enableDnsSupport: true, tags: withName("vpc") },
      parent,
    );
    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: withName("igw") }, parent);

    const publicRouteTable = new aws.ec2.RouteTable(
      `${name}-public`,
      { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags: withName("public") },
      parent,
    );

    // One subnet per AZ and tier, associated with its route table. The tiers differ only in the load
    // balancer role tag: public subnets may hold Internet-facing LBs, private ones the internal NLB.
    const subnetWithRoutes = (
      tier: "public" | "private",
      cidr: string,
      i: number,
      routeTableId: pulumi.Input<string>,
    ): aws.ec2.Subnet => {
      const subnet = new aws.ec2.Subnet(
        `${name}-${tier}-${i}`,
        {
          vpcId: vpc.id,
          cidrBlock: cidr,
          availabilityZone: azNames[i],
          // Nothing in a public subnet needs an automatic public IP: NAT gateways get Elastic IPs.
          mapPublicIpOnLaunch: false,
          tags: pulumi
            .output(tags)
            .apply((t) => ({ ...t, Name: `${name}-${tier}-${i}`, [LB_ROLE_TAG[tier]]: "1" })),
        },
        parent,
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-${tier}-${i}`,
        { subnetId: subnet.id, routeTableId },
        parent,
      );
      return subnet;
    };

    const publicSubnets = layout.publicCidrs.map((cidr, i) =>
      subnetWithRoutes("public", cidr, i, publicRouteTable.id),
    );

    const natCount = natGateways === "perAz" ? azCount : 1;
    const nats = publicSubnets.slice(0, natCount).map((subnet, i) => {
      const eip = new aws.ec2.Eip(`${name}-nat-${i}`, { domain: "vpc", tags: withName(`nat-${i}`) }, parent);
      return new aws.ec2.NatGateway(
        `${name}-nat-${i}`,
        { allocationId: eip.id, subnetId: subnet.id, tags: withName(`nat-${i}`) },
        { parent: this, dependsOn: [igw] },
      );
    });

    const privateSubnets = layout.privateCidrs.map((cidr, i) => {
      const nat = nats[natGateways === "perAz" ? i : 0];
      const routeTable = new aws.ec2.RouteTable(
        `${name}-private-${i}`,
        {
          vpcId: vpc.id,
          routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }],
          tags: withName(`private-${i}`),
        },
        parent,
      );
      return subnetWithRoutes("private", cidr, i, routeTable.id);
    });

    this.vpcId = vpc.id;
    this.privateSubnetIds = pulumi.all(privateSubnets.map((s) => s.id));
    this.publicSubnetIds = pulumi.all(publicSubnets.map((s) => s.id));
    this.vpcCidrBlock = vpc.cidrBlock;
    this.availabilityZones = pulumi.all(azNames);
    this.registerOutputs({
      vpcId: this.vpcId,
      privateSubnetIds: this.privateSubnetIds,
      publicSubnetIds: this.publicSubnetIds,
      vpcCidrBlock: this.vpcCidrBlock,
      availabilityZones: this.availabilityZones,
    });
  }
}

const networkArgsShape = {
  vpcId: anyInput,
  privateSubnetIds: anyInput,
  publicSubnetIds: anyInput,
  cidrBlock: vpcCidrSchema.optional(),
  azCount: azCountSchema.optional(),
  availabilityZones: z.array(z.string(), { message: "must be a list of AZ names" }).optional(),
  natGateways: natGatewaysSchema.optional(),
  tags: anyInput,
} satisfies Record<keyof NetworkArgs, z.ZodType>; // every arg of the interface, and no other
const networkArgsSchema = z.object(networkArgsShape).strict();
const CREATE_ONLY = ["cidrBlock", "azCount", "availabilityZones", "natGateways"] as const;

/** Returns the existing-VPC inputs when that mode is chosen; throws one error listing every problem. */
function validateNetworkArgs(
  name: string,
  args: NetworkArgs,
): { vpcId: pulumi.Input<string>; privateSubnetIds: pulumi.Input<pulumi.Input<string>[]> } | undefined {
  const problems = argProblems(networkArgsSchema, args);
  const existing = args.vpcId !== undefined || args.privateSubnetIds !== undefined;
  if (existing) {
    if (args.vpcId === undefined || args.privateSubnetIds === undefined) {
      problems.push("vpcId and privateSubnetIds must be given together to use an existing VPC");
    }
    const createOnly = CREATE_ONLY.filter((k) => args[k] !== undefined);
    if (createOnly.length > 0) {
      problems.push(`${createOnly.join(", ")} cannot be combined with vpcId (an existing VPC)`);
    }
  } else {
    if (args.publicSubnetIds !== undefined) {
      problems.push("publicSubnetIds is only for an existing VPC (give vpcId and privateSubnetIds)");
    }
    const azCount = args.azCount ?? NETWORK_DEFAULTS.azCount;
    if (Array.isArray(args.availabilityZones) && args.availabilityZones.length !== azCount) {
      problems.push(
        `availabilityZones must list exactly azCount (${azCount}) zones; it lists ${args.availabilityZones.length}`,
      );
    }
  }
  throwIfProblems(TYPE, name, problems);
  return existing && args.vpcId !== undefined && args.privateSubnetIds !== undefined
    ? { vpcId: args.vpcId, privateSubnetIds: args.privateSubnetIds }
    : undefined;
}
