// Rules of the AWS components' plain values as zod schemas, for the components and the stack config
// alike (pure: zod and the components' own rule functions, no provider). Messages are predicates
// ("must be …") that read after an arg path or a stack key.
import { z } from "zod";
import { imageRefProblem } from "./image-ref";
import { VPC_PREFIX_RANGE } from "./network-cidrs";
import { parseCidr } from "./validate";

export const CIDR_MESSAGE = "must be an IPv4 CIDR (a network address, no host bits) such as 10.0.0.0/16";

/** An IPv4 CIDR: a network address (no host bits) and a prefix 0..32. */
export const cidrSchema = z.string({ message: CIDR_MESSAGE }).refine((s) => parseCidr(s) !== undefined, {
  message: CIDR_MESSAGE,
});

/** The CIDR of a VPC the Network component creates: the subnet layout needs /16 to /20. */
export const vpcCidrSchema = z.string({ message: CIDR_MESSAGE }).superRefine((s, ctx) => {
  const parsed = parseCidr(s);
  if (parsed === undefined) ctx.addIssue({ code: "custom", message: CIDR_MESSAGE });
  else if (parsed.prefix < VPC_PREFIX_RANGE.min || parsed.prefix > VPC_PREFIX_RANGE.max) {
    ctx.addIssue({
      code: "custom",
      message: `must be a VPC CIDR from /${VPC_PREFIX_RANGE.min} to /${VPC_PREFIX_RANGE.max} (the subnet layout's range), such as 10.42.0.0/16`,
    });
  }
});

/** An image pinned by a tag other than `latest`, or by a digest. */
export const pinnedImageSchema = z.string().superRefine((ref, ctx) => {
  const problem = imageRefProblem(ref);
  if (problem !== undefined) {
    ctx.addIssue({ code: "custom", message: `must be a pinned image reference: it ${problem}` });
  }
});
