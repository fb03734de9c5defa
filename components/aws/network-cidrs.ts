import { formatCidr, parseCidr } from "./validate";

/** The VPC prefix lengths the subnet layout supports: /16 (65,536 addresses) down to /20 (4,096). */
export const VPC_PREFIX_RANGE = { min: 16, max: 20 } as const;
/** Up to 6 AZs: the layout has 8 private-sized blocks, of which the last holds the public subnets. */
export const AZ_COUNT_RANGE = { min: 2, max: 6 } as const;

export interface SubnetLayout {
  readonly privateCidrs: string[];
  readonly publicCidrs: string[];
}

/**
 * Carves a VPC CIDR into one private and one public subnet per AZ. The VPC is split into 8 equal
 * blocks (prefix + 3): private subnet i takes block i, because with the VPC CNI every pod takes a
 * VPC address, so private subnets get almost all the space. Public subnets only hold NAT gateways
 * and load balancer ENIs, so they are small (prefix + 8) and packed into the last block.
 * Throws on input outside the documented ranges; callers validate first for friendly messages.
 */
export function subnetLayout(vpcCidr: string, azCount: number): SubnetLayout {
  const parsed = parseCidr(vpcCidr);
  if (!parsed || parsed.prefix < VPC_PREFIX_RANGE.min || parsed.prefix > VPC_PREFIX_RANGE.max) {
    throw new Error(`unsupported VPC CIDR ${vpcCidr}`);
  }
  if (!Number.isInteger(azCount) || azCount < AZ_COUNT_RANGE.min || azCount > AZ_COUNT_RANGE.max) {
    throw new Error(`unsupported AZ count ${azCount}`);
  }
  const privatePrefix = parsed.prefix + 3;
  const publicPrefix = parsed.prefix + 8;
  const privateSize = 2 ** (32 - privatePrefix);
  const publicSize = 2 ** (32 - publicPrefix);
  const lastBlock = parsed.base + 7 * privateSize;
  const indexes = [...Array(azCount).keys()];
  return {
    privateCidrs: indexes.map((i) => formatCidr(parsed.base + i * privateSize, privatePrefix)),
    publicCidrs: indexes.map((i) => formatCidr(lastBlock + i * publicSize, publicPrefix)),
  };
}
