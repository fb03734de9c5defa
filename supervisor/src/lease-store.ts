// The store contract of the lease: what the elector needs of wherever the lease lives (RedisLease, or a
// fake in unit tests), and what supervisors tell each other through it.
import type { LeaseValue } from "./lease-scripts";
import type { ForeignValue } from "./protocol-version";

/** What supervisors tell each other on the lease channel (best effort: a lost message only costs time). */
export type LeaseEvent =
  /** About to start Faktory for this term. */
  | { readonly kind: "started"; readonly id: string; readonly epoch: number }
  /**
   * Faktory of this term has exited (or never ran): a successor may start at once. `successor`, on a
   * planned stop, names the standby that should take the lease; the others hold off for a poll interval.
   */
  | { readonly kind: "stopped"; readonly id: string; readonly epoch: number; readonly successor?: string }
  /** Planned handover: routers stop sending new commands to this term's Faktory. */
  | { readonly kind: "draining"; readonly id: string; readonly epoch: number };

export interface Acquired {
  readonly lease: LeaseValue;
  /** The epoch counter's raw INCR result: highest known epoch + 1 means nobody acquired in between. */
  readonly counter: number;
  /**
   * How long Redis has been on its current replication history (ms): a failover or restart starts a new
   * one, and on a history younger than a ttl the counter may have lost the newest acquire.
   */
  readonly historyAgeMs: number;
}

/** A lease as read, with the remaining ttl Redis reported for it. */
export interface Observed {
  readonly lease: LeaseValue;
  readonly pttlMs: number;
}

/**
 * A lease written by a supervisor of a protocol version this one does not read (see protocol-version.ts):
 * held by someone, but whose Faktory runs where and until when is unknown, so it is never acquired over
 * or routed to while it exists.
 */
export interface ForeignLease {
  readonly foreign: ForeignValue;
  readonly pttlMs: number;
}

/** The Redis operations the elector needs; the real one is RedisLease, tests pass a fake. */
export interface LeaseStore {
  /** Acquires when free (epoch ≥ floorEpoch + 1); null when someone else holds the lease. */
  acquire(floorEpoch: number): Promise<Acquired | null>;
  /** True when still ours and extended; false when it is no longer ours. Throws when Redis is unreachable. */
  renew(value: LeaseValue): Promise<boolean>;
  release(value: LeaseValue): Promise<boolean>;
  read(): Promise<Observed | ForeignLease | null>;
  announce(event: LeaseEvent): Promise<void>;
  /** The standbys present (their latest poll), with the pod template revision each runs. */
  members?(): Promise<readonly Member[]>;
}

/** A supervisor seen polling: its id and the revision of the pod template it runs ("" when unknown). */
export interface Member {
  readonly id: string;
  readonly revision: string;
}
