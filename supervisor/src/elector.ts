import type { LeaseValue } from "./lease-scripts";

/** The Redis operations the elector needs; the real one is RedisLease, tests pass a fake. */
export interface LeaseStore {
  /** Returns the stored value when acquired, null when someone else holds the lease. */
  acquire(nowMs: number): Promise<LeaseValue | null>;
  /** True when still ours and extended; false when it is no longer ours. Throws when Redis is unreachable. */
  renew(value: LeaseValue): Promise<boolean>;
  release(value: LeaseValue): Promise<boolean>;
  read(): Promise<LeaseValue | null>;
}

/** Injected time, so the state machine runs on a fake clock in unit tests. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export type Role = "secondary" | "primary";

export interface ElectorTimings {
  /** Our holder id: a lease with our id that we do not hold is a leftover of a previous life of this pod. */
  readonly selfId: string;
  readonly renewIntervalMs: number;
  readonly renewDeadlineMs: number;
  readonly pollMs: number;
}

export interface ElectorHooks {
  /** We hold the lease: start Faktory. Runs while renewals continue. */
  onPromote(lease: LeaseValue): void;
  /**
   * We must not run Faktory any more: stop it. Awaited before the lease is released, so a standby can
   * never start while ours is still running.
   */
  onDemote(lease: LeaseValue, reason: DemoteReason): Promise<void>;
  /** The known primary changed (null: none known). */
  onLeader(lease: LeaseValue | null): void;
  /** A Redis call failed (null: Redis works again). Not fatal: we stay or become a secondary. */
  onRedisError(error: Error | null): void;
  /** Latency of a successful renew, for /metrics. */
  onRenew?(latencyMs: number): void;
}

export type DemoteReason = "lost" | "deadline" | "shutdown";

export interface ElectorSnapshot {
  readonly role: Role;
  readonly lease: LeaseValue | null;
  readonly leader: LeaseValue | null;
  readonly since: number;
  readonly lastRenewOkAt: number | null;
}

/**
 * The lease state machine. Secondary: poll the lease; acquire when it is free. Primary: renew every
 * renewInterval; if the lease is no longer ours, or the last successful renew started more than
 * renewDeadline ago, demote (stop Faktory) — renewDeadline < ttl, so Faktory is down before the key
 * can expire and a standby acquire it.
 */
export class Elector {
  private role: Role = "secondary";
  private lease: LeaseValue | null = null;
  private leader: LeaseValue | null = null;
  private since: number;
  /** Start time of the last renew (or acquire) that succeeded: the lease is valid ttl after it. */
  private lastRenewOkAt: number | null = null;
  private tickTimer: unknown = null;
  private deadlineTimer: unknown = null;
  private busy = false;
  private stopped = false;
  private demoting: Promise<void> | null = null;
  private redisFailing = false;

  constructor(
    private readonly store: LeaseStore,
    private readonly timings: ElectorTimings,
    private readonly hooks: ElectorHooks,
    private readonly clock: Clock = systemClock,
  ) {
    this.since = clock.now();
  }

  snapshot(): ElectorSnapshot {
    return {
      role: this.role,
      lease: this.lease,
      leader: this.leader,
      since: this.since,
      lastRenewOkAt: this.lastRenewOkAt,
    };
  }

  start(): void {
    this.schedule(0);
  }

  /** Poll now instead of at the next interval (e.g. a "released" message arrived). */
  wake(): void {
    if (this.stopped || this.role !== "secondary") return;
    this.schedule(0);
  }

