// IPv4 CIDR parsing for the network layout and the CIDR schemas, and the AWS resource name rule.
import { shown } from "../arg-schema";

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses an IPv4 CIDR into its network address (as a 32-bit number) and prefix; undefined if malformed. */
export function parseCidr(cidr: string): { base: number; prefix: number } | undefined {
  const m = IPV4_CIDR.exec(cidr);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  // A CIDR with host bits set ("10.0.0.1/16") is almost always a typo; refuse it rather than guess.
  if ((address & mask) >>> 0 !== address) return undefined;
  return { base: address, prefix };
}

export function formatCidr(base: number, prefix: number): string {
  return `${base >>> 24}.${(base >>> 16) & 255}.${(base >>> 8) & 255}.${base & 255}/${prefix}`;
}

/**
 * Names that end up in AWS resource names through autonaming (ElastiCache ids, ECR repositories)
 * accept only lowercase letters, digits and hyphens, starting with a letter.
 */
export function dnsLabelProblem(name: string, maxLength: number): string | undefined {
  const ok =
    /^[a-z][a-z0-9-]*$/.test(name) && name.length <= maxLength && !name.endsWith("-") && !name.includes("--");
  return ok
    ? undefined
    : `name${shown(name)} must be lowercase letters, digits and single hyphens, start with a letter, ` +
        `and be at most ${maxLength} characters: AWS resource names are built from it`;
}
