import { FENCE_MARGIN_MS } from "../../components/contract/supervisor";
import { systemClock, type Clock } from "./clock";
import type { LeaseValue } from "./lease-scripts";
import type { Acquired, LeaseEvent, LeaseStore, Observed } from "./lease-store";
import { sameTerm, termKey, type Term } from "./term";

/** secondary: standby. pending: holds the lease, waits for proof the previous Faktory stopped. primary: runs Faktory. */
export type Role = "secondary" | "pending" | "primary";

export interface ElectorTimings {
  /** Our holder id: a lease with our id that we do not hold is a leftover of a previous life of this pod. */
  readonly selfId: string;
  readonly ttlMs: number;
  readonly renewIntervalMs: number;
  readonly renewDeadlineMs: number;
  readonly pollMs: number;
  /**
   * The pod template revision we run (the StatefulSet's controller-revision-hash); "" when unknown. On a
   * planned stop the primary names a standby of another revision as its successor: in a rolling update
   * that is an already-updated pod, so the lease moves once instead of hopping through pods about to be
   * replaced. @default ""
   */
  readonly revision?: string;
  /**
   * Our pod's UID ("" when unknown). A term held under our id and UID that this process never held was
   * held by an earlier container of this very pod: Kubernetes starts a container again only after the
   * previous one exited, and a container's processes (its Faktory among them) die with it, so that term's
   * Faktory has stopped and ours may start at once. A pod replaced under the same name has a new UID.
   * @default ""
   */
  readonly podUid?: string;
}

export interface ElectorHooks {
  /** We hold the lease and the previous Faktory is provably stopped: start ours. Runs while renewals continue. */
  onPromote(lease: LeaseValue): void;
  /**
   * We must not run Faktory any more: stop it. Awaited before the lease is released and the stop is
   * announced, so a standby can never start while ours is still running.
   */
  onDemote(lease: LeaseValue, reason: DemoteReason): Promise<void>;
  /** The known primary changed (null: none known). A pending holder is the known primary. */
  onLeader(lease: LeaseValue | null): void;
  /** A Redis call failed (null: Redis works again). Not fatal: we stay or become a secondary. */
  onRedisError(error: Error | null): void;
  /** Latency of a successful renew, for /metrics. */
  onRenew?(latencyMs: number): void;
  /** We acquired the lease; Faktory starts when `proof` arrives or at `until` (clock ms). */
  onPending?(lease: LeaseValue, wait: StartWait): void;
}

/** exited: our Faktory exited without being asked, and its term ends with it (see relinquish). */
export type DemoteReason = "lost" | "deadline" | "shutdown" | "exited";

/** Why a new holder has not started Faktory yet, and until when it waits at most. */
export interface StartWait {
  /** The term whose "stopped" announcement lets us start at once (null: none can). */
  readonly proof: Term | null;
  readonly until: number;
  /**
   * Which bound applies: when the predecessor's lease would have expired (as last read, plus its
   * overrun), its fence counted from our acquire, a full ttl when the predecessor is unknown, or a ttl
   * after Redis's replication history changed (a failover that may have lost the newest writes), or
   * none when the predecessor was an earlier container of our own pod (see ElectorTimings.podUid).
   */
  readonly bound: "expiry" | "fence" | "ttl" | "history" | "restart";
}

export interface ElectorSnapshot {
  readonly role: Role;
  readonly lease: LeaseValue | null;
  readonly leader: LeaseValue | null;
  readonly since: number;
  readonly lastRenewOkAt: number | null;
  readonly waiting: StartWait | null;
  readonly highestEpoch: number;
}

/** Announced stops remembered; older ones can no longer be the term a new holder waits for. */
const STOPPED_MEMORY = 64;

