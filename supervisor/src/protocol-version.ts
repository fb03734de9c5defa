/**
 * The version of what supervisors write for each other in Redis: the lease value, the announcements on
 * the lease channel and the presence (member) keys. During a rolling update supervisors of two releases
 * share one lease, so each one must know whether it understands what the other wrote, and must never act
 * on a guess: a value it does not understand is never acquired over, routed to, or taken as proof.
 *
 * Version 1 is everything written before the field existed (it has no `v`); version 2 adds the field and
 * nothing else, so the two interoperate. A release that changes what a field means bumps the version and
 * drops the versions it can no longer read from COMPATIBLE_PROTOCOLS; the upgrade policy (README) says
 * which releases may then be mixed.
 */
export const PROTOCOL_VERSION = 2;

/** The versions this release reads and acts on. */
export const COMPATIBLE_PROTOCOLS: readonly number[] = [1, 2];

/** The version a stored or published JSON object carries: 1 when it has no `v` (releases before it). */
export function protocolOf(value: Record<string, unknown>): unknown {
  return value.v === undefined ? 1 : value.v;
}

export function isCompatible(version: unknown): boolean {
  return typeof version === "number" && COMPATIBLE_PROTOCOLS.includes(version);
}

/** What a supervisor met and will not act on: where, which version, and whose it was (when it says). */
export interface ForeignValue {
  readonly kind: "lease" | "announcement" | "member";
  readonly version: string;
  readonly holder: string;
}

/** The version and writer of a JSON value this release does not read; null when it does (or is not JSON). */
export function foreignValue(kind: ForeignValue["kind"], raw: string): ForeignValue | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return null;
  const value = parsed as Record<string, unknown>;
  const version = protocolOf(value);
  if (isCompatible(version)) return null;
  return {
    kind,
    version: JSON.stringify(version),
    holder: typeof value.id === "string" ? value.id : "(unnamed)",
  };
}