  /** Graceful shutdown: stop Faktory if primary, then release the lease so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimers();
    if (this.demoting) await this.demoting;
    if (this.role === "primary" && this.lease) {
      const lease = this.lease;
      await this.demote("shutdown");
      try {
        await this.store.release(lease);
      } catch (e) {
        // The key then expires after ttl; nothing else to do.
        this.hooks.onRedisError(asError(e));
      }
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.tickTimer !== null) this.clock.clearTimeout(this.tickTimer);
    this.tickTimer = this.clock.setTimeout(() => {
      this.tickTimer = null;
      void this.tick();
    }, ms);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    if (this.busy) return; // the running tick schedules the next one
    this.busy = true;
    let next: number;
    try {
      next = this.role === "primary" ? await this.renewTick() : await this.pollTick();
    } finally {
      this.busy = false;
    }
    this.schedule(next);
  }

  private async pollTick(): Promise<number> {
    if (this.demoting) {
      await this.demoting;
      return 0;
    }
    const started = this.clock.now();
    try {
      let current = await this.store.read();
      if (current !== null && current.id === this.timings.selfId) {
        // Our own id but not our term (we restarted, or fenced ourselves): its Faktory is gone, so
        // free the key now instead of waiting for ttl.
        await this.store.release(current);
        current = null;
      }
      if (current === null) {
        const acquired = await this.store.acquire(Math.round(started));
        if (acquired && !this.stopped) {
          this.redisOk();
          this.promote(acquired, started);
          return this.timings.renewIntervalMs;
        }
        if (acquired && this.stopped) {
          await this.store.release(acquired);
          return this.timings.pollMs;
        }
        current = await this.store.read();
      }
      this.redisOk();
      this.setLeader(current);
    } catch (e) {
      this.redisFailed(asError(e));
      // Without Redis we cannot know who leads; the router holds connections rather than guessing.
      this.setLeader(null);
    }
    return this.timings.pollMs;
  }

  private async renewTick(): Promise<number> {
    const lease = this.lease;
    if (!lease) return this.timings.pollMs;
    const started = this.clock.now();
    try {
      const ok = await this.store.renew(lease);
      if (this.lease !== lease || this.role !== "primary") return 0;
      this.redisOk();
      if (!ok) {
        await this.demote("lost");
        return 0;
      }
      this.lastRenewOkAt = started;
      this.hooks.onRenew?.(this.clock.now() - started);
      this.armDeadline();
    } catch (e) {
      this.redisFailed(asError(e));
      if (
        this.lastRenewOkAt !== null &&
        this.clock.now() - this.lastRenewOkAt >= this.timings.renewDeadlineMs
      ) {
        await this.demote("deadline");
        return 0;
      }
    }
    return this.timings.renewIntervalMs;
  }

  private promote(lease: LeaseValue, acquiredAt: number): void {
    this.role = "primary";
    this.lease = lease;
    this.since = this.clock.now();
    this.lastRenewOkAt = acquiredAt;
    this.armDeadline();
    this.setLeader(lease);
    this.hooks.onPromote(lease);
  }

  private armDeadline(): void {
    if (this.deadlineTimer !== null) this.clock.clearTimeout(this.deadlineTimer);
    if (this.lastRenewOkAt === null) return;
    // A timer independent of the renew loop: a renew call that hangs must not delay fencing.
    const due = this.lastRenewOkAt + this.timings.renewDeadlineMs - this.clock.now();
    this.deadlineTimer = this.clock.setTimeout(
      () => {
        this.deadlineTimer = null;
        if (this.role === "primary") void this.demote("deadline").then(() => this.schedule(0));
      },
      Math.max(0, due),
    );
  }

  private demote(reason: DemoteReason): Promise<void> {
    if (this.demoting) return this.demoting;
    const lease = this.lease;
    if (this.role !== "primary" || !lease) return Promise.resolve();
    this.role = "secondary";
    this.since = this.clock.now();
    this.lastRenewOkAt = null;
    if (this.deadlineTimer !== null) this.clock.clearTimeout(this.deadlineTimer);
    this.deadlineTimer = null;
    // Until someone else is seen holding the lease, no primary is known: the router must not send
    // traffic to our stopping Faktory.
    this.setLeader(null);
    this.demoting = (async () => {
      try {
        await this.hooks.onDemote(lease, reason);
        if (reason === "deadline") {
          // Best effort: if Redis was merely slow the key is still ours; freeing it speeds takeover.
          await this.store.release(lease).catch(() => false);
        }
      } finally {
        this.lease = null;
        this.demoting = null;
      }
    })();
    return this.demoting;
  }

  private setLeader(lease: LeaseValue | null): void {
    const prev = this.leader;
    if (prev?.epoch === lease?.epoch && prev?.id === lease?.id) return;
    this.leader = lease;
    this.hooks.onLeader(lease);
  }

  private redisOk(): void {
    if (this.redisFailing) {
      this.redisFailing = false;
      this.hooks.onRedisError(null);
    }
  }

  private redisFailed(e: Error): void {
    this.redisFailing = true;
    this.hooks.onRedisError(e);
  }

  private clearTimers(): void {
    if (this.tickTimer !== null) this.clock.clearTimeout(this.tickTimer);
    if (this.deadlineTimer !== null) this.clock.clearTimeout(this.deadlineTimer);
    this.tickTimer = null;
    this.deadlineTimer = null;
  }
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