/**
 * The lease state machine, one decision per tick from a fresh read.
 *
 * Secondary: poll the lease; acquire when it is free. Pending: we hold the lease but start Faktory
 * only once the previous holder's Faktory is provably stopped — it announced so, or its fence ran out
 * (see startWait). Primary: renew every renewInterval; if the lease is no longer ours, or the last
 * successful renew started more than renewDeadline ago, demote (stop Faktory) — renewDeadline +
 * stopTimeout < ttl, so Faktory is down before the key can expire for a standby.
 *
 * Not guaranteed (as with any lease): a process paused, or a clock running slow, for longer than
 * ttl - renewDeadline - stopTimeout can outlive its term; Faktory cannot check a fencing token.
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
  private startTimer: unknown = null;
  private waiting: StartWait | null = null;
  private busy = false;
  private stopped = false;
  private demoting: Promise<void> | null = null;
  private redisFailing = false;
  /** The most recent term anyone held, as far as we know (from reads and announcements). */
  private latest: (Term & { fence?: number; overrun?: number; uid?: string }) | null = null;
  /** Terms this process acquired: a term of ours it never held was an earlier container's. */
  private readonly heldTerms: string[] = [];
  /** Our last read of the latest term's lease: when it started and ended, and the ttl it had left. */
  private observed: { term: Term; readStart: number; readEnd: number; pttlMs: number } | null = null;
  private highestEpoch = 0;
  private readonly stoppedTerms: string[] = [];
  /** Until then a free lease is left to the successor a stopping primary named (monotonic ms). */
  private holdoffUntil = 0;
  /** Until then a free lease is left to the others after our Faktory exited unasked (monotonic ms). */
  private exitHoldoffUntil = 0;

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
      waiting: this.waiting,
      highestEpoch: this.highestEpoch,
    };
  }

  start(): void {
    this.schedule(0);
  }

  /** Poll now instead of at the next interval. */
  wake(): void {
    if (this.stopped || this.role !== "secondary") return;
    this.schedule(0);
  }

  /** An announcement from the lease channel (ours included). */
  onEvent(e: LeaseEvent): void {
    if (e.kind === "draining") return;
    this.learn(e, undefined);
    if (e.kind !== "stopped") return;
    if (!this.stoppedTerms.includes(termKey(e))) {
      this.stoppedTerms.push(termKey(e));
      if (this.stoppedTerms.length > STOPPED_MEMORY) this.stoppedTerms.shift();
    }
    if (this.role === "pending") this.maybeStart();
    else if (e.successor !== undefined && e.successor !== this.timings.selfId && this.role === "secondary") {
      // Leave the lease to the named successor for one poll interval; if it does not take it (it died
      // meanwhile), we acquire as usual.
      this.holdoffUntil = this.clock.now() + this.timings.pollMs;
      if (!this.stopped) this.schedule(this.timings.pollMs);
    } else this.wake();
  }

  /**
   * Our Faktory exited without being asked: end the term with it, so one term is one Faktory process
   * (a router that saw it refuse commands while shutting down counts its term as draining for good).
   * Released and announced like a shutdown, without naming a successor, so a standby starts at once
   * on that proof; we leave a free lease to the others for holdoffMs, a crash-loop brake.
   */
  relinquish(holdoffMs: number): Promise<void> {
    if (this.stopped || this.role === "secondary") return Promise.resolve();
    this.exitHoldoffUntil = this.clock.now() + holdoffMs;
    return this.demote("exited").then(() => this.schedule(0));
  }

  /** Graceful shutdown: stop Faktory, release the lease and announce it, so a standby starts at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimers();
    if (this.demoting) await this.demoting;
    if (this.role !== "secondary") await this.demote("shutdown");
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
    if (this.stopped || this.busy) return; // a running tick schedules the next one
    this.busy = true;
    let next: number;
    try {
      next = this.role === "secondary" ? await this.pollTick() : await this.renewTick();
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
      const read = await this.store.read();
      if (read && "foreign" in read) return this.heldByForeign();
      let current = this.observe(read, started);
      if (
        current !== null &&
        (current.id === this.timings.selfId || this.stoppedTerms.includes(termKey(current)))
      ) {
        // Our own id but not our term (we restarted, or fenced ourselves), or a term whose holder announced
        // its Faktory stopped (a lossy failover brought its lease back): free the key now instead of
        // waiting for ttl. A successor still waits as for any other predecessor.
        await this.store.release(current);
        current = null;
      }
      const holdoff = Math.max(this.holdoffUntil, this.exitHoldoffUntil) - this.clock.now();
      if (current === null && holdoff > 0) {
        this.redisOk();
        this.setLeader(null);
        // Keep polling meanwhile: our router must learn the next primary as soon as it holds the lease.
        return Math.min(holdoff, this.timings.pollMs);
      }
      if (current === null) {
        const acquired = await this.store.acquire(this.highestEpoch);
        const at = this.clock.now();
        // A reply that took longer than a renew deadline is no base for a term: the lease may be gone
        // already, and we could not have fenced ourselves in time. Give it back and poll again.
        if (acquired && (this.stopped || at - started >= this.timings.renewDeadlineMs)) {
          await this.store.release(acquired.lease).catch(() => false);
          this.learn(acquired.lease, acquired.lease);
          return this.timings.pollMs;
        }
        if (acquired) {
          this.redisOk();
          this.becomePending(acquired, started, at);
          return this.timings.renewIntervalMs;
        }
        const readAt = this.clock.now();
        const again = await this.store.read();
        if (again && "foreign" in again) return this.heldByForeign();
        current = this.observe(again, readAt);
      }
      this.redisOk();
      this.setLeader(current);
    } catch (e) {
      // The last known primary stays the router's target: it fences itself, and no successor starts
      // before it stopped, so at worst our router holds connections until it learns more.
      this.redisFailed(asError(e));
    }
    return this.timings.pollMs;
  }

  /**
   * A supervisor of a protocol version we do not read holds the lease (the store said so): where its
   * Faktory runs and when it stops is unknown, so we neither acquire over it nor route to it. Once its
   * key is gone, acquiring takes the unknown-predecessor path: a full ttl before Faktory starts.
   */
  private heldByForeign(): number {
    this.redisOk();
    this.setLeader(null);
    return this.timings.pollMs;
  }

  /** Learns from a read that started at readStart and just returned. */
  private observe(o: Observed | null, readStart: number): LeaseValue | null {
    if (!o) return null;
    const { lease } = o;
    this.learn(lease, lease);
    if (sameTerm(lease, this.latest)) {
      this.observed = { term: lease, readStart, readEnd: this.clock.now(), pttlMs: o.pttlMs };
    }
    return lease;
  }

  private async renewTick(): Promise<number> {
    const lease = this.lease;
    if (!lease) return this.timings.pollMs;
    const started = this.clock.now();
    try {
      const ok = await this.store.renew(lease);
      if (this.lease !== lease || this.role === "secondary") return 0;
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

  private becomePending(acquired: Acquired, acquireStartedAt: number, acquiredAt: number): void {
    const { lease } = acquired;
    this.waiting = this.startWait(acquired, acquiredAt);
    this.heldTerms.push(termKey(lease));
    if (this.heldTerms.length > STOPPED_MEMORY) this.heldTerms.shift();
    this.role = "pending";
    this.lease = lease;
    this.since = this.clock.now();
    this.lastRenewOkAt = acquireStartedAt;
    this.learn(lease, lease);
    this.armDeadline();
    this.setLeader(lease);
    this.hooks.onPending?.(lease, this.waiting);
    this.maybeStart();
  }

  /**
   * When may Faktory start? Only once the previous holder's Faktory is provably stopped. It stops
   * within its fence of its last good renew, which happened before the key vanished, so before our
   * acquire returned (acquiredAt): acquiredAt + its fence is always safe. If we read its lease
   * shortly before (within a renew interval, so at most one renew of it can have followed), its
   * Faktory is also stopped by the expiry we read plus its overrun — the common case of a holder
   * that died, where that moment has passed already. Both need the predecessor: the epoch counter
   * shows that nobody acquired since the latest term we know, and then that term's "stopped"
   * announcement lets us start at once. Otherwise (fresh pod, or Redis lost the counter) wait a
   * full ttl, which bounds every holder's fence. All of this assumes Redis remembers every acquire; a
   * failover that lost the newest writes starts a new replication history, and for a ttl after that
   * only the ttl itself is proof.
   */
  private startWait(acquired: Acquired, acquiredAt: number): StartWait {
    const { ttlMs } = this.timings;
    if (acquired.historyAgeMs < ttlMs) {
      // Redis's history changed less than a ttl ago. Whoever held a lease on the old history has
      // stopped by its last renew there + its fence < ttl; nothing we know from before — the counter,
      // an announcement, a read expiry — can say more, because the failover may have lost the newest
      // acquire (a holder we never heard of, running under the epoch we just got again).
      return { proof: null, until: acquiredAt + ttlMs - acquired.historyAgeMs, bound: "history" };
    }
    const prev = this.latest;
    if (prev === null || acquired.counter !== prev.epoch + 1) {
      return { proof: null, until: acquiredAt + ttlMs, bound: "ttl" };
    }
    const proof = { id: prev.id, epoch: prev.epoch };
    const podUid = this.timings.podUid ?? "";
    if (
      podUid !== "" &&
      prev.uid === podUid &&
      prev.id === this.timings.selfId &&
      !this.heldTerms.includes(termKey(prev))
    ) {
      return { proof, until: acquiredAt, bound: "restart" };
    }
    // The margin keeps "surely stopped" and "may start" apart by more than clock jitter.
    const fenceAt = acquiredAt + Math.min((prev.fence ?? ttlMs) + FENCE_MARGIN_MS, ttlMs);
    const seen = this.observed;
    if (
      seen !== null &&
      prev.overrun !== undefined &&
      sameTerm(seen.term, prev) &&
      acquiredAt - seen.readStart <= this.timings.renewIntervalMs
    ) {
      const expiryAt = Math.max(acquiredAt, seen.readEnd + seen.pttlMs + prev.overrun + FENCE_MARGIN_MS);
      if (expiryAt < fenceAt) return { proof, until: expiryAt, bound: "expiry" };
    }
    return { proof, until: fenceAt, bound: "fence" };
  }

  private maybeStart(): void {
    const wait = this.waiting;
    const lease = this.lease;
    if (this.role !== "pending" || !wait || !lease || this.stopped) return;
    const proven = wait.proof !== null && this.stoppedTerms.includes(termKey(wait.proof));
    const due = wait.until - this.clock.now();
    if (!proven && due > 0) {
      if (this.startTimer === null) {
        this.startTimer = this.clock.setTimeout(() => {
          this.startTimer = null;
          this.maybeStart();
        }, due);
      }
      return;
    }
    if (this.startTimer !== null) this.clock.clearTimeout(this.startTimer);
    this.startTimer = null;
    this.waiting = null;
    this.role = "primary";
    this.since = this.clock.now();
    void this.announceThenStart(lease);
  }

  /** Others learn that this term runs before it does; then Faktory starts, if we still hold the lease. */
  private async announceThenStart(lease: LeaseValue): Promise<void> {
    await this.store.announce({ kind: "started", id: lease.id, epoch: lease.epoch }).catch(() => undefined);
    if (this.role === "primary" && this.lease === lease && !this.demoting) this.hooks.onPromote(lease);
  }

  private armDeadline(): void {
    if (this.deadlineTimer !== null) this.clock.clearTimeout(this.deadlineTimer);
    if (this.lastRenewOkAt === null) return;
    // A timer independent of the renew loop: a renew call that hangs must not delay fencing.
    const due = this.lastRenewOkAt + this.timings.renewDeadlineMs - this.clock.now();
    this.deadlineTimer = this.clock.setTimeout(
      () => {
        this.deadlineTimer = null;
        if (this.role !== "secondary") void this.demote("deadline").then(() => this.schedule(0));
      },
      Math.max(0, due),
    );
  }

  private demote(reason: DemoteReason): Promise<void> {
    if (this.demoting) return this.demoting;
    const lease = this.lease;
    if (this.role === "secondary" || !lease) return Promise.resolve();
    this.role = "secondary";
    this.since = this.clock.now();
    this.lastRenewOkAt = null;
    this.waiting = null;
    if (this.deadlineTimer !== null) this.clock.clearTimeout(this.deadlineTimer);
    if (this.startTimer !== null) this.clock.clearTimeout(this.startTimer);
    this.deadlineTimer = null;
    this.startTimer = null;
    // Until someone else is seen holding the lease, no primary is known: the router must not send
    // traffic to our stopping Faktory.
    this.setLeader(null);
    // Read while Faktory stops, so naming a successor adds nothing to the handover.
    const successor = reason === "shutdown" ? this.pickSuccessor() : Promise.resolve(undefined);
    this.demoting = (async () => {
      try {
        await this.hooks.onDemote(lease, reason);
        const named = await successor;
        // Only now, with Faktory gone: free the key if it is still ours (a slow Redis, or shutdown)
        // and tell the successor it need not wait for our fence.
        if (reason !== "lost") await this.store.release(lease).catch(() => false);
        await this.store
          .announce({
            kind: "stopped",
            id: lease.id,
            epoch: lease.epoch,
            ...(named !== undefined ? { successor: named } : {}),
          })
          .catch(() => undefined);
      } finally {
        this.lease = null;
        this.demoting = null;
      }
    })();
    return this.demoting;
  }

  /**
   * A standby running another pod template than ours, if any: during a rolling update, one already
   * replaced. Undefined when we do not know our revision or no such standby polls (every standby then
   * races for the lease, as on any other stop).
   */
  private async pickSuccessor(): Promise<string | undefined> {
    const own = this.timings.revision ?? "";
    if (own === "" || !this.store.members) return undefined;
    const members = await this.store.members().catch(() => []);
    const updated = members
      .filter((m) => m.id !== this.timings.selfId && m.revision !== "" && m.revision !== own)
      .map((m) => m.id)
      .sort();
    return updated[0];
  }

  /** Remembers the most recent term seen anywhere, with the holder's fence timings when known. */
  private learn(
    term: Term | null,
    meta: { fence?: number; overrun?: number; uid?: string } | undefined,
  ): void {
    if (!term) return;
    if (term.epoch > this.highestEpoch) this.highestEpoch = term.epoch;
    const timing = {
      ...(meta?.fence !== undefined ? { fence: meta.fence } : {}),
      ...(meta?.overrun !== undefined ? { overrun: meta.overrun } : {}),
      ...(meta?.uid !== undefined ? { uid: meta.uid } : {}),
    };
    if (
      this.latest === null ||
      term.epoch > this.latest.epoch ||
      (term.epoch === this.latest.epoch && term.id !== this.latest.id)
    ) {
      this.latest = { id: term.id, epoch: term.epoch, ...timing };
    } else if (sameTerm(term, this.latest)) {
      this.latest = { ...this.latest, ...timing };
    }
  }

  private setLeader(lease: LeaseValue | null): void {
    if (sameTerm(this.leader, lease)) return;
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
    for (const t of [this.tickTimer, this.deadlineTimer, this.startTimer]) {
      if (t !== null) this.clock.clearTimeout(t);
    }
    this.tickTimer = null;
    this.deadlineTimer = null;
    this.startTimer = null;
  }
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
