import { createHash } from "node:crypto";

/** `<base>-redis` must fit the Redis component's 24-character name (ElastiCache ids are 40 at most). */
const MAX_BASE = 18;
const PREFIX = "faktory-";

/**
 * The prefix of every component name in a stack: `faktory-<stack>` while that fits the tightest AWS
 * name (so existing stacks keep their resources), otherwise a readable head of the stack name plus a
 * short hash, so two long stack names that share a head still get distinct names. Lowercase DNS-label
 * characters only, as ElastiCache and ECR require.
 */
export function stackBase(stack: string): string {
  const label = stack
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  const whole = `${PREFIX}${label}`;
  if (label !== "" && whole.length <= MAX_BASE && label === stack) return whole;
  const hash = createHash("sha256").update(stack).digest("hex").slice(0, 4);
  const room = MAX_BASE - PREFIX.length - hash.length - 1;
  const head = label.slice(0, room).replace(/-$/, "");
  return head === "" ? `${PREFIX}${hash}` : `${PREFIX}${head}-${hash}`;
}
