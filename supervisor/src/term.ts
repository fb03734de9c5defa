/**
 * A term of office: which supervisor held the lease, under which epoch. The epoch alone can repeat when
 * Redis loses keys, so two terms are the same only if both match.
 */
export interface Term {
  readonly id: string;
  readonly epoch: number;
}

export function sameTerm(a: Term | null | undefined, b: Term | null | undefined): boolean {
  return a?.id === b?.id && a?.epoch === b?.epoch;
}

/** A string that names one term, for sets and maps. */
export function termKey(t: Term): string {
  return `${t.epoch}\u0000${t.id}`;
}
